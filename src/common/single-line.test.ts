import { codeOf, TestServer, type TestUser } from '../test/harness';

/**
 * Single-line names (accounts, tokens, workspaces, projects, jobs, runs, workspace profiles, code
 * filenames) end up in email subjects and bodies and in one-line lists: a line break, a control
 * character or a bidirectional override in one is refused as BAD_USER_INPUT naming the field.
 */
let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const fieldsOf = (r: any) => r.errors?.[0]?.extensions?.fields?.map((f: any) => f.field);

/** Each refused character inside an otherwise ordinary name. */
const BAD = {
  LF: 'Team\nA',
  CRLF: 'Team\r\nBcc: x@example.com',
  tab: 'Team\tA',
  ESC: 'Team\u001b[31mA',
  DEL: 'Team\u007fA',
  NEL: 'Team\u0085A',
  'line separator': 'Team\u2028A',
  LRE: 'Team\u202aA',
  RLO: 'Team\u202egpj.exe',
  LRI: 'Team\u2066A',
  PDI: 'Team\u2069A',
};

interface Fixture {
  owner: TestUser;
  workspaceId: string;
  projectId: string;
  jobId: string;
  runId: string;
}
let f: Fixture;

beforeAll(async () => {
  const owner = await t.signUp({ name: 'Olive Owner' });
  const { id: workspaceId } = await t.createWorkspace(owner, { name: 'Plain' });
  const { createProject } = await t.ok(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { workspaceId, name: 'P' } },
    { as: owner },
  );
  const { createJob } = await t.ok(
    `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
    { input: { projectId: createProject.id, name: 'train', command: 'true' } },
    { as: owner },
  );
  const { startRun } = await t.ok(`mutation($input: StartRunInput!) { startRun(input: $input) { id } }`, { input: { jobId: createJob.id } }, { as: owner });
  f = { owner, workspaceId, projectId: createProject.id, jobId: createJob.id, runId: startRun.id };
});

/** Every single-line name input: the mutation, its input type, the input around the name, and the field. */
const CASES: {
  name: string;
  field: string;
  signedIn: boolean;
  input: (f: Fixture, value: string) => Record<string, unknown>;
  type: string;
  mutation: string;
}[] = [
  {
    name: 'signUp name',
    mutation: 'signUp',
    type: 'SignUpInput',
    field: 'name',
    signedIn: false,
    input: (_f, v) => ({ email: `s${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse battery', name: v }),
  },
  {
    name: 'signUpAndAcceptInvitation name',
    mutation: 'signUpAndAcceptInvitation',
    type: 'SignUpAndAcceptInvitationInput',
    field: 'name',
    signedIn: false,
    input: (_f, v) => ({ token: 'ati_unknown', password: 'correct horse battery', name: v }),
  },
  { name: 'updateMe name', mutation: 'updateMe', type: 'UpdateMeInput', field: 'name', signedIn: true, input: (_f, v) => ({ name: v }) },
  { name: 'updateMe jobTitle', mutation: 'updateMe', type: 'UpdateMeInput', field: 'jobTitle', signedIn: true, input: (_f, v) => ({ jobTitle: v }) },
  {
    name: 'createAccessToken name',
    mutation: 'createAccessToken',
    type: 'CreateAccessTokenInput',
    field: 'name',
    signedIn: true,
    input: (_f, v) => ({ name: v }),
  },
  { name: 'createWorkspace name', mutation: 'createWorkspace', type: 'CreateWorkspaceInput', field: 'name', signedIn: true, input: (_f, v) => ({ name: v }) },
  {
    name: 'updateWorkspace name',
    mutation: 'updateWorkspace',
    type: 'UpdateWorkspaceInput',
    field: 'name',
    signedIn: true,
    input: (f, v) => ({ id: f.workspaceId, name: v }),
  },
  {
    name: 'updateMyMembership name',
    mutation: 'updateMyMembership',
    type: 'UpdateMyMembershipInput',
    field: 'name',
    signedIn: true,
    input: (f, v) => ({ workspaceId: f.workspaceId, name: v }),
  },
  {
    name: 'updateMyMembership jobTitle',
    mutation: 'updateMyMembership',
    type: 'UpdateMyMembershipInput',
    field: 'jobTitle',
    signedIn: true,
    input: (f, v) => ({ workspaceId: f.workspaceId, jobTitle: v }),
  },
  {
    name: 'createProject name',
    mutation: 'createProject',
    type: 'CreateProjectInput',
    field: 'name',
    signedIn: true,
    input: (f, v) => ({ workspaceId: f.workspaceId, name: v }),
  },
  {
    name: 'updateProject name',
    mutation: 'updateProject',
    type: 'UpdateProjectInput',
    field: 'name',
    signedIn: true,
    input: (f, v) => ({ id: f.projectId, name: v }),
  },
  {
    name: 'createJob name',
    mutation: 'createJob',
    type: 'CreateJobInput',
    field: 'name',
    signedIn: true,
    input: (f, v) => ({ projectId: f.projectId, name: v, command: 'true' }),
  },
  { name: 'updateJob name', mutation: 'updateJob', type: 'UpdateJobInput', field: 'name', signedIn: true, input: (f, v) => ({ id: f.jobId, name: v }) },
  { name: 'startRun name', mutation: 'startRun', type: 'StartRunInput', field: 'name', signedIn: true, input: (f, v) => ({ jobId: f.jobId, name: v }) },
  { name: 'updateRun name', mutation: 'updateRun', type: 'UpdateRunInput', field: 'name', signedIn: true, input: (f, v) => ({ id: f.runId, name: v }) },
  {
    name: 'pushCode filename',
    mutation: 'pushCode',
    type: 'PushCodeInput',
    field: 'filename',
    signedIn: true,
    input: (f, v) => ({ projectId: f.projectId, filename: v, contentBase64: 'aGVsbG8=' }),
  },
];

const send = (c: (typeof CASES)[number], value: string) =>
  t.gql(`mutation($input: ${c.type}!) { ${c.mutation}(input: $input) { __typename } }`, { input: c.input(f, value) }, { as: c.signedIn ? f.owner : null });

/** Every name the server stores, so a test can see that a refusal changed nothing. */
async function snapshot() {
  return t.sql(`SELECT
    (SELECT json_agg(json_build_object('n', name, 'j', job_title) ORDER BY id) FROM account) AS accounts,
    (SELECT json_agg(name ORDER BY id) FROM token) AS tokens,
    (SELECT json_agg(name ORDER BY id) FROM workspace) AS workspaces,
    (SELECT json_agg(json_build_object('n', profile_name, 'j', profile_job_title) ORDER BY id) FROM membership) AS memberships,
    (SELECT json_agg(name ORDER BY id) FROM project) AS projects,
    (SELECT json_agg(name ORDER BY id) FROM job) AS jobs,
    (SELECT json_agg(name ORDER BY id) FROM run) AS runs,
    (SELECT count(*)::int FROM code_version) AS code`);
}

describe('single-line names', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s refuses control characters and bidirectional overrides, changing nothing', async (_name, c) => {
    const before = await snapshot();
    for (const [what, value] of Object.entries(BAD)) {
      const result = await send(c, value);
      expect([what, codeOf(result), fieldsOf(result)]).toEqual([what, 'BAD_USER_INPUT', [c.field]]);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('still takes names in any script, with marks, emoji and inner spaces', async () => {
    for (const name of ['Zoë Ångström', '李小龙 · 研究组', 'שלום עולם', 'Team 🚀 — α/β', 'dot.in.name']) {
      const { createProject } = await t.ok(
        `mutation($input: CreateProjectInput!) { createProject(input: $input) { name } }`,
        { input: { workspaceId: f.workspaceId, name } },
        { as: f.owner },
      );
      expect(createProject.name).toBe(name);
    }
  });

  it.each(['.', '..', ' .. ', 'a\r\nb.zip', 'dir/a.zip', 'dir\\a.zip', 'a\u0000.zip'])('pushCode refuses the filename %j', async (filename) => {
    const result = await t.gql(
      `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`,
      { input: { projectId: f.projectId, filename, contentBase64: 'aGVsbG8=' } },
      { as: f.owner },
    );
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual(['filename']);
    expect(await t.sql('SELECT id FROM code_version WHERE project_id = $1', [f.projectId])).toEqual([]);
  });

  it('pushCode still takes names with dots in them', async () => {
    for (const filename of ['...', '.env.zip', 'v1..2.tar.gz']) {
      const { pushCode } = await t.ok(
        `mutation($input: PushCodeInput!) { pushCode(input: $input) { filename } }`,
        { input: { projectId: f.projectId, filename, contentBase64: 'aGVsbG8=' } },
        { as: f.owner },
      );
      expect(pushCode.filename).toBe(filename);
    }
  });
});
