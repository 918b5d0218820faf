import { inspect } from 'node:util';
import { codeOf, reasonOf, TestServer } from '../test/harness';

let t: TestServer;
const logged: unknown[] = [];
beforeAll(async () => {
  t = await TestServer.start({}, { log: (e) => logged.push(e) });
});
afterAll(() => t.stop());

const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const CREATE = `mutation($input: CreateVariableInput!) { createVariable(input: $input) { id name value isMasked project { id } } }`;
const UPDATE = `mutation($input: UpdateVariableInput!) { updateVariable(input: $input) { id name value isMasked } }`;
const REMOVE = `mutation($id: ID!) { removeVariable(id: $id) }`;
const LIST = `query($id: ID!, $first: Int, $after: String) { project(id: $id) { variables(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id name value isMasked } } } } }`;

const SECRET = 'hunter2-top-secret-value';
const fieldsOf = (r: any) => r.errors?.[0]?.extensions?.fields?.map((f: any) => f.field);

async function project() {
  const c = await t.cast();
  const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.owner });
  return { c, projectId: createProject.id as string };
}

describe('variables', () => {
  it('creates, lists by name, updates and removes variables, auditing names only', async () => {
    const { c, projectId } = await project();
    const b = (await t.ok(CREATE, { input: { projectId, name: 'B_VAR', value: 'plain' } }, { as: c.member })).createVariable;
    expect(b).toMatchObject({ name: 'B_VAR', value: 'plain', isMasked: false, project: { id: projectId } });
    await t.ok(CREATE, { input: { projectId, name: '_a1', value: 'x' } }, { as: c.member });
    const list = await t.ok(LIST, { id: projectId }, { as: c.viewer });
    expect(list.project.variables.totalCount).toBe(2);
    expect(list.project.variables.edges.map((e: any) => e.node.name)).toEqual(['B_VAR', '_a1']);
    const page1 = await t.ok(LIST, { id: projectId, first: 1 }, { as: c.viewer });
    expect(page1.project.variables.pageInfo.hasNextPage).toBe(true);
    const page2 = await t.ok(LIST, { id: projectId, first: 1, after: page1.project.variables.pageInfo.endCursor }, { as: c.viewer });
    expect(page2.project.variables.edges.map((e: any) => e.node.name)).toEqual(['_a1']);
    expect(page2.project.variables.pageInfo.hasNextPage).toBe(false);
    const updated = await t.ok(UPDATE, { input: { id: b.id, name: 'C_VAR', value: 'new-value-xyz' } }, { as: c.member });
    expect(updated.updateVariable).toMatchObject({ name: 'C_VAR', value: 'new-value-xyz' });
    expect((await t.ok(REMOVE, { id: b.id }, { as: c.member })).removeVariable).toBe(true);
    expect(codeOf(await t.gql(REMOVE, { id: b.id }, { as: c.member }))).toBe('NOT_FOUND');
    const events = await t.sql(`SELECT action, details FROM audit_event WHERE workspace_id = $1 AND action LIKE 'variable.%' ORDER BY created_at, id`, [
      c.workspace.id,
    ]);
    expect(events.map((e) => e.action)).toEqual(['variable.created', 'variable.created', 'variable.updated', 'variable.removed']);
    expect(JSON.stringify(events)).not.toContain('plain');
    expect(JSON.stringify(events)).not.toContain('new-value-xyz');
  });

  it('never returns a masked value: not in responses, lists, audit data or errors', async () => {
    const { c, projectId } = await project();
    const created = await t.gql(CREATE, { input: { projectId, name: 'TOKEN', value: SECRET, isMasked: true } }, { as: c.member });
    expect(created.data.createVariable).toMatchObject({ value: '****', isMasked: true });
    const id = created.data.createVariable.id;
    const responses = [created];
    responses.push(await t.gql(LIST, { id: projectId }, { as: c.owner }));
    responses.push(await t.gql(LIST, { id: projectId }, { as: c.superuser }));
    responses.push(await t.gql(UPDATE, { input: { id, name: 'TOKEN2' } }, { as: c.member }));
    // Unmasking without a new value would reveal it: refused.
    const unmask = await t.gql(UPDATE, { input: { id, isMasked: false } }, { as: c.member });
    expect(codeOf(unmask)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(unmask)).toEqual(['isMasked']);
    responses.push(unmask);
    // Errors that concern the value never quote it.
    responses.push(await t.gql(CREATE, { input: { projectId, name: 'TOKEN2', value: SECRET, isMasked: true } }, { as: c.member }));
    responses.push(await t.gql(UPDATE, { input: { id, value: SECRET + 'x'.repeat(70_000) } }, { as: c.member }));
    responses.push(await t.gql(UPDATE, { input: { id, value: SECRET + '\u0000' } }, { as: c.member }));
    responses.push(await t.gql(`{ project(id: "${projectId}") { variables { edges { node { id value } } } } }`, {}, { as: c.viewer }));
    for (const r of responses) expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(logged.map(String))).not.toContain(SECRET);
    const audit = await t.sql('SELECT details FROM audit_event WHERE workspace_id = $1', [c.workspace.id]);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    // Unmasking with a new value is fine, and shows the new value only.
    const fresh = await t.ok(UPDATE, { input: { id, isMasked: false, value: 'public now' } }, { as: c.member });
    expect(fresh.updateVariable).toMatchObject({ isMasked: false, value: 'public now' });
    // The server still holds the real value for runners.
    const [row] = await t.sql('SELECT value FROM variable WHERE id = $1', [id]);
    expect(row.value).toBe('public now');
  });

  it('refuses a duplicate name in a project with CONFLICT NAME_TAKEN, on create and rename', async () => {
    const { c, projectId } = await project();
    await t.ok(CREATE, { input: { projectId, name: 'DUP', value: '1' } }, { as: c.member });
    const again = await t.gql(CREATE, { input: { projectId, name: 'DUP', value: '2' } }, { as: c.member });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(reasonOf(again)).toBe('NAME_TAKEN');
    const other = (await t.ok(CREATE, { input: { projectId, name: 'OTHER', value: '3' } }, { as: c.member })).createVariable;
    const rename = await t.gql(UPDATE, { input: { id: other.id, name: 'DUP' } }, { as: c.member });
    expect(codeOf(rename)).toBe('CONFLICT');
    expect(reasonOf(rename)).toBe('NAME_TAKEN');
    // Names compare exactly; another project may reuse the name.
    await t.ok(CREATE, { input: { projectId, name: 'dup', value: '4' } }, { as: c.member });
    const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'Q' } }, { as: c.owner });
    await t.ok(CREATE, { input: { projectId: createProject.id, name: 'DUP', value: '5' } }, { as: c.member });
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'variable.created'`, [c.workspace.id])).toEqual([
      { n: 4 },
    ]);
  });

  it('lets exactly one of many concurrent creations of a name win', async () => {
    const { c, projectId } = await project();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.gql(CREATE, { input: { projectId, name: 'RACE', value: String(i) } }, { as: c.member })),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => r.errors).map((r) => reasonOf(r))).toEqual(Array(7).fill('NAME_TAKEN'));
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'variable.created'`, [c.workspace.id])).toEqual([
      { n: 1 },
    ]);
  });

  it('treats the variables of a removed project as gone', async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(CREATE, { input: { projectId, name: 'GONE', value: 'x' } }, { as: c.member })).createVariable;
    await t.ok(`mutation($id: ID!) { removeProject(id: $id) }`, { id: projectId }, { as: c.owner });
    expect(codeOf(await t.gql(UPDATE, { input: { id: v.id, value: 'y' } }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: v.id }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CREATE, { input: { projectId, name: 'NEW', value: 'x' } }, { as: c.owner }))).toBe('NOT_FOUND');
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '1ABC' }, 'name'],
    [{ name: 'with-dash' }, 'name'],
    [{ name: 'with space' }, 'name'],
    [{ name: 'é' }, 'name'],
    [{ name: 'A'.repeat(256) }, 'name'],
    [{ value: 'v'.repeat(65_537) }, 'value'],
  ])('refuses bad createVariable input %# naming the field', async (input, field) => {
    const { c, projectId } = await project();
    const result = await t.gql(CREATE, { input: { projectId, name: 'OK', value: 'v', ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(await t.sql('SELECT id FROM variable WHERE project_id = $1', [projectId])).toEqual([]);
  });

  it('refuses bad updateVariable input and unknown ids', async () => {
    const { c, projectId } = await project();
    const v = (await t.ok(CREATE, { input: { projectId, name: 'OK', value: 'v' } }, { as: c.member })).createVariable;
    const bad = await t.gql(UPDATE, { input: { id: v.id, name: '9lives' } }, { as: c.member });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(bad)).toEqual(['name']);
    expect(codeOf(await t.gql(UPDATE, { input: { id: 'nope', name: 'X' } }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id: '00000000-0000-4000-8000-000000000000', name: 'X' } }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: 'nope' }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CREATE, { input: { projectId: 'nope', name: 'X', value: '' } }, { as: c.member }))).toBe('NOT_FOUND');
    expect(logged).toEqual([]);
  });

  it('keeps a masked value out of responses and logs even when the database refuses the row', async () => {
    const { c, projectId } = await project();
    await t.sql(`ALTER TABLE variable ADD CONSTRAINT test_short_values CHECK (length(value) < 20)`);
    try {
      logged.length = 0;
      const result = await t.gql(CREATE, { input: { projectId, name: 'LONG', value: SECRET, isMasked: true } }, { as: c.member });
      expect(codeOf(result)).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(result)).not.toContain(SECRET);
      expect(logged.length).toBeGreaterThan(0);
      // The logged error and the database error inside it, with everything they carry.
      const originals = logged.map((e) => (e as { originalError?: unknown }).originalError ?? e);
      expect(inspect([logged, originals], { depth: 10 })).not.toContain(SECRET);
    } finally {
      await t.sql(`ALTER TABLE variable DROP CONSTRAINT test_short_values`);
      logged.length = 0;
    }
  });
});
