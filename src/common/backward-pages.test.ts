import { codeOf, TestServer } from '../test/harness';
import { relayCast } from '../test/relay-fixture';

/**
 * last/before on every connection: walking a list backward from its end gives the same items, in
 * the same order, as walking it forward; the same limits and cost apply.
 */
let t: TestServer;
let c: Awaited<ReturnType<typeof relayCast>>;

beforeAll(async () => {
  t = await TestServer.start();
  c = await relayCast(t);
  // More workspaces and memberships for the owner, so those lists have several pages too.
  for (const name of ['Zeta', 'Eta', 'Theta']) await t.createWorkspace(c.owner, { name });
  await t.ok(
    `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
    { input: { projectId: c.publicProject, name: 'deploy', command: 'ship' } },
    { as: c.member },
  );
});
afterAll(() => t.stop());

interface Page {
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE = `edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

/** Each list: the query of one page given its arguments, and where the connection is in the answer. */
const LISTS: Record<string, { query: (args: string) => string; at: (data: any) => Page; vars?: () => Record<string, unknown> }> = {
  workspaces: { query: (a) => `{ workspaces(${a}) { ${PAGE} } }`, at: (d) => d.workspaces },
  'workspaces by created desc': { query: (a) => `{ workspaces(${a}, orderBy: { field: CREATED_AT, direction: DESC }) { ${PAGE} } }`, at: (d) => d.workspaces },
  memberships: { query: (a) => `{ me { memberships(${a}) { ${PAGE} } } }`, at: (d) => d.me.memberships },
  projects: {
    query: (a) => `query($ws: ID!) { workspace(id: $ws) { projects(${a}) { ${PAGE} } } }`,
    at: (d) => d.workspace.projects,
    vars: () => ({ ws: c.workspace.id }),
  },
  'projects by modified desc': {
    query: (a) => `query($ws: ID!) { workspace(id: $ws) { projects(${a}, orderBy: { field: MODIFIED_AT, direction: DESC }) { ${PAGE} } } }`,
    at: (d) => d.workspace.projects,
    vars: () => ({ ws: c.workspace.id }),
  },
  auditEvents: {
    query: (a) => `query($ws: ID!) { workspace(id: $ws) { auditEvents(${a}) { ${PAGE} } } }`,
    at: (d) => d.workspace.auditEvents,
    vars: () => ({ ws: c.workspace.id }),
  },
  variables: {
    query: (a) => `query($p: ID!) { project(id: $p) { variables(${a}) { ${PAGE} } } }`,
    at: (d) => d.project.variables,
    vars: () => ({ p: c.publicProject }),
  },
  jobs: { query: (a) => `query($p: ID!) { project(id: $p) { jobs(${a}) { ${PAGE} } } }`, at: (d) => d.project.jobs, vars: () => ({ p: c.publicProject }) },
  runs: { query: (a) => `query($p: ID!) { project(id: $p) { runs(${a}) { ${PAGE} } } }`, at: (d) => d.project.runs, vars: () => ({ p: c.publicProject }) },
  'runs filtered': {
    query: (a) => `query($p: ID!) { project(id: $p) { runs(${a}, filter: { statuses: [QUEUED] }) { ${PAGE} } } }`,
    at: (d) => d.project.runs,
    vars: () => ({ p: c.publicProject }),
  },
  'job runs': {
    query: (a) => `query($p: ID!) { project(id: $p) { jobs(last: 1) { nodes { runs(${a}) { ${PAGE} } } } } }`,
    at: (d) => d.project.jobs.nodes[0].runs,
    vars: () => ({ p: c.publicProject }),
  },
  codeVersions: {
    query: (a) => `query($p: ID!) { project(id: $p) { codeVersions(${a}) { ${PAGE} } } }`,
    at: (d) => d.project.codeVersions,
    vars: () => ({ p: c.publicProject }),
  },
};
for (const field of ['NAME', 'EMAIL', 'ROLE', 'STATUS', 'CREATED_AT']) {
  for (const direction of ['ASC', 'DESC']) {
    LISTS[`people by ${field} ${direction}`] = {
      query: (a) => `query($ws: ID!) { workspace(id: $ws) { people(${a}, orderBy: { field: ${field}, direction: ${direction} }) { ${PAGE} } } }`,
      at: (d) => d.workspace.people,
      vars: () => ({ ws: c.workspace.id }),
    };
  }
}

async function page(name: string, args: string): Promise<Page> {
  const list = LISTS[name];
  return list.at(await t.ok(list.query(args), list.vars?.() ?? {}, { as: c.owner }));
}

describe.each(Object.keys(LISTS))('%s', (name) => {
  it('gives, walked backward from its end, the same items in the same order as walked forward', async () => {
    const all = (await page(name, 'first: 100')).nodes.map((n) => n.id);
    expect(all.length).toBeGreaterThan(2);
    const forward: string[] = [];
    for (let p = await page(name, 'first: 2'); ; p = await page(name, `first: 2, after: "${p.pageInfo.endCursor}"`)) {
      forward.push(...p.nodes.map((n) => n.id));
      expect(p.pageInfo.hasPreviousPage).toBe(false);
      if (!p.pageInfo.hasNextPage) break;
    }
    expect(forward).toEqual(all);
    const backward: string[][] = [];
    for (let p = await page(name, 'last: 2'); ; p = await page(name, `last: 2, before: "${p.pageInfo.startCursor}"`)) {
      expect(p.nodes).toEqual(p.edges.map((e) => e.node));
      expect(p.pageInfo.startCursor).toBe(p.edges[0].cursor);
      expect(p.pageInfo.hasNextPage).toBe(false);
      backward.unshift(p.nodes.map((n) => n.id));
      if (!p.pageInfo.hasPreviousPage) break;
    }
    // Each backward page is the slice of the forward list that ends where the page after it starts.
    expect(backward.flat()).toEqual(all);
    expect(backward.at(-1)).toEqual(all.slice(-2));
    // A page backward from an item holds the items just before it.
    const middle = (await page(name, 'first: 3')).edges[2];
    expect((await page(name, `last: 2, before: "${middle.cursor}"`)).nodes.map((n) => n.id)).toEqual(all.slice(0, 2));
  });
});

it('checks last and before as it checks first and after', async () => {
  const list = LISTS.projects;
  const run = (args: string) => t.gql(list.query(args), list.vars!(), { as: c.owner });
  const cursor = (await page('projects', 'first: 1')).pageInfo.endCursor;
  const cases = [
    ['last: 101', 'last'],
    ['last: -1', 'last'],
    ['before: "nonsense"', 'before'],
    ['first: 2, last: 2', 'last'],
    [`last: 2, after: "${cursor}"`, 'last'],
    [`first: 2, before: "${cursor}"`, 'before'],
  ] as const;
  for (const [args, field] of cases) {
    const result = await run(args);
    expect({ args, code: codeOf(result), fields: result.errors?.[0]?.extensions?.fields?.map((f) => f.field) }).toEqual({
      args,
      code: 'BAD_USER_INPUT',
      fields: [field],
    });
  }
  // A forged cursor of the right shape but the wrong types, on a child list and the people page.
  const forged = Buffer.from(JSON.stringify([1, 2])).toString('base64url');
  const child = await t.gql(LISTS.runs.query(`last: 2, before: "${forged}"`), LISTS.runs.vars!(), { as: c.owner });
  expect(child.errors?.[0]?.extensions?.fields).toEqual([{ field: 'before', message: 'before is not a cursor of this list.' }]);
  const people = await t.gql(LISTS['people by NAME ASC'].query(`last: 2, before: "${forged}"`), { ws: c.workspace.id }, { as: c.owner });
  expect(people.errors?.[0]?.extensions?.fields).toEqual([{ field: 'before', message: 'before is not a cursor of this list.' }]);
  expect((await run('last: 0')).data?.workspace.projects.nodes).toEqual([]);
  // Without a page size the default page of 20, backward as forward.
  expect((await run('before: null, last: null')).data?.workspace.projects.nodes).toHaveLength(3);
});

it('prices last like first', async () => {
  const query = (arg: string) =>
    `query($ws: ID!) { workspace(id: $ws) { projects(${arg}: 100) { nodes { runs(${arg}: 100) { nodes { id name status } } } } } }`;
  const refusals = [];
  for (const arg of ['first', 'last']) {
    const result = await t.gql(query(arg), { ws: c.workspace.id }, { as: c.owner });
    refusals.push({ reason: result.errors?.[0]?.extensions?.reason, cost: result.errors?.[0]?.extensions?.cost });
  }
  // 100 projects × (1 + nodes (1 + 100 runs × (1 + nodes (1 + 3 fields)))) + 1, as for first.
  expect(refusals).toEqual([
    { reason: 'MAX_COST', cost: 50_201 },
    { reason: 'MAX_COST', cost: 50_201 },
  ]);
  // A variable page size counts as well.
  const variable = await t.gql(
    `query($ws: ID!, $n: Int) { workspace(id: $ws) { projects(last: $n) { nodes { runs(last: $n) { nodes { id name status } } } } } }`,
    { ws: c.workspace.id, n: 100 },
    { as: c.owner },
  );
  expect(variable.errors?.[0]?.extensions?.cost).toBe(50_201);
});
