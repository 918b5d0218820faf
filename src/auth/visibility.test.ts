import { codeOf, TestServer } from '../test/harness';
import { Visibility } from '../common/enums';

// Field-level rules of SPEC.md §1–§2 that no single feature owns.
let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start({ inviteResendCooldownSeconds: 0 } as never);
});
afterAll(() => t.stop());

describe('emails and names of people', () => {
  it('shows emails to people sharing a workspace and hides them from an invitee who shares none', async () => {
    const c = await t.cast();
    const asViewer = await t.ok(`query($id: ID!) { workspace(id: $id) { owner { email user { email } } } }`, { id: c.workspace.id }, { as: c.viewer });
    expect(asViewer.workspace.owner).toEqual({ email: c.owner.email, user: { email: c.owner.email } });
    // The invitee sees who invited them, but not their address: they share no workspace yet.
    const invitee = await t.signUp();
    await t.ok(`mutation($id: ID!, $e: [String!]!) { inviteMembers(input: { workspaceId: $id, emails: $e, role: VIEWER }) { invitedCount } }`,
      { id: c.workspace.id, e: [invitee.email] }, { as: c.admin });
    const pending = await t.ok(`{ me { pendingInvitations { invitedBy { name email user { email } } } } }`, {}, { as: invitee });
    expect(pending.me.pendingInvitations).toEqual([{ invitedBy: { name: 'Adam Admin', email: null, user: { email: null } } }]);
  });

  it("does not reveal through Invitation.name whether an address has an account, unless the caller shares a workspace with it", async () => {
    const c = await t.cast();
    const stranger = await t.signUp({ name: 'Secret Stranger' });
    await t.ok(`mutation($id: ID!, $e: [String!]!) { inviteMembers(input: { workspaceId: $id, emails: $e, role: VIEWER }) { invitedCount } }`,
      { id: c.workspace.id, e: [stranger.email, c.viewer.email.replace('@', '+x@')] }, { as: c.member });
    const list = await t.ok(`query($id: ID!) { workspace(id: $id) { people(filter: { statuses: [INVITED] }) { edges { node { name email } } } } }`, { id: c.workspace.id }, { as: c.member });
    const names = list.workspace.people.edges.map((e: any) => e.node.name);
    expect(names).not.toContain('Secret Stranger');
    expect(names).toEqual([null, null]);
  });
});

describe('removed workspaces', () => {
  it("hide their contents even from the owner until restored", async () => {
    const c = await t.cast();
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    const result = await t.gql(`{ me { removedWorkspaces { id name people { totalCount } } } }`, {}, { as: c.owner });
    expect(result.data?.me?.removedWorkspaces?.[0]?.name ?? null).toBeNull();
    expect(codeOf(result)).toBe('NOT_FOUND');
    const names = await t.ok(`{ me { removedWorkspaces { id name } } }`, {}, { as: c.owner });
    expect(names.me.removedWorkspaces).toEqual([{ id: c.workspace.id, name: c.workspace.name }]);
  });
});

describe('superusers', () => {
  it('leave a superuser.access event when they read people or the audit log of a workspace they are not in, through any path', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    const before = await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id]);
    expect(before[0].n).toBe(0);
    await t.ok(`{ workspaces(first: 100, filter: { isMember: false }) { edges { node { id people { totalCount } auditEvents { totalCount } } } } }`, {}, { as: c.superuser });
    const events = await t.sql(`SELECT details->>'operation' AS op FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access' ORDER BY op`, [c.workspace.id]);
    expect(events.map((e) => e.op)).toEqual(['Workspace.auditEvents', 'Workspace.people']);
    // An ordinary member reading the same leaves nothing.
    await t.ok(`query($id: ID!) { workspace(id: $id) { people { totalCount } } }`, { id: c.workspace.id }, { as: c.admin });
    const after = await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id]);
    expect(after[0].n).toBe(2);
  });
});
