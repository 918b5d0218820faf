import { Visibility, WorkspaceRole } from '../common/enums';
import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';
import { purgeExpired } from '../workspace/purge.job';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const DAY_MS = 86_400_000;
const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const REMOVE = `mutation($id: ID!) { removeProject(id: $id) }`;
const RESTORE = `mutation($id: ID!) { restoreProject(id: $id) { id name removedAt purgeAt viewerRole viewerPermissions jobs { totalCount } } }`;
const PROJECT = `query($id: ID!) { project(id: $id) { id removedAt purgeAt } }`;
const LIST = `query($id: ID!) { workspace(id: $id) { projects(first: 100) { edges { node { id } } } } }`;
const REMOVED = `query($id: ID!) { workspace(id: $id) { name removedProjects { id name removedAt purgeAt viewerPermissions } } }`;

type Cast = Awaited<ReturnType<TestServer['cast']>>;

/** A project created through the API by `as`, with one job, then removed by the same person. */
async function removedProject(c: Cast, as: TestUser = c.owner, name = `Project ${Math.random()}`): Promise<string> {
  const { createProject } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name } }, { as });
  await t.sql(`INSERT INTO job (project_id, name, command) VALUES ($1, 'train', 'python train.py')`, [createProject.id]);
  expect((await t.ok(REMOVE, { id: createProject.id }, { as })).removeProject).toBe(true);
  return createProject.id;
}

const listed = async (c: Cast, as: TestUser) => (await t.ok(LIST, { id: c.workspace.id }, { as })).workspace.projects.edges.map((e: any) => e.node.id);
const restoredEvents = (projectId: string) =>
  t.sql(`SELECT actor_id, details FROM audit_event WHERE action = 'project.restored' AND details->>'projectId' = $1`, [projectId]);

