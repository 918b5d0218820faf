/** The benchmark's Atrium queries (bench/workloads.ts); the statement-budget and limit tests use them too. */

/** W1: the dashboard as a member — workspace, 50 projects with owners and permissions, 100 people. */
export const W1_QUERY = `query W1($id: ID!) {
  workspace(id: $id) {
    name viewerRole viewerPermissions
    projects(first: 50) { edges { node { id name owner { name } viewerPermissions } } }
    people(first: 100) { edges { node { name email role status } } }
  }
}`;

/** Guests never see people (SPEC.md §2), so W2 is W1 without the people page. */
export const W2_QUERY = `query W2($id: ID!) {
  workspace(id: $id) {
    name viewerRole viewerPermissions
    projects(first: 50) { edges { node { id name owner { name } viewerPermissions } } }
  }
}`;

/** W3: the fixed cost per request. */
export const W3_QUERY = `query W3($id: ID!) { me { id } workspace(id: $id) { name } }`;
