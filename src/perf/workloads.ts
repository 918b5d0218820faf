/** The benchmark's Atrium queries (bench/workloads.ts); the statement-budget and limit tests use them too. */

/** W1: the dashboard as a member — workspace, 50 projects with owners and permissions, 100 people. */
export const W1_QUERY = `query W1($id: ID!) {
  workspace(id: $id) {
    name viewerRole viewerPermissions
    projects(first: 50) { edges { node { id name owner { name } viewerPermissions } } }
    people(first: 100) { edges { node { name email role status } } }
  }
}`;

/** Guests never see people (RULES.md §2), so W2 is W1 without the people page. */
export const W2_QUERY = `query W2($id: ID!) {
  workspace(id: $id) {
    name viewerRole viewerPermissions
    projects(first: 50) { edges { node { id name owner { name } viewerPermissions } } }
  }
}`;

/** W3: the fixed cost per request. */
export const W3_QUERY = `query W3($id: ID!) { me { id } workspace(id: $id) { name } }`;

/** W5: abusive queries the limits must refuse before running anything (src/hardening/limits.ts). */
export function abusiveQueries(workspaceId: string): { name: string; query: string; variables: Record<string, unknown> }[] {
  // 12 rounds of projects → edges → node → workspace: about 50 levels.
  let deep = 'id';
  for (let i = 0; i < 12; i++) deep = `projects(first: 5) { edges { node { workspace { ${deep} } } } }`;
  const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: me { id name email }`).join(' ');
  // Within a depth limit of 12 and 30 aliases, but 20 × 100 × 100 × 100 potential nodes.
  const fanOut = `workspaces(first: 100) { edges { node { id projects(first: 100) { edges { node { id jobs(first: 100) { edges { node { id name } } } } } } } } }`;
  const costly = Array.from({ length: 20 }, (_, i) => `w${i}: ${fanOut}`).join(' ');
  return [
    { name: 'too deep (~50 levels)', query: `query Deep($id: ID!) { workspace(id: $id) { ${deep} } }`, variables: { id: workspaceId } },
    { name: 'too many aliases (500)', query: `query Aliases { ${aliases} }`, variables: {} },
    { name: 'too costly (20 aliases × 100³ fan-out, depth 10)', query: `query Costly { ${costly} }`, variables: {} },
  ];
}