describe('restoreProject', () => {
  it('brings a removed project back with its contents, in every list, and records it', async () => {
    const c = await t.cast();
    const id = await removedProject(c);
    expect(await listed(c, c.member)).not.toContain(id);
    expect(codeOf(await t.gql(PROJECT, { id }, { as: c.owner }))).toBe('NOT_FOUND');
    const [{ removed_at: removedAt }] = await t.sql('SELECT removed_at FROM project WHERE id = $1', [id]);

    const data = await t.ok(RESTORE, { id }, { as: c.owner });
    expect(data.restoreProject).toMatchObject({ id, removedAt: null, purgeAt: null, viewerRole: 'ADMIN', jobs: { totalCount: 1 } });
    expect(data.restoreProject.viewerPermissions).toEqual(expect.arrayContaining(['project.info.edit', 'project.remove', 'project.restore']));
    for (const who of [c.owner, c.admin, c.member, c.viewer]) expect(await listed(c, who)).toContain(id);
    expect((await t.ok(PROJECT, { id }, { as: c.viewer })).project).toEqual({ id, removedAt: null, purgeAt: null });
    expect((await t.ok(REMOVED, { id: c.workspace.id }, { as: c.owner })).workspace.removedProjects).toEqual([]);
    const events = await restoredEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0].actor_id).toBe(c.owner.id);
    expect(events[0].details).toMatchObject({ projectId: id, removedAt: removedAt.toISOString() });
    // The restored project can be removed again, and restored again.
    await t.ok(REMOVE, { id }, { as: c.admin });
    await t.ok(RESTORE, { id }, { as: c.admin });
    expect(await restoredEvents(id)).toHaveLength(2);
  });

  it('is for project admins: workspace admins and the owner, the member who owns it, and superusers', async () => {
    const c = await t.cast();
    for (const who of [c.owner, c.admin]) {
      const id = await removedProject(c, c.member);
      expect((await t.ok(RESTORE, { id }, { as: who })).restoreProject.removedAt).toBeNull();
    }
    const own = await removedProject(c, c.member);
    expect((await t.ok(RESTORE, { id: own }, { as: c.member })).restoreProject.viewerRole).toBe('ADMIN');

    const bySuperuser = await removedProject(c);
    await t.ok(RESTORE, { id: bySuperuser }, { as: c.superuser });
    const access = await t.sql(`SELECT details FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id]);
    expect(access.map((e: any) => e.details.operation)).toContain('Mutation.restoreProject');
  });

  it('answers NOT_FOUND to everyone else: a removed project exists only for those who may restore it', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    const { createProject } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'Public', visibility: 'PUBLIC' } }, { as: c.owner });
    const id = createProject.id;
    await t.ok(REMOVE, { id }, { as: c.owner });
    for (const who of [c.member, c.viewer, c.outsider, c.platformAdmin]) {
      expect([who.name, codeOf(await t.gql(RESTORE, { id }, { as: who }))]).toEqual([who.name, 'NOT_FOUND']);
    }
    expect(codeOf(await t.gql(RESTORE, { id }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(RESTORE, { id: 'not-a-uuid' }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(RESTORE, { id: '00000000-0000-4000-8000-000000000000' }, { as: c.owner }))).toBe('NOT_FOUND');
    const [row] = await t.sql('SELECT removed_at FROM project WHERE id = $1', [id]);
    expect(row.removed_at).not.toBeNull();
    expect(await restoredEvents(id)).toEqual([]);
  });

  it('is refused to its creator once demoted to viewer', async () => {
    const c = await t.cast();
    const id = await removedProject(c, c.member);
    await t.sql(`UPDATE membership SET role = $1 WHERE id = $2`, [WorkspaceRole.VIEWER, c.memberIds.member]);
    expect(codeOf(await t.gql(RESTORE, { id }, { as: c.member }))).toBe('NOT_FOUND');
  });

  it('refuses a live project with PROJECT_NOT_REMOVED, and a viewer of it with FORBIDDEN', async () => {
    const c = await t.cast();
    const { createProject } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'Live' } }, { as: c.owner });
    const result = await t.gql(RESTORE, { id: createProject.id }, { as: c.admin });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(reasonOf(result)).toBe('PROJECT_NOT_REMOVED');
    expect(result.errors![0].message).toBe('The project is not removed.');
    for (const who of [c.viewer, c.member]) expect(codeOf(await t.gql(RESTORE, { id: createProject.id }, { as: who }))).toBe('FORBIDDEN');
    expect(await restoredEvents(createProject.id)).toEqual([]);
  });

  it('refuses once purgeAt has passed with RESTORE_WINDOW_PASSED, and NOT_FOUND once the purge job ran', async () => {
    const c = await t.cast();
    const id = await removedProject(c);
    await t.sql(`UPDATE project SET purge_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const late = await t.gql(RESTORE, { id }, { as: c.owner });
    expect(codeOf(late)).toBe('CONFLICT');
    expect(reasonOf(late)).toBe('RESTORE_WINDOW_PASSED');
    const [row] = await t.sql('SELECT removed_at FROM project WHERE id = $1', [id]);
    expect(row.removed_at).not.toBeNull();
    await purgeExpired(t.db);
    expect(codeOf(await t.gql(RESTORE, { id }, { as: c.owner }))).toBe('NOT_FOUND');
  });

  it('answers NOT_FOUND while the workspace itself is removed', async () => {
    const c = await t.cast();
    const id = await removedProject(c);
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    expect(codeOf(await t.gql(RESTORE, { id }, { as: c.owner }))).toBe('NOT_FOUND');
    await t.ok(`mutation($id: ID!) { restoreWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    await t.ok(RESTORE, { id }, { as: c.owner });
  });

  it('restores once when two requests race', async () => {
    const c = await t.cast();
    const id = await removedProject(c);
    const results = await Promise.all([t.gql(RESTORE, { id }, { as: c.owner }), t.gql(RESTORE, { id }, { as: c.admin })]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.map(reasonOf).filter(Boolean)).toEqual(['PROJECT_NOT_REMOVED']);
    expect(await restoredEvents(id)).toHaveLength(1);
  });
});

describe('Workspace.removedProjects', () => {
  it('lists the restorable removed projects, most recently removed first, to admins and the owner', async () => {
    const c = await t.cast();
    const first = await removedProject(c, c.member, 'First');
    const second = await removedProject(c, c.owner, 'Second');
    const expired = await removedProject(c, c.owner, 'Expired');
    await t.sql(`UPDATE project SET removed_at = removed_at - interval '1 minute' WHERE id = $1`, [first]);
    await t.sql(`UPDATE project SET purge_at = now() - interval '1 second' WHERE id = $1`, [expired]);
    const { createProject: live } = await t.ok(CREATE, { input: { workspaceId: c.workspace.id, name: 'Live' } }, { as: c.owner });
    for (const who of [c.owner, c.admin, c.superuser]) {
      const { workspace } = await t.ok(REMOVED, { id: c.workspace.id }, { as: who });
      expect(workspace.removedProjects.map((p: any) => p.name)).toEqual(['Second', 'First']);
      const [p] = workspace.removedProjects;
      expect(p.id).toBe(second);
      expect(Date.parse(p.purgeAt) - Date.parse(p.removedAt)).toBe(30 * DAY_MS);
      // A removed project offers nothing but its restoration.
      expect(p.viewerPermissions).toEqual(['project.restore']);
    }
    const ids = (await t.ok(REMOVED, { id: c.workspace.id }, { as: c.owner })).workspace.removedProjects.map((p: any) => p.id);
    expect(ids).not.toContain(live.id);
    expect(ids).not.toContain(expired);
  });

  it('is null with FORBIDDEN on that field alone for members, viewers and guests', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    await removedProject(c, c.member);
    for (const who of [c.member, c.viewer, c.outsider, null]) {
      const result = await t.gql(REMOVED, { id: c.workspace.id }, { as: who });
      expect(result.data.workspace).toEqual({ name: c.workspace.name, removedProjects: null });
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]).toMatchObject({ path: ['workspace', 'removedProjects'], extensions: { code: 'FORBIDDEN' } });
    }
  });

  it("hides a removed project's contents until it is restored", async () => {
    const c = await t.cast();
    await removedProject(c);
    const result = await t.gql(
      `query($id: ID!) { workspace(id: $id) { removedProjects { id jobs { totalCount } } } }`,
      { id: c.workspace.id },
      { as: c.owner },
    );
    expect(codeOf(result)).toBe('NOT_FOUND');
  });
});

describe('the purge job and restored projects', () => {
  it('leaves a restored project alone and purges the one left removed', async () => {
    const c = await t.cast();
    const restored = await removedProject(c);
    const left = await removedProject(c);
    await t.ok(RESTORE, { id: restored }, { as: c.owner });
    // Even a restore period that would have ended by now does not touch the restored project.
    await t.sql(`UPDATE project SET purge_at = now() - interval '1 second' WHERE id = $1`, [left]);
    const before = await t.sql('SELECT count(*)::int AS n FROM job WHERE project_id = $1', [restored]);
    await purgeExpired(t.db);
    expect((await t.sql('SELECT id FROM project WHERE id = ANY($1::uuid[])', [[restored, left]])).map((r: any) => r.id)).toEqual([restored]);
    expect(await t.sql('SELECT count(*)::int AS n FROM job WHERE project_id = $1', [restored])).toEqual(before);
    expect(await listed(c, c.member)).toContain(restored);
  });

  it('never purges a project under a restore that holds its row', async () => {
    const c = await t.cast();
    const id = await removedProject(c);
    await t.sql(`UPDATE project SET purge_at = now() - interval '1 second' WHERE id = $1`, [id]);
    // What restoreProject does inside its transaction: the purge job skips the locked row instead of waiting.
    await t.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM project WHERE id = $1 FOR UPDATE', [id]);
      expect((await purgeExpired(t.db)).projects).toBe(0);
      await tx.query('UPDATE project SET removed_at = NULL, purge_at = NULL WHERE id = $1', [id]);
    });
    await purgeExpired(t.db);
    expect(await t.sql('SELECT id FROM project WHERE id = $1', [id])).toHaveLength(1);
  });
});
