import { codeOf, TestServer } from '../test/harness';
import { Visibility } from '../common/enums';

// Field-level rules of RULES.md §1–§2 that no single feature owns.
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
    await t.ok(
      `mutation($id: ID!, $e: [String!]!) { inviteMembers(input: { workspaceId: $id, emails: $e, role: VIEWER }) { invitedCount } }`,
      { id: c.workspace.id, e: [invitee.email] },
      { as: c.admin },
    );
    const pending = await t.ok(`{ me { pendingInvitations { invitedBy { name email user { email } } } } }`, {}, { as: invitee });
    expect(pending.me.pendingInvitations).toEqual([{ invitedBy: { name: 'Adam Admin', email: null, user: { email: null } } }]);
  });

  it('does not reveal through Invitation.name whether an address has an account, unless the caller shares a workspace with it', async () => {
    const c = await t.cast();
    const stranger = await t.signUp({ name: 'Secret Stranger' });
    await t.ok(
      `mutation($id: ID!, $e: [String!]!) { inviteMembers(input: { workspaceId: $id, emails: $e, role: VIEWER }) { invitedCount } }`,
      { id: c.workspace.id, e: [stranger.email, c.viewer.email.replace('@', '+x@')] },
      { as: c.member },
    );
    const list = await t.ok(
      `query($id: ID!) { workspace(id: $id) { people(filter: { statuses: [INVITED] }) { edges { node { name email } } } } }`,
      { id: c.workspace.id },
      { as: c.member },
    );
    const names = list.workspace.people.edges.map((e: any) => e.node.name);
    expect(names).not.toContain('Secret Stranger');
    expect(names).toEqual([null, null]);
  });
});

describe('refused fields', () => {
  // A field the caller may not read is null with its own error; the object around it survives.
  it('null people alone for a guest, keeping the workspace', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    const asGuest = await t.gql(`query($id: ID!) { workspace(id: $id) { name people { totalCount } } }`, { id: c.workspace.id });
    expect(asGuest.data).toEqual({ workspace: { name: c.workspace.name, people: null } });
    expect(asGuest.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['workspace', 'people'], 'FORBIDDEN']]);
    // The same in a list: every public workspace stays, each with its people refused.
    const listed = await t.gql(
      `{ workspaces(first: 100, filter: { isMember: false }) { edges { node { id name people { totalCount } } } } }`,
      {},
      { as: c.outsider },
    );
    const node = listed.data?.workspaces?.edges?.find((e: any) => e.node.id === c.workspace.id)?.node;
    expect(node).toEqual({ id: c.workspace.id, name: c.workspace.name, people: null });
    expect(codeOf(listed)).toBe('FORBIDDEN');
  });

  it('null the audit log alone for people below admin', async () => {
    const c = await t.cast();
    for (const who of [c.member, c.viewer]) {
      const result = await t.gql(
        `query($id: ID!) { workspace(id: $id) { name viewerRole people { totalCount } auditEvents { totalCount } } }`,
        { id: c.workspace.id },
        { as: who },
      );
      expect(result.data?.workspace).toEqual({
        name: c.workspace.name,
        viewerRole: who === c.member ? 'MEMBER' : 'VIEWER',
        people: { totalCount: 4 },
        auditEvents: null,
      });
      expect(result.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['workspace', 'auditEvents'], 'FORBIDDEN']]);
    }
  });
});

describe('removed workspaces', () => {
  it('hide their contents even from the owner until restored', async () => {
    const c = await t.cast();
    await t.ok(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.owner });
    const result = await t.gql(`{ me { removedWorkspaces { id name people { totalCount } } } }`, {}, { as: c.owner });
    expect(result.data?.me?.removedWorkspaces).toEqual([{ id: c.workspace.id, name: c.workspace.name, people: null }]);
    expect(codeOf(result)).toBe('NOT_FOUND');
    expect(result.errors![0].path).toEqual(['me', 'removedWorkspaces', 0, 'people']);
    const names = await t.ok(`{ me { removedWorkspaces { id name } } }`, {}, { as: c.owner });
    expect(names.me.removedWorkspaces).toEqual([{ id: c.workspace.id, name: c.workspace.name }]);
  });
});

describe('superusers', () => {
  it('leave a superuser.access event when they read people or the audit log of a workspace they are not in, through any path', async () => {
    const c = await t.cast(Visibility.PUBLIC);
    const before = await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id]);
    expect(before[0].n).toBe(0);
    await t.ok(
      `{ workspaces(first: 100, filter: { isMember: false }) { edges { node { id people { totalCount } auditEvents { totalCount } } } } }`,
      {},
      { as: c.superuser },
    );
    const events = await t.sql(`SELECT details->>'operation' AS op FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access' ORDER BY op`, [
      c.workspace.id,
    ]);
    expect(events.map((e) => e.op)).toEqual(['Workspace.auditEvents', 'Workspace.people']);
    // An ordinary member reading the same leaves nothing.
    await t.ok(`query($id: ID!) { workspace(id: $id) { people { totalCount } } }`, { id: c.workspace.id }, { as: c.admin });
    const after = await t.sql(`SELECT count(*)::int AS n FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access'`, [c.workspace.id]);
    expect(after[0].n).toBe(2);
  });
});
