import { newSecret } from '../auth/secrets';
import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const DAY_MS = 86_400_000;
const REMOVE = `mutation($id: ID!) { removeWorkspace(id: $id) { id removedAt purgeAt } }`;
const RESTORE = `mutation($id: ID!) { restoreWorkspace(id: $id) { id name removedAt purgeAt viewerRole } }`;
const PURGE = `mutation($id: ID!) { purgeWorkspace(id: $id) }`;
const WORKSPACE = `query($id: ID!) { workspace(id: $id) { id name removedAt } }`;
const REMOVED = `{ me { removedWorkspaces { id name removedAt purgeAt } } }`;

/** A project row inside a workspace (projects are tested on their own; here they only need to exist). */
async function projectIn(workspaceId: string, owner: TestUser): Promise<string> {
  const [row] = await t.sql('INSERT INTO project (workspace_id, name, owner_id) VALUES ($1, $2, $3) RETURNING id', [
    workspaceId,
    `P ${Math.random()}`,
    owner.id,
  ]);
  return row.id;
}

const auditActions = async (workspaceId: string) =>
  (await t.sql<{ action: string }>('SELECT action FROM audit_event WHERE workspace_id = $1 ORDER BY created_at, id', [workspaceId])).map((r) => r.action);

describe('removing a workspace', () => {
  it('sets removedAt and purgeAt 30 days later, and records it', async () => {
    const { workspace, owner } = await t.cast();
    const before = Date.now();
    const data = await t.ok(REMOVE, { id: workspace.id }, { as: owner });
    const removedAt = Date.parse(data.removeWorkspace.removedAt);
    expect(removedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(data.removeWorkspace.purgeAt) - removedAt).toBe(30 * DAY_MS);
    const [row] = await t.sql('SELECT removed_at, purge_at FROM workspace WHERE id = $1', [workspace.id]);
    expect(row.removed_at.getTime()).toBe(removedAt);
    expect(await auditActions(workspace.id)).toContain('workspace.removed');
  });

  it('is allowed to admins as well as the owner, not to members, viewers or outsiders', async () => {
    const c = await t.cast();
    expect(codeOf(await t.gql(REMOVE, { id: c.workspace.id }, { as: c.member }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REMOVE, { id: c.workspace.id }, { as: c.viewer }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REMOVE, { id: c.workspace.id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: c.workspace.id }))).toBe('UNAUTHENTICATED');
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.admin });
    const [{ actor_id }] = await t.sql(`SELECT actor_id FROM audit_event WHERE workspace_id = $1 AND action = 'workspace.removed'`, [c.workspace.id]);
    expect(actor_id).toBe(c.admin.id);
  });

  it('honours the configured retention period', async () => {
    const short = await TestServer.start({ workspaceRetentionDays: 7 });
    try {
      const owner = await short.signUp();
      const ws = await short.createWorkspace(owner);
      const data = await short.ok(REMOVE, { id: ws.id }, { as: owner });
      expect(Date.parse(data.removeWorkspace.purgeAt) - Date.parse(data.removeWorkspace.removedAt)).toBe(7 * DAY_MS);
    } finally {
      await short.stop();
    }
  });

  it('makes the workspace and everything in it NOT_FOUND for every query and mutation, for everyone', async () => {
    const c = await t.cast();
    const id = c.workspace.id;
    const projectId = await projectIn(id, c.member);
    const [variable] = await t.sql(`INSERT INTO variable (project_id, name, value) VALUES ($1, 'A', 'b') RETURNING id`, [projectId]);
    const [job] = await t.sql(`INSERT INTO job (project_id, name, command) VALUES ($1, 'train', 'run') RETURNING id`, [projectId]);
    const [run] = await t.sql(`INSERT INTO run (project_id, job_id) VALUES ($1, $2) RETURNING id`, [projectId, job.id]);
    await t.ok(REMOVE, { id }, { as: c.owner });

    const calls: [string, string, Record<string, unknown>][] = [
      ['workspace', WORKSPACE, { id }],
      ['people', `query($id: ID!) { workspace(id: $id) { people { totalCount } } }`, { id }],
      ['auditEvents', `query($id: ID!) { workspace(id: $id) { auditEvents { totalCount } } }`, { id }],
      ['project', `query($id: ID!) { project(id: $id) { id } }`, { id: projectId }],
      ['updateWorkspace', `mutation($id: ID!) { updateWorkspace(input: { id: $id, name: "x" }) { id } }`, { id }],
      ['removeWorkspace', REMOVE, { id }],
      ['createProject', `mutation($id: ID!) { createProject(input: { workspaceId: $id, name: "x" }) { id } }`, { id }],
      ['updateProject', `mutation($id: ID!) { updateProject(input: { id: $id, name: "x" }) { id } }`, { id: projectId }],
      [
        'inviteMembers',
        `mutation($id: ID!) { inviteMembers(input: { workspaceId: $id, emails: ["new@example.com"], role: VIEWER }) { invitedCount } }`,
        { id },
      ],
      ['changeMemberRole', `mutation($id: ID!) { changeMemberRole(input: { memberId: $id, role: MEMBER }) { id } }`, { id: c.memberIds.viewer }],
      ['removeMember', `mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId } }`, { id: c.memberIds.viewer }],
      ['leaveWorkspace', `mutation($id: ID!) { leaveWorkspace(workspaceId: $id) { workspaceId } }`, { id }],
      [
        'transferOwnership',
        `mutation($id: ID!, $m: ID!) { transferOwnership(input: { workspaceId: $id, memberId: $m }) { id } }`,
        { id, m: c.memberIds.admin },
      ],
      ['updateMyMembership', `mutation($id: ID!) { updateMyMembership(input: { workspaceId: $id, jobTitle: "x" }) { id } }`, { id }],
      ['removeProject', `mutation($id: ID!) { removeProject(id: $id) }`, { id: projectId }],
      ['createVariable', `mutation($id: ID!) { createVariable(input: { projectId: $id, name: "X", value: "y" }) { id } }`, { id: projectId }],
      ['updateVariable', `mutation($id: ID!) { updateVariable(input: { id: $id, value: "z" }) { id } }`, { id: variable.id }],
      ['removeVariable', `mutation($id: ID!) { removeVariable(id: $id) }`, { id: variable.id }],
      ['createJob', `mutation($id: ID!) { createJob(input: { projectId: $id, name: "j", command: "c" }) { id } }`, { id: projectId }],
      ['updateJob', `mutation($id: ID!) { updateJob(input: { id: $id, command: "c2" }) { id } }`, { id: job.id }],
      ['removeJob', `mutation($id: ID!) { removeJob(id: $id) }`, { id: job.id }],
      ['startRun', `mutation($id: ID!) { startRun(input: { jobId: $id }) { id } }`, { id: job.id }],
      ['updateRun', `mutation($id: ID!) { updateRun(input: { id: $id, name: "r" }) { id } }`, { id: run.id }],
      ['removeRun', `mutation($id: ID!) { removeRun(id: $id) }`, { id: run.id }],
      ['pushCode', `mutation($id: ID!) { pushCode(input: { projectId: $id, filename: "a.zip", contentBase64: "emlw" }) { id } }`, { id: projectId }],
    ];
    const wrong: string[] = [];
    for (const [name, query, variables] of calls) {
      for (const who of [c.owner, c.admin, c.member, c.viewer, c.superuser]) {
        const code = codeOf(await t.gql(query, variables, { as: who }));
        if (code !== 'NOT_FOUND') wrong.push(`${name} as ${who.name}: ${code}`);
      }
    }
    expect(wrong).toEqual([]);
    const list = await t.ok(`{ workspaces(first: 100) { edges { node { id } } } }`, {}, { as: c.owner });
    expect(list.workspaces.edges.map((e: any) => e.node.id)).not.toContain(id);
    // Nothing was changed by the refused calls.
    const [row] = await t.sql('SELECT name, removed_at FROM workspace WHERE id = $1', [id]);
    expect(row.removed_at).not.toBeNull();
    expect((await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1', [id]))[0].n).toBe(4);
  });

  it('stops its invitations from being accepted until it is restored', async () => {
    const c = await t.cast();
    const invitee = await t.signUp();
    const { secret, hash } = newSecret('ati');
    await t.sql(
      `INSERT INTO invitation (workspace_id, email, email_normalized, role, token_hash, expires_at, invited_by_id)
       VALUES ($1, $2, $2, 'MEMBER', $3, now() + interval '7 days', $4)`,
      [c.workspace.id, invitee.email, hash, c.owner.id],
    );
    const PREVIEW = `query($token: String!) { invitationPreview(token: $token) { workspaceName state } }`;
    const ACCEPT = `mutation($token: String!) { acceptInvitation(token: $token) { id role } }`;
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    expect((await t.ok(PREVIEW, { token: secret })).invitationPreview).toBeNull();
    expect(codeOf(await t.gql(ACCEPT, { token: secret }, { as: invitee }))).toBe('NOT_FOUND');
    expect(await t.sql('SELECT id FROM membership WHERE account_id = $1', [invitee.id])).toEqual([]);
    await t.ok(RESTORE, { id: c.workspace.id }, { as: c.owner });
    expect((await t.ok(ACCEPT, { token: secret }, { as: invitee })).acceptInvitation.role).toBe('MEMBER');
  });

  it('removes a workspace once when two requests race', async () => {
    const c = await t.cast();
    const results = await Promise.all([t.gql(REMOVE, { id: c.workspace.id }, { as: c.owner }), t.gql(REMOVE, { id: c.workspace.id }, { as: c.admin })]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.map(codeOf).filter(Boolean)).toEqual(['NOT_FOUND']);
    expect((await auditActions(c.workspace.id)).filter((a) => a === 'workspace.removed')).toHaveLength(1);
  });
});

