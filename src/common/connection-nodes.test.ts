import { TestServer } from '../test/harness';
import { relayCast } from '../test/relay-fixture';

/** `nodes` on every connection: the edges' nodes, the same items in the same order. */
let t: TestServer;
let c: Awaited<ReturnType<typeof relayCast>>;

beforeAll(async () => {
  t = await TestServer.start();
  c = await relayCast(t);
});
afterAll(() => t.stop());

const both = (inner = 'id') => `edges { node { ${inner} } } nodes { ${inner} }`;

const EVERY_LIST = `query($ws: ID!, $p: ID!) {
  me { memberships(first: 5) { ${both()} } }
  workspaces(first: 5) { ${both()} }
  workspace(id: $ws) {
    projects(first: 2) { ${both()} }
    people(first: 4) { ${both('id __typename')} }
    auditEvents(first: 3) { ${both()} }
  }
  project(id: $p) {
    variables(first: 2) { ${both()} }
    jobs(first: 1) { ${both('id runs(first: 2) { ' + both() + ' }')} }
    runs(first: 4) { ${both()} }
    codeVersions(first: 2) { ${both()} }
  }
}`;

/** Every connection object in a response, by its path. */
function connections(value: unknown, path = ''): [string, { edges: { node: unknown }[]; nodes: unknown[] }][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => connections(v, `${path}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const found: [string, { edges: { node: unknown }[]; nodes: unknown[] }][] = [];
  if ('edges' in value && 'nodes' in value) found.push([path, value as never]);
  for (const [key, child] of Object.entries(value)) found.push(...connections(child, `${path}.${key}`));
  return found;
}

it("answers the edges' nodes, in order, on every connection", async () => {
  const data = await t.ok(EVERY_LIST, { ws: c.workspace.id, p: c.publicProject }, { as: c.owner });
  const found = connections(data);
  expect(found.map(([path]) => path).sort()).toEqual([
    '.me.memberships',
    '.project.codeVersions',
    '.project.jobs',
    '.project.jobs.edges[0].node.runs',
    '.project.jobs.nodes[0].runs',
    '.project.runs',
    '.project.variables',
    '.workspace.auditEvents',
    '.workspace.people',
    '.workspace.projects',
    '.workspaces',
  ]);
  for (const [path, connection] of found) {
    expect({ path, nodes: connection.nodes }).toEqual({ path, nodes: connection.edges.map((e) => e.node) });
    expect({ path, empty: connection.nodes.length === 0 }).toEqual({ path, empty: false });
  }
  // The people page mixes both kinds of Person.
  const kinds = new Set(data.workspace.people.nodes.map((p: { __typename: string }) => p.__typename));
  expect(kinds).toEqual(new Set(['Member', 'Invitation']));
});

it('reads every column a field selected under nodes needs (the projects page reads only what its selection asks for)', async () => {
  const data = await t.ok(
    `query($ws: ID!) { workspace(id: $ws) { projects(first: 3) { nodes { name description owner { id name } } } } }`,
    { ws: c.workspace.id },
    { as: c.viewer },
  );
  expect(data.workspace.projects.nodes).toEqual([
    { name: 'Alpha', description: 'Alpha description', owner: { id: expect.any(String), name: 'Mia Member' } },
    { name: 'Beta', description: 'Beta description', owner: { id: expect.any(String), name: 'Mia Member' } },
    { name: 'Gamma', description: 'Gamma description', owner: { id: expect.any(String), name: 'Mia Member' } },
  ]);
});

it('prices nodes like edges: the subtree counts once per item of the page', async () => {
  const deep = `query($ws: ID!) { workspace(id: $ws) { projects(first: 100) { nodes { runs(first: 100) { nodes { id name status } } } } } }`;
  const result = await t.gql(deep, { ws: c.workspace.id }, { as: c.owner });
  expect(result.errors?.[0]?.extensions?.reason).toBe('MAX_COST');
});
