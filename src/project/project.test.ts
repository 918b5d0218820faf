import { Visibility } from '../common/enums';
import { codeOf, TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start({ workspaceRetentionDays: 12 });
});
afterAll(() => t.stop());

const CREATE = `mutation($input: CreateProjectInput!) {
  createProject(input: $input) { id name description descriptionHtml visibility viewerRole viewerPermissions owner { id role } workspace { id } }
}`;
const UPDATE = `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id name description descriptionHtml visibility modifiedAt } }`;
const REMOVE = `mutation($id: ID!) { removeProject(id: $id) }`;
const PROJECT = `query($id: ID!) { project(id: $id) { id name visibility viewerRole owner { id } } }`;
const LIST = `query($id: ID!, $first: Int, $after: String, $filter: ProjectFilter, $orderBy: ProjectOrder) {
  workspace(id: $id) { projects(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name visibility } }
  } }
}`;

const fieldsOf = (r: { errors?: { extensions?: { fields?: { field: string }[] } }[] }) => r.errors?.[0]?.extensions?.fields?.map((f) => f.field);

describe('projects', () => {
  it('lists each project with the same owner as the project itself shows, through fragments too (owners are read with the page)', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    const mine = (await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'a mine', visibility: 'PUBLIC' } }, { as: c.member })).createProject;
    const admins = (await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'b admins' } }, { as: c.admin })).createProject;
    // A project whose owner is no longer a member (written directly: the API hands such projects to the workspace owner).
    const stranger = await t.signUp();
    const [orphan] = await t.sql(`INSERT INTO project (workspace_id, name, visibility, owner_id) VALUES ($1, 'c orphan', 'PUBLIC', $2) RETURNING id`, [
      c.workspace.id,
      stranger.id,
    ]);
    const PAGE = `query($id: ID!) { workspace(id: $id) { projects(first: 10) { edges { node { id ...Owner } } } } }
      fragment Owner on Project { owner { id name role user { id name } } }`;
    const one = (id: string, as: typeof c.member | null) =>
      t.ok(`query($id: ID!) { project(id: $id) { owner { id name role user { id name } } } }`, { id }, { as });
    for (const as of [c.viewer, c.member]) {
      const page = await t.ok(PAGE, { id: c.workspace.id }, { as });
      const owners = Object.fromEntries(page.workspace.projects.edges.map((e: { node: { id: string; owner: unknown } }) => [e.node.id, e.node.owner]));
      expect(owners[mine.id]).toMatchObject({ id: c.memberIds.member, role: 'MEMBER', user: { id: c.member.id, name: c.member.name } });
      expect(owners[admins.id]).toMatchObject({ id: c.memberIds.admin, role: 'ADMIN' });
      expect(owners[orphan.id]).toBeNull();
      for (const id of [mine.id, admins.id, orphan.id]) expect(owners[id]).toEqual((await one(id, as)).project.owner);
    }
    // Guests never see people: no owners, whether or not the page looks ahead.
    const asGuest = await t.ok(PAGE, { id: c.workspace.id }, { as: await t.signUp() });
    expect(asGuest.workspace.projects.edges.map((e: { node: { owner: unknown } }) => e.node.owner)).toEqual([null, null]);
  });

  it('creates a project owned by its creator, with rendered Markdown and an audit event', async () => {
    const c = await t.cast();
    const data = await t.ok(
      CREATE,
      { input: { workspaceId: c.workspace.id, name: '  Churn model  ', description: '# Hi <script>alert(1)</script> [x](javascript:alert(1))' } },
      { as: c.member },
    );
    const p = data.createProject;
    expect(p).toMatchObject({
      name: 'Churn model',
      visibility: 'PRIVATE',
      viewerRole: 'ADMIN',
      owner: { id: c.memberIds.member, role: 'MEMBER' },
      workspace: { id: c.workspace.id },
    });
    expect(p.descriptionHtml).toContain('<h1>');
    expect(p.descriptionHtml).not.toContain('<script');
    expect(p.descriptionHtml).not.toMatch(/href="javascript/i);
    expect(p.viewerPermissions).toContain('project.remove');
    const [row] = await t.sql('SELECT owner_id FROM project WHERE id = $1', [p.id]);
    expect(row.owner_id).toBe(c.member.id);
    const events = await t.sql(`SELECT action, actor_id, details FROM audit_event WHERE workspace_id = $1 AND action LIKE 'project.%'`, [c.workspace.id]);
    expect(events).toEqual([expect.objectContaining({ action: 'project.created', actor_id: c.member.id })]);
    expect(events[0].details).toMatchObject({ projectId: p.id, name: 'Churn model' });
    // Another member is a project member, not admin, on it.
    const other = await t.ok(PROJECT, { id: p.id }, { as: c.admin });
    expect(other.project.viewerRole).toBe('ADMIN');
    const asViewer = await t.ok(PROJECT, { id: p.id }, { as: c.viewer });
    expect(asViewer.project).toMatchObject({ viewerRole: 'VIEWER', owner: { id: c.memberIds.member } });
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'n'.repeat(256) }, 'name'],
    [{ name: 'ok', description: 'd'.repeat(10_001) }, 'description'],
    [{ name: 'bad\u0000name' }, 'name'],
  ])('refuses bad createProject input %# naming the field, writing nothing', async (input, field) => {
    const c = await t.cast();
    const result = await t.gql(CREATE, { input: { workspaceId: c.workspace.id, ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect(await t.sql('SELECT id FROM project WHERE workspace_id = $1', [c.workspace.id])).toEqual([]);
  });

  it('answers NOT_FOUND for a workspace id that is not a UUID or does not exist', async () => {
    const user = await t.signUp();
    expect(codeOf(await t.gql(CREATE, { input: { workspaceId: 'nope', name: 'x' } }, { as: user }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CREATE, { input: { workspaceId: '00000000-0000-4000-8000-000000000000', name: 'x' } }, { as: user }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(PROJECT, { id: 'nope' }, { as: user }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id: 'nope', name: 'x' } }, { as: user }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: 'nope' }, { as: user }))).toBe('NOT_FOUND');
  });

  it('updates name, description and visibility, and records what changed', async () => {
    const c = await t.cast();
    const { createProject: p } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'A' } }, { as: c.member });
    const data = await t.ok(UPDATE, { input: { id: p.id, name: ' B ', description: '*x*', visibility: 'PUBLIC' } }, { as: c.member });
    expect(data.updateProject).toMatchObject({ name: 'B', description: '*x*', visibility: 'PUBLIC' });
    expect(data.updateProject.descriptionHtml).toContain('<em>x</em>');
    const [event] = await t.sql(`SELECT details FROM audit_event WHERE workspace_id = $1 AND action = 'project.updated'`, [c.workspace.id]);
    expect(event.details.changes).toMatchObject({ name: { from: 'A', to: 'B' }, visibility: { from: 'PRIVATE', to: 'PUBLIC' } });
    // Nothing to change: no event.
    await t.ok(UPDATE, { input: { id: p.id, name: 'B' } }, { as: c.member });
    expect(await t.sql(`SELECT id FROM audit_event WHERE workspace_id = $1 AND action = 'project.updated'`, [c.workspace.id])).toHaveLength(1);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ description: 'd'.repeat(10_001) }, 'description'],
  ])('refuses bad updateProject input %# naming the field', async (input, field) => {
    const c = await t.cast();
    const { createProject: p } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'Keep' } }, { as: c.owner });
    const result = await t.gql(UPDATE, { input: { id: p.id, ...input } }, { as: c.owner });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result)).toEqual([field]);
    expect((await t.ok(PROJECT, { id: p.id }, { as: c.owner })).project.name).toBe('Keep');
  });

  it('treats explicit nulls of defaulted fields as their defaults', async () => {
    const c = await t.cast();
    const data = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'N', description: null, visibility: null } }, { as: c.member });
    expect(data.createProject).toMatchObject({ description: '', descriptionHtml: '', visibility: 'PRIVATE' });
    const same = await t.ok(UPDATE, { input: { id: data.createProject.id, name: null, description: null, visibility: null } }, { as: c.member });
    expect(same.updateProject).toMatchObject({ name: 'N', description: '', visibility: 'PRIVATE' });
  });

  it('refuses a bad visibility value', async () => {
    const c = await t.cast();
    const result = await t.gql(CREATE, { input: { workspaceId: c.workspace.id, name: 'x', visibility: 'SECRET' } }, { as: c.owner });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  it('hides a removed project at once and schedules its purge after the retention period', async () => {
    const c = await t.cast();
    const { createProject: p } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'Doomed' } }, { as: c.member });
    expect((await t.ok(REMOVE, { id: p.id }, { as: c.member })).removeProject).toBe(true);
    expect(codeOf(await t.gql(PROJECT, { id: p.id }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: p.id }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id: p.id, name: 'x' } }, { as: c.owner }))).toBe('NOT_FOUND');
    const list = await t.ok(LIST, { id: c.workspace.id }, { as: c.owner });
    expect(list.workspace.projects.totalCount).toBe(0);
    const [row] = await t.sql(`SELECT removed_at, purge_at, extract(epoch FROM purge_at - removed_at) / 86400 AS days FROM project WHERE id = $1`, [p.id]);
    expect(row.removed_at).not.toBeNull();
    expect(Number(row.days)).toBeCloseTo(12, 5);
    const events = await t.sql(`SELECT action FROM audit_event WHERE workspace_id = $1 AND action = 'project.removed'`, [c.workspace.id]);
    expect(events).toHaveLength(1);
  });

  it('hides every project of a removed workspace', async () => {
    const c = await t.cast();
    const { createProject: p } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'P' } }, { as: c.member });
    await t.sql("UPDATE workspace SET removed_at = now(), purge_at = now() + interval '1 day' WHERE id = $1", [c.workspace.id]);
    expect(codeOf(await t.gql(PROJECT, { id: p.id }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE, { input: { id: p.id, name: 'x' } }, { as: c.owner }))).toBe('NOT_FOUND');
  });
});

