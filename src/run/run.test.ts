import { codeOf, TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const CREATE_JOB = `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`;
const PUSH = `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`;
const START = `mutation($input: StartRunInput!) { startRun(input: $input) {
  id name description status payload createdAt startedAt finishedAt job { id } createdBy { id } codeVersion { id } } }`;
const UPDATE = `mutation($input: UpdateRunInput!) { updateRun(input: $input) { id name description } }`;
const REMOVE = `mutation($id: ID!) { removeRun(id: $id) }`;
const RUNS = `query($id: ID!, $first: Int, $after: String, $filter: RunFilter) { project(id: $id) {
  runs(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name status createdBy { id } } } }
  jobs { edges { node { name runs(first: 1) { totalCount edges { node { id } } } } } } } }`;
const fieldsOf = (r: any) => r.errors?.[0]?.extensions?.fields?.map((f: any) => f.field);

async function setup() {
  const c = await t.cast();
  const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.owner });
  const projectId = createProject.id as string;
  const { createJob } = await t.ok(CREATE_JOB, { input: { projectId, name: 'train', command: 'python train.py' } }, { as: c.owner });
  return { c, projectId, jobId: createJob.id as string };
}

describe('runs', () => {
  it('starts a queued run with payload, creator and the latest code version', async () => {
    const { c, projectId, jobId } = await setup();
    const none = (await t.ok(START, { input: { jobId } }, { as: c.member })).startRun;
    expect(none).toMatchObject({
      status: 'QUEUED',
      name: '',
      description: '',
      payload: null,
      codeVersion: null,
      startedAt: null,
      finishedAt: null,
      job: { id: jobId },
      createdBy: { id: c.memberIds.member },
    });
    await t.ok(PUSH, { input: { projectId, filename: 'a.zip', contentBase64: Buffer.from('one').toString('base64') } }, { as: c.member });
    const second = (await t.ok(PUSH, { input: { projectId, filename: 'b.zip', contentBase64: Buffer.from('two').toString('base64') } }, { as: c.member }))
      .pushCode;
    const run = (await t.ok(START, { input: { jobId, name: 'nightly', description: 'd', payload: '{"alpha": [1, 2]}' } }, { as: c.admin })).startRun;
    expect(run).toMatchObject({
      status: 'QUEUED',
      name: 'nightly',
      payload: '{"alpha": [1, 2]}',
      codeVersion: { id: second.id },
      createdBy: { id: c.memberIds.admin },
    });
    const [row] = await t.sql('SELECT created_by_id, status FROM run WHERE id = $1', [run.id]);
    expect(row).toEqual({ created_by_id: c.admin.id, status: 'QUEUED' });
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'run.started'`, [c.workspace.id])).toEqual([{ n: 2 }]);
  });

  it.each(['{', 'not json', "{'a': 1}", '', '{"a":1}}'])('refuses a payload that is not JSON (%p) with BAD_USER_INPUT on payload', async (payload) => {
    const { c, jobId } = await setup();
    const result = await t.gql(START, { input: { jobId, payload } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual(['payload']);
    expect(await t.sql('SELECT id FROM run WHERE job_id = $1', [jobId])).toEqual([]);
  });

  it('accepts any JSON value as payload', async () => {
    const { c, jobId } = await setup();
    for (const payload of ['1', '"s"', 'null', '[]', ' {"a": {"b": true}} ']) {
      expect((await t.ok(START, { input: { jobId, payload } }, { as: c.member })).startRun.payload).toBe(payload);
    }
  });

  it.each([
    [{ name: 'n'.repeat(256) }, 'name'],
    [{ description: 'd'.repeat(10_001) }, 'description'],
  ])('refuses bad startRun input %# naming the field', async (input, field) => {
    const { c, jobId } = await setup();
    const result = await t.gql(START, { input: { jobId, ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(codeOf(await t.gql(START, { input: { jobId: 'nope' } }, { as: c.member }))).toBe('NOT_FOUND');
  });

  it('lists runs newest first, filters by status, pages, and lists them per job', async () => {
    const { c, projectId, jobId } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.ok(START, { input: { jobId, name: `r${i}` } }, { as: c.member })).startRun.id);
    await t.sql(`UPDATE run SET status = 'SUCCEEDED' WHERE id = ANY($1::uuid[])`, [[ids[1], ids[3]]]);
    const all = await t.ok(RUNS, { id: projectId }, { as: c.viewer });
    expect(all.project.runs.edges.map((e: any) => e.node.name)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(all.project.jobs.edges[0].node.runs).toEqual({ totalCount: 5, edges: [{ node: { id: ids[4] } }] });
    const done = await t.ok(RUNS, { id: projectId, filter: { statuses: ['SUCCEEDED', 'FAILED'] } }, { as: c.viewer });
    expect(done.project.runs).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'r3' } }, { node: { name: 'r1' } }] });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await t.ok(RUNS, { id: projectId, first: 2, after }, { as: c.viewer });
      expect(page.project.runs.totalCount).toBe(5);
      seen.push(...page.project.runs.edges.map((e: any) => e.node.name));
      if (!page.project.runs.pageInfo.hasNextPage) break;
      after = page.project.runs.pageInfo.endCursor;
    }
    expect(seen).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(codeOf(await t.gql(RUNS, { id: projectId, after: 'xyz' }, { as: c.viewer }))).toBe('BAD_USER_INPUT');
    const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    for (const values of [
      ['2026-02-31T00:00:00.000Z', ids[0]],
      ['soon', ids[0]],
      [new Date().toISOString(), 'x'],
      [1, 2],
    ]) {
      expect(codeOf(await t.gql(RUNS, { id: projectId, after: forged(values) }, { as: c.viewer }))).toBe('BAD_USER_INPUT');
    }
    expect(codeOf(await t.gql(RUNS, { id: projectId, first: 500 }, { as: c.viewer }))).toBe('BAD_USER_INPUT');
  });

  it('serves differently-paged aliases of the same list in one query', async () => {
    const { c, projectId, jobId } = await setup();
    for (let i = 0; i < 3; i++) await t.ok(START, { input: { jobId, name: `r${i}` } }, { as: c.member });
    const q = `query($id: ID!) { project(id: $id) {
      one: runs(first: 1) { edges { node { name } } }
      all: runs { edges { node { name } } }
      none: runs(first: 0) { totalCount edges { node { name } } pageInfo { hasNextPage } }
      queued: runs(filter: { statuses: [QUEUED] }) { totalCount }
      failed: runs(filter: { statuses: [FAILED] }) { totalCount }
      empty: runs(filter: { statuses: [] }) { totalCount } } }`;
    const data = await t.ok(q, { id: projectId }, { as: c.viewer });
    expect(data.project.one.edges.map((e: any) => e.node.name)).toEqual(['r2']);
    expect(data.project.all.edges.map((e: any) => e.node.name)).toEqual(['r2', 'r1', 'r0']);
    expect(data.project.none).toEqual({ totalCount: 3, edges: [], pageInfo: { hasNextPage: true } });
    expect([data.project.queued.totalCount, data.project.failed.totalCount, data.project.empty.totalCount]).toEqual([3, 0, 0]);
  });

  it('updates and removes runs; createdBy is null once the starter left', async () => {
    const { c, projectId, jobId } = await setup();
    const run = (await t.ok(START, { input: { jobId } }, { as: c.member })).startRun;
    const updated = await t.ok(UPDATE, { input: { id: run.id, name: ' renamed ', description: 'why' } }, { as: c.member });
    expect(updated.updateRun).toMatchObject({ name: 'renamed', description: 'why' });
    const bad = await t.gql(UPDATE, { input: { id: run.id, name: 'n'.repeat(256) } }, { as: c.member });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(bad)).toEqual(['name']);
    expect(codeOf(await t.gql(UPDATE, { input: { id: 'nope', name: 'x' } }, { as: c.member }))).toBe('NOT_FOUND');
    await t.sql('DELETE FROM membership WHERE id = $1', [c.memberIds.member]);
    const list = await t.ok(RUNS, { id: projectId }, { as: c.owner });
    expect(list.project.runs.edges[0].node.createdBy).toBeNull();
    expect((await t.ok(REMOVE, { id: run.id }, { as: c.owner })).removeRun).toBe(true);
    expect(codeOf(await t.gql(REMOVE, { id: run.id }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: 'nope' }, { as: c.owner }))).toBe('NOT_FOUND');
  });
});
