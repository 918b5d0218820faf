/**
 * RULES.md §2's project matrix, row by row, through the real GraphQL API: every project action for
 * every kind of caller, on public and private projects in public and private workspaces. The
 * expected answers are this file's own copy of the SPEC table, not the implementation's matrix.
 * Review a diff here against RULES.md, not against src/auth/permissions.ts.
 */
import { Visibility, WorkspaceRole } from '../common/enums';
import { codeOf, GqlResult, TestServer, TestUser } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

type PRole = 'guest' | 'viewer' | 'member' | 'admin';
const ALL: PRole[] = ['guest', 'viewer', 'member', 'admin'];
const MEMBER_UP: PRole[] = ['member', 'admin'];

/** RULES.md §2, "Project actions", in table order. */
const SPEC_TABLE: [string, PRole[]][] = [
  ['project.info.view', ALL],
  ['project.info.edit', ['admin']],
  ['project.remove', ['admin']],
  ['project.code.view', ALL],
  ['project.code.push', MEMBER_UP],
  ['project.job.view', ALL],
  ['project.job.create', MEMBER_UP],
  ['project.job.edit', MEMBER_UP],
  ['project.job.remove', MEMBER_UP],
  ['project.variable.view', ALL],
  ['project.variable.create', MEMBER_UP],
  ['project.variable.edit', MEMBER_UP],
  ['project.variable.remove', MEMBER_UP],
  ['project.run.view', ALL],
  ['project.run.start', MEMBER_UP],
  ['project.run.edit', MEMBER_UP],
  ['project.run.remove', MEMBER_UP],
  ['project.restore', ['admin']],
];
const VIEW_ACTIONS = new Set(['project.info.view', 'project.code.view', 'project.job.view', 'project.variable.view', 'project.run.view']);

const CALLERS = ['guest', 'outsider', 'platformAdmin', 'viewer', 'member', 'projectOwner', 'admin', 'owner', 'superuser'] as const;
type Caller = (typeof CALLERS)[number];

/** RULES.md §1: the project role a caller has, or null when the project does not exist for them. */
function projectRole(caller: Caller, ws: Visibility, project: Visibility): PRole | null {
  switch (caller) {
    case 'owner':
    case 'admin':
    case 'projectOwner':
      return 'admin';
    case 'member':
      return 'member';
    case 'viewer':
      return 'viewer';
    case 'superuser':
      return null; // not a member; handled on its own: may do everything
    default:
      return ws === Visibility.PUBLIC && project === Visibility.PUBLIC ? 'guest' : null;
  }
}

type Outcome = 'OK' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED';

function expected(caller: Caller, action: string, ws: Visibility, project: Visibility): Outcome {
  if (caller === 'superuser') return 'OK';
  const signedOut = caller === 'guest';
  const isView = VIEW_ACTIONS.has(action);
  if (signedOut && !isView) return 'UNAUTHENTICATED';
  const role = projectRole(caller, ws, project);
  if (!role) return 'NOT_FOUND';
  const allowed = SPEC_TABLE.find(([a]) => a === action)![1];
  // A removed project exists only for those who may restore it (as a removed workspace for its owner).
  if (action === 'project.restore' && !allowed.includes(role)) return 'NOT_FOUND';
  return allowed.includes(role) ? 'OK' : 'FORBIDDEN';
}

const outcome = (r: GqlResult): Outcome | string => (r.errors?.length ? String(codeOf(r)) : 'OK');

interface Fixture {
  projectId: string;
  jobId: string;
  variableId: string;
  runId: string;
  workspaceId: string;
}

let counter = 0;
const uniq = (p: string) => `${p}_${++counter}`;