describe('projects under concurrency', () => {
  it('never leaves a live project owned by a non-member when its creator is removed meanwhile', async () => {
    for (let round = 0; round < 6; round++) {
      const c = await t.cast();
      const creations = Array.from({ length: 6 }, (_, i) => t.gql(CREATE, { input: { workspaceId: c.workspace.id, name: `race ${i}` } }, { as: c.member }));
      const removal = t.gql(`mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId } }`, { id: c.memberIds.member }, { as: c.admin });
      const results = await Promise.all([...creations, removal]);
      for (const r of results) expect([null, 'FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']).toContain(codeOf(r));
      expect(codeOf(results.at(-1)!)).toBeNull();
      const orphans = await t.sql(
        `SELECT p.id FROM project p WHERE p.workspace_id = $1 AND p.removed_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.workspace_id = p.workspace_id AND m.account_id = p.owner_id)`,
        [c.workspace.id],
      );
      expect(orphans).toEqual([]);
    }
  });
});

describe('Workspace.projects', () => {
  async function setup() {
    const c = await t.cast(Visibility.PUBLIC);
    const names = ['beta', 'Alpha', 'gamma', 'delta', 'Epsilon'];
    const ids: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      const d = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name, visibility: i % 2 === 0 ? 'PUBLIC' : 'PRIVATE' } }, { as: c.member });
      ids[name] = d.createProject.id;
    }
    return { c, ids };
  }

  it('lists all live projects for members and only public ones for guests and outsiders', async () => {
    const { c } = await setup();
    const names = (d: any) => d.workspace.projects.edges.map((e: any) => e.node.name);
    expect(names(await t.ok(LIST, { id: c.workspace.id }, { as: c.viewer }))).toEqual(['Alpha', 'beta', 'delta', 'Epsilon', 'gamma']);
    expect(names(await t.ok(LIST, { id: c.workspace.id }))).toEqual(['beta', 'Epsilon', 'gamma']);
    const outsider = await t.ok(LIST, { id: c.workspace.id }, { as: c.outsider });
    expect(names(outsider)).toEqual(['beta', 'Epsilon', 'gamma']);
    expect(outsider.workspace.projects.totalCount).toBe(3);
    expect(names(await t.ok(LIST, { id: c.workspace.id }, { as: c.superuser }))).toHaveLength(5);
  });

  it('filters by visibility and search, sorts, and pages with a stable cursor', async () => {
    const { c } = await setup();
    const names = (d: any) => d.workspace.projects.edges.map((e: any) => e.node.name);
    expect(names(await t.ok(LIST, { id: c.workspace.id, filter: { visibility: 'PRIVATE' } }, { as: c.member }))).toEqual(['Alpha', 'delta']);
    expect(names(await t.ok(LIST, { id: c.workspace.id, filter: { search: 'LT' } }, { as: c.member }))).toEqual(['delta']);
    expect(names(await t.ok(LIST, { id: c.workspace.id, filter: { search: '%' } }, { as: c.member }))).toEqual([]);
    expect(names(await t.ok(LIST, { id: c.workspace.id, orderBy: { field: 'NAME', direction: 'DESC' } }, { as: c.member }))).toEqual([
      'gamma',
      'Epsilon',
      'delta',
      'beta',
      'Alpha',
    ]);
    expect(names(await t.ok(LIST, { id: c.workspace.id, orderBy: { field: 'CREATED_AT' } }, { as: c.member }))).toEqual([
      'beta',
      'Alpha',
      'gamma',
      'delta',
      'Epsilon',
    ]);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const d: any = await t.ok(LIST, { id: c.workspace.id, first: 2, after, orderBy: { field: 'MODIFIED_AT', direction: 'DESC' } }, { as: c.member });
      seen.push(...names(d));
      expect(d.workspace.projects.totalCount).toBe(5);
      if (!d.workspace.projects.pageInfo.hasNextPage) break;
      after = d.workspace.projects.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Epsilon', 'delta', 'gamma', 'Alpha', 'beta']);
  });

  it("answers a filtered, ordered page with each request's own values (workspace, search, cursor)", async () => {
    const { c } = await setup();
    const other = await setup();
    const names = (d: any) => d.workspace.projects.edges.map((e: any) => e.node.name);
    const PAGE = LIST.replace('totalCount ', '');
    // Search + visibility filter, by name descending, 2 per page.
    const page = (id: string, search: string, after: string | null = null) =>
      t.ok(PAGE, { id, first: 2, after, filter: { search, visibility: 'PUBLIC' }, orderBy: { field: 'NAME', direction: 'DESC' } }, { as: c.superuser });
    const first = await page(c.workspace.id, 'a');
    expect(names(first)).toEqual(['gamma', 'beta']);
    expect(names(await page(other.c.workspace.id, 'E'))).toEqual(['Epsilon', 'beta']);
    expect(names(await page(c.workspace.id, 'eps'))).toEqual(['Epsilon']);
    expect(names(await page(c.workspace.id, 'a', first.workspace.projects.pageInfo.endCursor))).toEqual([]);
    const again = await page(other.c.workspace.id, 'a', (await page(other.c.workspace.id, 'a')).workspace.projects.pageInfo.endCursor);
    expect(names(again)).toEqual([]);
  });

  it('answers viewerRole, viewerPermissions and owner on a page exactly as for each project alone (RULES.md §1, §2)', async () => {
    // A page decides these for all its projects at once (decideProjectAccess); project(id) looks them up.
    const c = await t.cast(Visibility.PUBLIC);
    const make = async (as: typeof c.member, name: string, visibility: string) =>
      (await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name, visibility } }, { as })).createProject.id as string;
    const mine = await make(c.member, 'Mine', 'PUBLIC');
    const theirs = await make(c.admin, 'Theirs', 'PUBLIC');
    const hidden = await make(c.admin, 'Hidden', 'PRIVATE');
    const FIELDS = 'id viewerRole viewerPermissions owner { name }';
    const PAGE = `query($id: ID!) { workspace(id: $id) { projects(first: 50) { edges { node { ${FIELDS} } } } } }`;
    const ONE = `query($id: ID!) { project(id: $id) { ${FIELDS} } }`;
    const callers = { owner: c.owner, admin: c.admin, member: c.member, viewer: c.viewer, outsider: c.outsider, superuser: c.superuser, anonymous: undefined };
    const pages: Record<string, Record<string, any>> = {};
    for (const [who, as] of Object.entries(callers)) {
      const page = await t.ok(PAGE, { id: c.workspace.id }, { as });
      pages[who] = Object.fromEntries(page.workspace.projects.edges.map((e: any) => [e.node.id, e.node]));
      for (const [id, node] of Object.entries(pages[who])) {
        expect([who, node]).toEqual([who, (await t.ok(ONE, { id }, { as })).project]);
      }
    }
    // The rules themselves: the member owns `mine` (project admin there), not `theirs`.
    expect(pages.member[mine]).toMatchObject({ viewerRole: 'ADMIN', viewerPermissions: expect.arrayContaining(['project.remove']) });
    expect(pages.member[theirs].viewerRole).toBe('MEMBER');
    expect(pages.member[theirs].viewerPermissions).not.toContain('project.remove');
    expect(pages.admin[theirs].viewerPermissions).toContain('project.remove');
    // Guests see public projects only, without a role; a superuser who is no member sees all and may do all.
    expect(Object.keys(pages.anonymous).sort()).toEqual([mine, theirs].sort());
    expect(pages.anonymous[mine].viewerRole).toBeNull();
    expect(pages.anonymous[mine].viewerPermissions).not.toContain('project.remove');
    expect(pages.outsider[hidden]).toBeUndefined();
    expect(pages.superuser[hidden].viewerPermissions).toContain('project.remove');
  });

  it('refuses bad pagination arguments as BAD_USER_INPUT', async () => {
    const { c } = await setup();
    expect(codeOf(await t.gql(LIST, { id: c.workspace.id, first: 101 }, { as: c.member }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { id: c.workspace.id, first: -1 }, { as: c.member }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { id: c.workspace.id, after: 'garbage' }, { as: c.member }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { id: c.workspace.id, filter: { search: 's'.repeat(256) } }, { as: c.member }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(LIST, { id: c.workspace.id, filter: { search: 'a\u0000b' } }, { as: c.member }))).toBe('BAD_USER_INPUT');
    // Forged cursors of the right shape but wrong value types never reach SQL.
    const forged = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    for (const [after, field] of [
      [forged(['x', 'not-a-uuid']), 'NAME'],
      [forged(['x\u0000', '00000000-0000-4000-8000-000000000000']), 'NAME'],
      [forged(['yesterday', '00000000-0000-4000-8000-000000000000']), 'CREATED_AT'],
      [forged([5, '00000000-0000-4000-8000-000000000000']), 'MODIFIED_AT'],
    ]) {
      const r = await t.gql(LIST, { id: c.workspace.id, after, orderBy: { field } }, { as: c.member });
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
    }
  });

  it('shows the owner as a Member to people of the workspace, and to guests not at all', async () => {
    const { c, ids } = await setup();
    const q = `query($id: ID!) { project(id: $id) { owner { id } viewerRole viewerPermissions } }`;
    expect((await t.ok(q, { id: ids.beta }, { as: c.viewer })).project.owner).toEqual({ id: c.memberIds.member });
    const guest = await t.ok(q, { id: ids.beta });
    expect(guest.project).toEqual({
      owner: null,
      viewerRole: null,
      viewerPermissions: ['project.info.view', 'project.code.view', 'project.job.view', 'project.variable.view', 'project.run.view'],
    });
  });
});
