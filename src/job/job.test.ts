import { codeOf, reasonOf, TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const CREATE = `mutation($input: CreateJobInput!) { createJob(input: $input) { id name description command project { id } runs { totalCount } } }`;
const UPDATE = `mutation($input: UpdateJobInput!) { updateJob(input: $input) { id name description command } }`;
const REMOVE = `mutation($id: ID!) { removeJob(id: $id) }`;
const START = `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`;
const LIST = `query($id: ID!, $first: Int, $after: String) { project(id: $id) { jobs(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } } }`;
const fieldsOf = (r: any) => r.errors?.[0]?.extensions?.fields?.map((f: any) => f.field);

async function project() {
  const c = await t.cast();
  const { createProject } = await t.ok(CREATE_PROJECT, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.owner });
  return { c, projectId: createProject.id as string };
}

describe('jobs', () => {
  it('creates, lists, updates and removes jobs (with their runs), with audit events', async () => {
    const { c, projectId } = await project();
    const train = (await t.ok(CREATE, { input: { projectId, name: ' train ', command: 'python train.py' } }, { as: c.member })).createJob;
    expect(train).toMatchObject({ name: 'train', description: '', command: 'python train.py', project: { id: projectId }, runs: { totalCount: 0 } });
    await t.ok(CREATE, { input: { projectId, name: 'evaluate', command: 'python eval.py', description: 'Scores it' } }, { as: c.member });
    const list = await t.ok(LIST, { id: projectId }, { as: c.viewer });
    expect(list.project.jobs).toMatchObject({ totalCount: 2, edges: [{ node: { name: 'evaluate' } }, { node: { name: 'train' } }] });
    const updated = await t.ok(UPDATE, { input: { id: train.id, command: 'make train', description: 'Fits' } }, { as: c.member });
    expect(updated.updateJob).toMatchObject({ name: 'train', command: 'make train', description: 'Fits' });
    await t.ok(START, { input: { jobId: train.id } }, { as: c.member });
    expect((await t.ok(REMOVE, { id: train.id }, { as: c.member })).removeJob).toBe(true);
    expect(await t.sql('SELECT id FROM run WHERE job_id = $1', [train.id])).toEqual([]);
    expect(codeOf(await t.gql(UPDATE, { input: { id: train.id, name: 'x' } }, { as: c.member }))).toBe('NOT_FOUND');
    const events = await t.sql(`SELECT action FROM audit_event WHERE workspace_id = $1 AND action LIKE 'job.%' ORDER BY created_at, id`, [c.workspace.id]);
    expect(events.map((e) => e.action)).toEqual(['job.created', 'job.created', 'job.updated', 'job.removed']);
  });

  it('refuses a duplicate job name in a project with CONFLICT NAME_TAKEN', async () => {
    const { c, projectId } = await project();
    await t.ok(CREATE, { input: { projectId, name: 'train', command: 'x' } }, { as: c.member });
    const dup = await t.gql(CREATE, { input: { projectId, name: ' train', command: 'y' } }, { as: c.member });
    expect([codeOf(dup), reasonOf(dup)]).toEqual(['CONFLICT', 'NAME_TAKEN']);
    const other = (await t.ok(CREATE, { input: { projectId, name: 'other', command: 'x' } }, { as: c.member })).createJob;
    const rename = await t.gql(UPDATE, { input: { id: other.id, name: 'train' } }, { as: c.member });
    expect([codeOf(rename), reasonOf(rename)]).toEqual(['CONFLICT', 'NAME_TAKEN']);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'n'.repeat(256) }, 'name'],
    [{ command: '' }, 'command'],
    [{ command: '   ' }, 'command'],
    [{ command: 'c'.repeat(10_001) }, 'command'],
    [{ description: 'd'.repeat(10_001) }, 'description'],
  ])('refuses bad createJob input %# naming the field', async (input, field) => {
    const { c, projectId } = await project();
    const result = await t.gql(CREATE, { input: { projectId, name: 'ok', command: 'run', ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(await t.sql('SELECT id FROM job WHERE project_id = $1', [projectId])).toEqual([]);
  });

  it('requires a command', async () => {
    const { c, projectId } = await project();
    expect(codeOf(await t.gql(CREATE, { input: { projectId, name: 'x' } }, { as: c.member }))).toBe('BAD_USER_INPUT');
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ command: ' ' }, 'command'],
    [{ description: 'd'.repeat(10_001) }, 'description'],
  ])('refuses bad updateJob input %# naming the field', async (input, field) => {
    const { c, projectId } = await project();
    const job = (await t.ok(CREATE, { input: { projectId, name: 'keep', command: 'run' } }, { as: c.member })).createJob;
    const result = await t.gql(UPDATE, { input: { id: job.id, ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(codeOf(await t.gql(UPDATE, { input: { id: 'not-a-uuid', name: 'x' } }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: 'not-a-uuid' }, { as: c.member }))).toBe('NOT_FOUND');
  });
});