/** One operation per action. Destructive ones act on a fresh object each time. */
const OPERATIONS: Record<string, (f: Fixture, as: TestUser | null) => Promise<GqlResult>> = {
  'project.info.view': (f, as) => t.gql(`query($id: ID!) { project(id: $id) { id name } }`, { id: f.projectId }, { as }),
  'project.info.edit': (f, as) =>
    t.gql(`mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`, { input: { id: f.projectId, description: uniq('d') } }, { as }),
  'project.remove': async (f, as) => {
    const [{ id }] = await t.sql(
      `INSERT INTO project (workspace_id, name, visibility, owner_id) SELECT workspace_id, 'fresh', visibility, owner_id FROM project WHERE id = $1 RETURNING id`,
      [f.projectId],
    );
    return t.gql(`mutation($id: ID!) { removeProject(id: $id) }`, { id }, { as });
  },
  'project.code.view': (f, as) =>
    t.gql(`query($id: ID!) { project(id: $id) { codeVersions { totalCount edges { node { id } } } } }`, { id: f.projectId }, { as }),
  'project.code.push': (f, as) =>
    t.gql(
      `mutation($input: PushCodeInput!) { pushCode(input: $input) { id } }`,
      { input: { projectId: f.projectId, filename: 'a.zip', contentBase64: 'aGVsbG8=' } },
      { as },
    ),
  'project.job.view': (f, as) => t.gql(`query($id: ID!) { project(id: $id) { jobs { totalCount edges { node { id } } } } }`, { id: f.projectId }, { as }),
  'project.job.create': (f, as) =>
    t.gql(
      `mutation($input: CreateJobInput!) { createJob(input: $input) { id } }`,
      { input: { projectId: f.projectId, name: uniq('job'), command: 'run' } },
      { as },
    ),
  'project.job.edit': (f, as) =>
    t.gql(`mutation($input: UpdateJobInput!) { updateJob(input: $input) { id } }`, { input: { id: f.jobId, description: uniq('d') } }, { as }),
  'project.job.remove': async (f, as) => {
    const [{ id }] = await t.sql(`INSERT INTO job (project_id, name, command) VALUES ($1, $2, 'run') RETURNING id`, [f.projectId, uniq('doomed')]);
    return t.gql(`mutation($id: ID!) { removeJob(id: $id) }`, { id }, { as });
  },
  'project.variable.view': (f, as) =>
    t.gql(`query($id: ID!) { project(id: $id) { variables { totalCount edges { node { id value } } } } }`, { id: f.projectId }, { as }),
  'project.variable.create': (f, as) =>
    t.gql(
      `mutation($input: CreateVariableInput!) { createVariable(input: $input) { id } }`,
      { input: { projectId: f.projectId, name: uniq('V'), value: 'x' } },
      { as },
    ),
  'project.variable.edit': (f, as) =>
    t.gql(`mutation($input: UpdateVariableInput!) { updateVariable(input: $input) { id } }`, { input: { id: f.variableId, value: uniq('v') } }, { as }),
  'project.variable.remove': async (f, as) => {
    const [{ id }] = await t.sql(`INSERT INTO variable (project_id, name, value) VALUES ($1, $2, 'x') RETURNING id`, [f.projectId, uniq('DOOMED')]);
    return t.gql(`mutation($id: ID!) { removeVariable(id: $id) }`, { id }, { as });
  },
  'project.run.view': (f, as) =>
    t.gql(`query($id: ID!) { project(id: $id) { runs { totalCount } jobs { edges { node { runs { totalCount } } } } } }`, { id: f.projectId }, { as }),
  'project.run.start': (f, as) =>
    t.gql(`mutation($input: StartRunInput!) { startRun(input: $input) { id } }`, { input: { jobId: f.jobId, payload: '{}' } }, { as }),
  'project.run.edit': (f, as) =>
    t.gql(`mutation($input: UpdateRunInput!) { updateRun(input: $input) { id } }`, { input: { id: f.runId, name: uniq('r') } }, { as }),
  'project.run.remove': async (f, as) => {
    const [{ id }] = await t.sql(`INSERT INTO run (project_id, job_id) VALUES ($1, $2) RETURNING id`, [f.projectId, f.jobId]);
    return t.gql(`mutation($id: ID!) { removeRun(id: $id) }`, { id }, { as });
  },
  'project.restore': async (f, as) => {
    const [{ id }] = await t.sql(
      `INSERT INTO project (workspace_id, name, visibility, owner_id, removed_at, purge_at)
       SELECT workspace_id, 'removed', visibility, owner_id, now(), now() + interval '30 days' FROM project WHERE id = $1 RETURNING id`,
      [f.projectId],
    );
    return t.gql(`mutation($id: ID!) { restoreProject(id: $id) { id } }`, { id }, { as });
  },
};

interface World {
  users: Record<Exclude<Caller, 'guest'>, TestUser>;
  fixtures: Record<string, Fixture>;
}

async function buildWorld(ws: Visibility): Promise<World> {
  const c = await t.cast(ws);
  const projectOwner = await t.signUp({ name: 'Pia ProjectOwner' });
  await t.addMember(c.workspace.id, projectOwner, WorkspaceRole.MEMBER);
  const fixtures: Record<string, Fixture> = {};
  for (const visibility of [Visibility.PUBLIC, Visibility.PRIVATE]) {
    const { createProject } = await t.ok(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { workspaceId: c.workspace.id, name: `${visibility} project`, visibility } },
      { as: projectOwner },
    );
    const projectId = createProject.id;
    const [{ id: jobId }] = await t.sql(`INSERT INTO job (project_id, name, command) VALUES ($1, 'train', 'run') RETURNING id`, [projectId]);
    const [{ id: variableId }] = await t.sql(`INSERT INTO variable (project_id, name, value) VALUES ($1, 'V', 'x') RETURNING id`, [projectId]);
    const [{ id: runId }] = await t.sql(`INSERT INTO run (project_id, job_id) VALUES ($1, $2) RETURNING id`, [projectId, jobId]);
    fixtures[visibility] = { projectId, jobId, variableId, runId, workspaceId: c.workspace.id };
  }
  const { owner, admin, member, viewer, outsider, platformAdmin, superuser } = c;
  return { users: { owner, admin, member, viewer, outsider, platformAdmin, superuser, projectOwner }, fixtures };
}

