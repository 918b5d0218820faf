import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';
import { WorkspaceRole } from '../common/enums';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const DELETE_ME = `mutation($password: String!) { deleteMe(input: { password: $password }) }`;
const ME = `{ me { id } }`;

async function projectIn(workspaceId: string, owner: TestUser): Promise<string> {
  const [row] = await t.sql('INSERT INTO project (workspace_id, name, owner_id) VALUES ($1, $2, $3) RETURNING id', [
    workspaceId,
    `P ${Math.random()}`,
    owner.id,
  ]);
  return row.id;
}

const exists = async (table: string, id: string) => (await t.sql(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).length === 1;

describe('deleting your account', () => {
  it('needs a signed-in caller', async () => {
    expect(codeOf(await t.gql(DELETE_ME, { password: 'whatever password' }))).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password with BAD_USER_INPUT and changes nothing', async () => {
    const user = await t.signUp();
    const ws = await t.createWorkspace(user);
    const result = await t.gql(DELETE_ME, { password: 'not the password' }, { as: user });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'password' })]);
    expect((await t.ok(ME, {}, { as: user })).me.id).toBe(user.id);
    expect(await exists('workspace', ws.id)).toBe(true);
  });

  it('is refused with OWNS_WORKSPACES while the account owns a workspace with other members', async () => {
    const owner = await t.signUp();
    const other = await t.signUp();
    const ws = await t.createWorkspace(owner);
    await t.addMember(ws.id, other, WorkspaceRole.VIEWER);
    const result = await t.gql(DELETE_ME, { password: owner.password }, { as: owner });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(reasonOf(result)).toBe('OWNS_WORKSPACES');
    expect((await t.ok(ME, {}, { as: owner })).me.id).toBe(owner.id);
    expect(await exists('workspace', ws.id)).toBe(true);
    // Once the other member is gone, the workspace is the account's alone and goes with it.
    await t.sql('DELETE FROM membership WHERE workspace_id = $1 AND account_id = $2', [ws.id, other.id]);
    expect((await t.ok(DELETE_ME, { password: owner.password }, { as: owner })).deleteMe).toBe(true);
    expect(await exists('workspace', ws.id)).toBe(false);
  });

  it('deletes its sole-member workspaces for good, leaves the others as if it left, and ends every token at once', async () => {
    const leaver = await t.signUp();
    const boss = await t.signUp();
    const colleague = await t.signUp();
    const own = await t.createWorkspace(leaver);
    const ownProject = await projectIn(own.id, leaver);
    const shared = await t.createWorkspace(boss);
    await t.addMember(shared.id, leaver, WorkspaceRole.MEMBER);
    await t.addMember(shared.id, colleague, WorkspaceRole.ADMIN);
    const leaversProject = await projectIn(shared.id, leaver);
    const colleaguesProject = await projectIn(shared.id, colleague);
    const watched = await t.createWorkspace(colleague);
    await t.addMember(watched.id, leaver, WorkspaceRole.VIEWER);
    const token = await t.ok(`mutation { createAccessToken(input: { name: "ci", scope: READ }) { token } }`, {}, { as: leaver });
    const accessToken = { token: token.createAccessToken.token };
    expect((await t.ok(ME, {}, { as: accessToken })).me.id).toBe(leaver.id);

    expect((await t.ok(DELETE_ME, { password: leaver.password }, { as: leaver })).deleteMe).toBe(true);

    // Tokens stop working on the very next request.
    expect(codeOf(await t.gql(ME, {}, { as: leaver }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(ME, {}, { as: accessToken }))).toBe('UNAUTHENTICATED');
    const signIn = await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { token } }`, {
      input: { email: leaver.email, password: leaver.password },
    });
    expect(codeOf(signIn)).toBe('UNAUTHENTICATED');
    expect(await t.sql('SELECT id FROM token WHERE account_id = $1', [leaver.id])).toEqual([]);

    // The workspace it was alone in is gone with everything in it.
    expect(await exists('workspace', own.id)).toBe(false);
    expect(await exists('project', ownProject)).toBe(false);

    // Elsewhere its memberships ended; its projects passed to the workspace owner.
    expect(await t.sql('SELECT id FROM membership WHERE account_id = $1', [leaver.id])).toEqual([]);
    const owners = await t.sql('SELECT id, owner_id FROM project WHERE id = ANY($1::uuid[]) ORDER BY id', [[leaversProject, colleaguesProject]]);
    expect(Object.fromEntries(owners.map((p: any) => [p.id, p.owner_id]))).toEqual({ [leaversProject]: boss.id, [colleaguesProject]: colleague.id });
    const [left] = await t.sql(`SELECT actor_id, details FROM audit_event WHERE workspace_id = $1 AND action = 'member.left'`, [shared.id]);
    expect(left.details).toMatchObject({ accountId: leaver.id, reason: 'account_deleted', reassignedProjectIds: [leaversProject] });
    expect((await t.sql(`SELECT 1 FROM audit_event WHERE workspace_id = $1 AND action = 'member.left'`, [watched.id])).length).toBe(1);
    // The other workspaces and people are untouched, each still with one owner.
    for (const ws of [shared, watched]) {
      expect(await t.sql(`SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1 AND role = 'OWNER'`, [ws.id])).toEqual([{ n: 1 }]);
    }
    expect((await t.ok(`query($id: ID!) { workspace(id: $id) { id } }`, { id: shared.id }, { as: boss })).workspace.id).toBe(shared.id);
  });

  it('refuses while it owns a removed workspace with other members: a platform admin could still restore it', async () => {
    const owner = await t.signUp();
    const member = await t.signUp();
    const ws = await t.createWorkspace(owner);
    await t.addMember(ws.id, member, WorkspaceRole.MEMBER);
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: ws.id }, { as: owner });
    const refused = await t.gql(DELETE_ME, { password: owner.password }, { as: owner });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(reasonOf(refused)).toBe('OWNS_WORKSPACES');
    expect(await exists('workspace', ws.id)).toBe(true);
  });

  it('deletes for good a removed workspace where it is the only member', async () => {
    const owner = await t.signUp();
    const ws = await t.createWorkspace(owner);
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: ws.id }, { as: owner });
    expect((await t.ok(DELETE_ME, { password: owner.password }, { as: owner })).deleteMe).toBe(true);
    expect(await exists('workspace', ws.id)).toBe(false);
  });

  it('keeps the audit trail readable after the actor is gone', async () => {
    const boss = await t.signUp();
    const leaver = await t.signUp({ name: 'Lee Leaver' });
    const ws = await t.createWorkspace(boss);
    await t.addMember(ws.id, leaver, WorkspaceRole.MEMBER);
    await t.ok(DELETE_ME, { password: leaver.password }, { as: leaver });
    const data = await t.ok(
      `query($id: ID!) { workspace(id: $id) { auditEvents(filter: { actions: ["member.left"] }) { edges { node { action actor { id } data } } } } }`,
      { id: ws.id },
      { as: boss },
    );
    const [edge] = data.workspace.auditEvents.edges;
    expect(edge.node.actor).toBeNull();
    expect(JSON.parse(edge.node.data)).toMatchObject({ accountId: leaver.id, name: 'Lee Leaver', reason: 'account_deleted' });
  });
});