describe('me.removedWorkspaces', () => {
  it('lists the removed workspaces the caller owns while they can be restored', async () => {
    const c = await t.cast();
    const live = await t.createWorkspace(c.owner);
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    const mine = await t.ok(REMOVED, {}, { as: c.owner });
    expect(mine.me.removedWorkspaces.map((w: any) => w.id)).toEqual([c.workspace.id]);
    expect(mine.me.removedWorkspaces.map((w: any) => w.id)).not.toContain(live.id);
    // A removed workspace offers its owner nothing but its restoration.
    const perms = await t.ok(`{ me { removedWorkspaces { viewerRole viewerPermissions } } }`, {}, { as: c.owner });
    expect(perms.me.removedWorkspaces).toEqual([{ viewerRole: 'OWNER', viewerPermissions: ['workspace.restore'] }]);
    // Admins removed it too, but it is the owner's to restore.
    expect((await t.ok(REMOVED, {}, { as: c.admin })).me.removedWorkspaces).toEqual([]);
    await t.sql(`UPDATE workspace SET purge_at = now() - interval '1 second' WHERE id = $1`, [c.workspace.id]);
    expect((await t.ok(REMOVED, {}, { as: c.owner })).me.removedWorkspaces).toEqual([]);
  });
});

describe('restoring a workspace', () => {
  it('lets the owner bring it back with its people and projects, and records it', async () => {
    const c = await t.cast();
    const projectId = await projectIn(c.workspace.id, c.member);
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    const data = await t.ok(RESTORE, { id: c.workspace.id }, { as: c.owner });
    expect(data.restoreWorkspace).toMatchObject({ id: c.workspace.id, removedAt: null, purgeAt: null, viewerRole: 'OWNER' });
    expect((await t.ok(WORKSPACE, { id: c.workspace.id }, { as: c.viewer })).workspace.id).toBe(c.workspace.id);
    expect((await t.ok(`query($id: ID!) { project(id: $id) { id } }`, { id: projectId }, { as: c.member })).project.id).toBe(projectId);
    expect((await t.ok(REMOVED, {}, { as: c.owner })).me.removedWorkspaces).toEqual([]);
    const actions = await auditActions(c.workspace.id);
    expect(actions.slice(-2)).toEqual(['workspace.removed', 'workspace.restored']);
  });

  it('refuses a live workspace with WORKSPACE_NOT_REMOVED', async () => {
    const c = await t.cast();
    const result = await t.gql(RESTORE, { id: c.workspace.id }, { as: c.owner });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(reasonOf(result)).toBe('WORKSPACE_NOT_REMOVED');
    const asPlatformAdmin = await t.gql(RESTORE, { id: c.workspace.id }, { as: c.platformAdmin });
    expect(reasonOf(asPlatformAdmin)).toBe('WORKSPACE_NOT_REMOVED');
  });

  it('refuses once purgeAt has passed with RESTORE_WINDOW_PASSED, even before the purge job ran', async () => {
    const c = await t.cast();
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    await t.sql(`UPDATE workspace SET purge_at = now() - interval '1 second' WHERE id = $1`, [c.workspace.id]);
    for (const who of [c.owner, c.platformAdmin]) {
      const result = await t.gql(RESTORE, { id: c.workspace.id }, { as: who });
      expect(codeOf(result)).toBe('CONFLICT');
      expect(reasonOf(result)).toBe('RESTORE_WINDOW_PASSED');
    }
    const [row] = await t.sql('SELECT removed_at FROM workspace WHERE id = $1', [c.workspace.id]);
    expect(row.removed_at).not.toBeNull();
  });

  it("is the owner's and platform admins' to do: for everyone else the removed workspace is NOT_FOUND", async () => {
    const c = await t.cast();
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    for (const who of [c.admin, c.member, c.viewer]) expect(codeOf(await t.gql(RESTORE, { id: c.workspace.id }, { as: who }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(RESTORE, { id: c.workspace.id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(RESTORE, { id: c.workspace.id }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(RESTORE, { id: 'not-a-uuid' }, { as: c.platformAdmin }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(RESTORE, { id: '00000000-0000-4000-8000-000000000000' }, { as: c.platformAdmin }))).toBe('NOT_FOUND');
    const data = await t.ok(RESTORE, { id: c.workspace.id }, { as: c.platformAdmin });
    expect(data.restoreWorkspace.removedAt).toBeNull();
    const [event] = await t.sql(`SELECT actor_id FROM audit_event WHERE workspace_id = $1 AND action = 'workspace.restored'`, [c.workspace.id]);
    expect(event.actor_id).toBe(c.platformAdmin.id);
  });
});

describe('purging a workspace', () => {
  it('is for platform admins only, and only for a removed workspace', async () => {
    const c = await t.cast();
    const live = await t.gql(PURGE, { id: c.workspace.id }, { as: c.platformAdmin });
    expect(codeOf(live)).toBe('CONFLICT');
    expect(reasonOf(live)).toBe('WORKSPACE_NOT_REMOVED');
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    expect(codeOf(await t.gql(PURGE, { id: c.workspace.id }, { as: c.owner }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(PURGE, { id: c.workspace.id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(PURGE, { id: c.workspace.id }))).toBe('UNAUTHENTICATED');
    expect(await t.sql('SELECT id FROM workspace WHERE id = $1', [c.workspace.id])).toHaveLength(1);
  });

  it('deletes the workspace and everything in it at once', async () => {
    const c = await t.cast();
    const projectId = await projectIn(c.workspace.id, c.member);
    await t.ok(REMOVE, { id: c.workspace.id }, { as: c.owner });
    expect((await t.ok(PURGE, { id: c.workspace.id }, { as: c.platformAdmin })).purgeWorkspace).toBe(true);
    expect(await t.sql('SELECT id FROM workspace WHERE id = $1', [c.workspace.id])).toEqual([]);
    expect(await t.sql('SELECT id FROM project WHERE id = $1', [projectId])).toEqual([]);
    expect(await t.sql('SELECT id FROM membership WHERE workspace_id = $1', [c.workspace.id])).toEqual([]);
    expect(await t.sql('SELECT id FROM audit_event WHERE workspace_id = $1', [c.workspace.id])).toEqual([]);
    // The people stay; only their membership went.
    expect(await t.sql('SELECT id FROM account WHERE id = $1', [c.owner.id])).toHaveLength(1);
    expect(codeOf(await t.gql(PURGE, { id: c.workspace.id }, { as: c.platformAdmin }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(RESTORE, { id: c.workspace.id }, { as: c.owner }))).toBe('NOT_FOUND');
  });
});