const worlds: Partial<Record<Visibility, World>> = {};
beforeAll(async () => {
  worlds[Visibility.PUBLIC] = await buildWorld(Visibility.PUBLIC);
  worlds[Visibility.PRIVATE] = await buildWorld(Visibility.PRIVATE);
});

const userOf = (world: World, caller: Caller) => (caller === 'guest' ? null : world.users[caller]);

const COMBOS: [Visibility, Visibility][] = [
  [Visibility.PUBLIC, Visibility.PUBLIC],
  [Visibility.PUBLIC, Visibility.PRIVATE],
  [Visibility.PRIVATE, Visibility.PUBLIC],
  [Visibility.PRIVATE, Visibility.PRIVATE],
];

describe.each(COMBOS)('in a %s workspace, on a %s project', (wsVis, projectVis) => {
  it.each(CALLERS.map((c) => [c]))('%s gets exactly the SPEC answers for every project action', async (caller) => {
    const world = worlds[wsVis]!;
    const fixture = world.fixtures[projectVis];
    const as = userOf(world, caller);
    const actual: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const [action] of SPEC_TABLE) {
      actual[action] = outcome(await OPERATIONS[action](fixture, as));
      want[action] = expected(caller, action, wsVis, projectVis);
    }
    expect(actual).toEqual(want);
  });

  it.each(CALLERS.map((c) => [c]))('%s sees the right viewerRole and viewerPermissions', async (caller) => {
    const world = worlds[wsVis]!;
    const fixture = world.fixtures[projectVis];
    const result = await t.gql(
      `query($id: ID!) { project(id: $id) { viewerRole viewerPermissions } }`,
      { id: fixture.projectId },
      { as: userOf(world, caller) },
    );
    if (caller === 'superuser') {
      expect(result.data.project.viewerPermissions.sort()).toEqual(SPEC_TABLE.map(([a]) => a).sort());
      return;
    }
    const role = projectRole(caller, wsVis, projectVis);
    if (!role) {
      expect(codeOf(result)).toBe('NOT_FOUND');
      return;
    }
    expect(result.data.project.viewerRole).toBe(role === 'guest' ? null : role.toUpperCase());
    const codes = SPEC_TABLE.filter(([, roles]) => roles.includes(role)).map(([a]) => a);
    expect([...result.data.project.viewerPermissions].sort()).toEqual(codes.sort());
  });
});

describe.each([Visibility.PUBLIC, Visibility.PRIVATE])('Workspace.projects and project.create in a %s workspace', (wsVis) => {
  const LIST = `query($id: ID!) { workspace(id: $id) { projects(first: 100) { edges { node { id visibility } } } } }`;
  it.each(CALLERS.map((c) => [c]))('%s lists the projects SPEC says and may create one only as member or higher', async (caller) => {
    const world = worlds[wsVis]!;
    const as = userOf(world, caller);
    const workspaceId = world.fixtures[Visibility.PUBLIC].workspaceId;
    const list = await t.gql(LIST, { id: workspaceId }, { as });
    // Only the two fixture projects: the action rows above add and remove others.
    const fixtureIds = new Set(Object.values(world.fixtures).map((f) => f.projectId));
    const listed = () =>
      list.data.workspace.projects.edges
        .filter((e: any) => fixtureIds.has(e.node.id))
        .map((e: any) => e.node.visibility)
        .sort();
    const isMember = ['viewer', 'member', 'projectOwner', 'admin', 'owner'].includes(caller);
    if (isMember || caller === 'superuser') {
      expect(listed()).toEqual(['PRIVATE', 'PUBLIC']);
    } else if (wsVis === Visibility.PUBLIC) {
      expect(listed()).toEqual(['PUBLIC']);
      expect(list.data.workspace.projects.edges.every((e: any) => e.node.visibility === 'PUBLIC')).toBe(true);
    } else {
      expect(codeOf(list)).toBe('NOT_FOUND');
    }

    const create = await t.gql(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id viewerRole } }`,
      { input: { workspaceId, name: uniq('new') } },
      { as },
    );
    const want =
      caller === 'guest'
        ? 'UNAUTHENTICATED'
        : ['member', 'projectOwner', 'admin', 'owner', 'superuser'].includes(caller)
          ? 'OK'
          : caller === 'viewer' || wsVis === Visibility.PUBLIC
            ? 'FORBIDDEN'
            : 'NOT_FOUND';
    expect(outcome(create)).toBe(want);
    if (want === 'OK' && caller !== 'superuser') expect(create.data.createProject.viewerRole).toBe('ADMIN');
  });
});
