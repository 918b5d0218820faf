import { randomBytes } from 'node:crypto';
import { Visibility, WorkspaceRole } from '../common/enums';
import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

type Cast = Awaited<ReturnType<TestServer['cast']>>;

const PEOPLE = `query($id: ID!, $first: Int, $after: String, $filter: PeopleFilter, $orderBy: PeopleOrder) {
  workspace(id: $id) {
    people(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { __typename id name email role status createdAt
        ... on Member { joinedAt isViewer user { id name } }
        ... on Invitation { state expiresAt } } }
    }
  }
}`;
const MEMBER_FIELDS = 'id name email role status createdAt joinedAt jobTitle avatarUrl useAccountProfile isViewer user { id name email } workspace { id }';
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id role } }`;
const REMOVE = `mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId reassignedProjects { id name } } }`;
const LEAVE = `mutation($id: ID!) { leaveWorkspace(workspaceId: $id) { workspaceId reassignedProjects { id name } } }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id owner { id user { id } } viewerRole } }`;
const UPDATE_MINE = `mutation($input: UpdateMyMembershipInput!) { updateMyMembership(input: $input) { ${MEMBER_FIELDS} } }`;
const MEMBERSHIPS = `query($first: Int, $after: String) { me { memberships(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id role workspace { id name } isViewer } } } } }`;

/** Inserts an invitation row directly (invitation mutations are tested in their own feature). */
async function invite(workspaceId: string, email: string, opts: { role?: WorkspaceRole; by?: string; expired?: boolean; state?: string } = {}) {
  const [row] = await t.sql<{ id: string }>(
    `INSERT INTO invitation (workspace_id, email, email_normalized, role, token_hash, expires_at, invited_by_id, stored_state)
     VALUES ($1, $2::text, lower(trim($2::text)), $3, $4, now() + ($5::text || ' days')::interval, $6, $7) RETURNING id`,
    [workspaceId, email, opts.role ?? WorkspaceRole.MEMBER, randomBytes(32), opts.expired ? '-1' : '7', opts.by ?? null, opts.state ?? 'PENDING'],
  );
  return row.id;
}

async function project(workspaceId: string, owner: TestUser, name: string, removed = false) {
  const [row] = await t.sql<{ id: string }>(`INSERT INTO project (workspace_id, name, owner_id, removed_at) VALUES ($1, $2, $3, $4) RETURNING id`, [
    workspaceId,
    name,
    owner.id,
    removed ? new Date() : null,
  ]);
  return row.id;
}

const audit = (workspaceId: string, action: string) =>
  t.sql<{ actor_id: string; details: any }>('SELECT actor_id, details FROM audit_event WHERE workspace_id = $1 AND action = $2 ORDER BY created_at', [
    workspaceId,
    action,
  ]);

const people = async (c: Cast, as: TestUser, vars: Record<string, unknown> = {}) =>
  (await t.ok(PEOPLE, { id: c.workspace.id, ...vars }, { as })).workspace.people;

describe('Member fields', () => {
  let c: Cast;
  beforeAll(async () => {
    c = await t.cast();
  });

  it('shows the account profile by default, with status, join date, viewer flag, user and workspace', async () => {
    const data = await t.ok(
      `query($id: ID!) { workspace(id: $id) { viewerMembership { ${MEMBER_FIELDS} } owner { ${MEMBER_FIELDS} } } }`,
      { id: c.workspace.id },
      { as: c.member },
    );
    const mine = data.workspace.viewerMembership;
    expect(mine).toMatchObject({
      id: c.memberIds.member,
      name: 'Mia Member',
      email: c.member.email,
      role: 'MEMBER',
      status: 'ACTIVE',
      jobTitle: null,
      avatarUrl: null,
      useAccountProfile: true,
      isViewer: true,
      user: { id: c.member.id, name: 'Mia Member', email: c.member.email },
      workspace: { id: c.workspace.id },
    });
    expect(mine.joinedAt).toBe(mine.createdAt);
    expect(data.workspace.owner).toMatchObject({ id: c.memberIds.owner, name: 'Olive Owner', email: c.owner.email, role: 'OWNER', isViewer: false });
  });

  it('switches to a per-workspace profile and back, validating it and auditing the change', async () => {
    await t.ok(`mutation { updateMe(input: { jobTitle: "Account title", avatarUrl: "https://img.example.com/account.png" }) { id } }`, {}, { as: c.viewer });
    const set = await t.ok(
      UPDATE_MINE,
      { input: { workspaceId: c.workspace.id, name: '  Vic (Data team) ', jobTitle: 'Analyst', avatarUrl: 'https://img.example.com/ws.png' } },
      { as: c.viewer },
    );
    expect(set.updateMyMembership).toMatchObject({
      name: 'Vic (Data team)',
      jobTitle: 'Analyst',
      avatarUrl: 'https://img.example.com/ws.png',
      useAccountProfile: false,
      user: { name: 'Vic Viewer' },
    });
    // The others see the workspace profile on the people page.
    const seen = await people(c, c.owner, { filter: { search: 'data team' } });
    expect(seen.edges.map((e: any) => e.node.name)).toEqual(['Vic (Data team)']);

    const back = await t.ok(UPDATE_MINE, { input: { workspaceId: c.workspace.id, useAccountProfile: true } }, { as: c.viewer });
    expect(back.updateMyMembership).toMatchObject({
      name: 'Vic Viewer',
      jobTitle: 'Account title',
      avatarUrl: 'https://img.example.com/account.png',
      useAccountProfile: true,
    });

    // Clearing the profile name falls back to the account name.
    const cleared = await t.ok(UPDATE_MINE, { input: { workspaceId: c.workspace.id, name: '', useAccountProfile: false } }, { as: c.viewer });
    expect(cleared.updateMyMembership).toMatchObject({ name: 'Vic Viewer', jobTitle: 'Analyst', useAccountProfile: false });

    const events = await audit(c.workspace.id, 'member.profile_updated');
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.actor_id === c.viewer.id && e.details.memberId === c.memberIds.viewer)).toBe(true);
  });

  it.each([
    [{ name: 'n'.repeat(256) }, 'name'],
    [{ jobTitle: 'j'.repeat(256) }, 'jobTitle'],
    [{ avatarUrl: 'javascript:alert(1)' }, 'avatarUrl'],
    [{ avatarUrl: 'not a url' }, 'avatarUrl'],
  ])('refuses a bad profile %# with BAD_USER_INPUT naming the field, changing nothing', async (input, field) => {
    const before = await t.sql('SELECT * FROM membership WHERE id = $1', [c.memberIds.member]);
    const result = await t.gql(UPDATE_MINE, { input: { workspaceId: c.workspace.id, ...input } }, { as: c.member });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field })]);
    expect(await t.sql('SELECT * FROM membership WHERE id = $1', [c.memberIds.member])).toEqual(before);
  });

  it('lets every member edit their own profile, and nobody else', async () => {
    for (const who of ['owner', 'admin', 'member', 'viewer'] as const) {
      const data = await t.ok(UPDATE_MINE, { input: { workspaceId: c.workspace.id, jobTitle: `${who} title` } }, { as: c[who] });
      expect(data.updateMyMembership).toMatchObject({ id: c.memberIds[who], jobTitle: `${who} title`, isViewer: true });
    }
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: c.workspace.id, jobTitle: 'x' } }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: c.workspace.id, jobTitle: 'x' } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: 'not-a-uuid', jobTitle: 'x' } }, { as: c.member }))).toBe('NOT_FOUND');
    const pub = await t.cast(Visibility.PUBLIC);
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: pub.workspace.id, jobTitle: 'x' } }, { as: pub.outsider }))).toBe('FORBIDDEN');
  });
});

describe('people list', () => {
  let c: Cast;
  let pendingId: string;
  let expiredId: string;
  let knownId: string;
  beforeAll(async () => {
    c = await t.cast();
    pendingId = await invite(c.workspace.id, 'Pending.Person@Example.com', { role: WorkspaceRole.VIEWER, by: c.admin.id });
    expiredId = await invite(c.workspace.id, 'late@example.com', { role: WorkspaceRole.ADMIN, expired: true, by: c.owner.id });
    // An invitation to an address that has an account shows that account's name.
    await invite(c.workspace.id, c.outsider.email.toUpperCase(), { role: WorkspaceRole.MEMBER });
    knownId = (await t.sql('SELECT id FROM invitation WHERE email_normalized = $1', [c.outsider.email]))[0].id;
    await invite(c.workspace.id, 'gone@example.com', { state: 'REVOKED' });
    await invite(c.workspace.id, 'joined@example.com', { state: 'ACCEPTED' });
  });

  it('shows members and pending or expired invitations to members and up', async () => {
    for (const who of ['owner', 'admin', 'member'] as const) {
      const list = await people(c, c[who]);
      expect(list.totalCount).toBe(7);
      const byId = Object.fromEntries(list.edges.map((e: any) => [e.node.id, e.node]));
      expect(byId[c.memberIds.admin]).toMatchObject({
        __typename: 'Member',
        name: 'Adam Admin',
        email: c.admin.email,
        role: 'ADMIN',
        status: 'ACTIVE',
        isViewer: who === 'admin',
      });
      expect(byId[pendingId]).toMatchObject({
        __typename: 'Invitation',
        name: null,
        email: 'Pending.Person@Example.com',
        role: 'VIEWER',
        status: 'INVITED',
        state: 'PENDING',
      });
      expect(byId[expiredId]).toMatchObject({ __typename: 'Invitation', name: null, role: 'ADMIN', status: 'EXPIRED', state: 'EXPIRED' });
      // Oscar has an account, but shares no workspace with the caller: the invitation does not say so.
      expect(byId[knownId]).toMatchObject({ __typename: 'Invitation', name: null, status: 'INVITED' });
    }
  });

  it('shows viewers the active members only', async () => {
    const list = await people(c, c.viewer);
    expect(list.totalCount).toBe(4);
    expect(list.edges.every((e: any) => e.node.__typename === 'Member')).toBe(true);
    const onlyInvited = await people(c, c.viewer, { filter: { statuses: ['INVITED', 'EXPIRED'] } });
    expect(onlyInvited).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('hides people from outsiders (NOT_FOUND on a private workspace) and from guests (FORBIDDEN on a public one)', async () => {
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id }))).toBe('NOT_FOUND');
    const pub = await t.cast(Visibility.PUBLIC);
    for (const as of [pub.outsider, null, pub.platformAdmin]) {
      const result = await t.gql(PEOPLE, { id: pub.workspace.id }, { as });
      expect(codeOf(result)).toBe('FORBIDDEN');
      // The refusal nulls the people field alone; the workspace itself is public.
      expect(result.data?.workspace).toEqual({ people: null });
    }
    // A superuser sees everything, invitations included, and every member's email (RULES.md §2).
    const all = await people(c, c.superuser);
    expect(all.totalCount).toBe(7);
    const members = all.edges.filter((e: any) => e.node.__typename === 'Member');
    expect(members.length).toBeGreaterThan(0);
    for (const { node } of members) expect(node.email).toMatch(/@/);
  });

  it('filters by role, status and a case-insensitive search on name or email', async () => {
    const names = async (filter: object) =>
      (await people(c, c.owner, { filter, orderBy: { field: 'NAME', direction: 'ASC' } })).edges.map((e: any) => e.node.name ?? e.node.email);
    expect(await names({ roles: ['ADMIN'] })).toEqual(['Adam Admin', 'late@example.com']);
    expect(await names({ roles: ['ADMIN'], statuses: ['ACTIVE'] })).toEqual(['Adam Admin']);
    expect(await names({ statuses: ['EXPIRED'] })).toEqual(['late@example.com']);
    expect(await names({ statuses: ['INVITED'] })).toEqual(['Pending.Person@Example.com', c.outsider.email.toUpperCase()]);
    expect(await names({ search: 'Oscar' })).toEqual([]);
    expect(await names({ search: 'VIC' })).toEqual(['Vic Viewer']);
    expect(await names({ search: 'pending.person@' })).toEqual(['Pending.Person@Example.com']);
    expect(await names({ search: c.owner.email.toUpperCase() })).toEqual(['Olive Owner']);
    expect(await names({ search: '%' })).toEqual([]);
    expect(await names({ search: '   ', roles: [] })).toHaveLength(7);
    const counted = await people(c, c.owner, { filter: { roles: ['VIEWER', 'MEMBER'] }, first: 1 });
    expect(counted.totalCount).toBe(4);
    expect(counted.edges).toHaveLength(1);
    expect(counted.pageInfo.hasNextPage).toBe(true);
  });

  it('sorts by role, status, email and creation time in either direction', async () => {
    const order = async (field: string, direction: string) => (await people(c, c.owner, { orderBy: { field, direction } })).edges.map((e: any) => e.node);
    const rank = { VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 } as Record<string, number>;
    const roles = (await order('ROLE', 'DESC')).map((n: any) => rank[n.role]);
    expect(roles).toEqual([...roles].sort((a, b) => b - a));
    expect((await order('ROLE', 'DESC'))[0].role).toBe('OWNER');
    const statuses = (await order('STATUS', 'ASC')).map((n: any) => n.status);
    expect(statuses).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'INVITED', 'INVITED', 'EXPIRED']);
    const emails = (await order('EMAIL', 'ASC')).map((n: any) => n.email.toLowerCase());
    expect(emails).toEqual([...emails].sort());
    const created = (await order('CREATED_AT', 'DESC')).map((n: any) => n.createdAt);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('refuses a page size over 100 and a cursor that is not one', async () => {
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id, first: 101 }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id, first: -1 }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    for (const after of ['garbage', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["x","not-a-uuid"]').toString('base64url')]) {
      expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id, after }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    }
    // A cursor of one order used with another that needs a number is refused, not a SQL error.
    const page = await people(c, c.owner, { first: 1 });
    const wrong = await t.gql(PEOPLE, { id: c.workspace.id, after: page.pageInfo.endCursor, orderBy: { field: 'ROLE', direction: 'ASC' } }, { as: c.owner });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id, orderBy: { field: 'AGE' } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    const long = await t.gql(PEOPLE, { id: c.workspace.id, filter: { search: 'x'.repeat(321) } }, { as: c.owner });
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(PEOPLE, { id: c.workspace.id, filter: { roles: ['KING'] } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    const empty = await people(c, c.owner, { first: 0 });
    expect(empty).toMatchObject({ totalCount: 7, edges: [] });
  });

  it('costs a fixed number of queries however many people are listed', async () => {
    const count = async () => {
      const queries: string[] = [];
      // Every statement, through TypeORM's runner or straight from the pool, is handed to the logger.
      const logQuery = t.db.logger.logQuery.bind(t.db.logger);
      const spy = jest.spyOn(t.db.logger, 'logQuery').mockImplementation((sql, ...rest) => {
        queries.push(sql);
        return logQuery(sql, ...rest);
      });
      try {
        await people(c, c.owner, { first: 100 });
      } finally {
        spy.mockRestore();
      }
      return queries.length;
    };
    const small = await count();
    expect(small).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++) {
      const u = await t.signUp();
      await t.addMember(c.workspace.id, u, WorkspaceRole.MEMBER);
    }
    expect(await count()).toBe(small);
  });
});

describe('me.memberships', () => {
  it("lists the caller's memberships of live workspaces, page by page", async () => {
    const user = await t.signUp();
    const other = await t.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = await t.createWorkspace(other);
      ids.push(await t.addMember(ws.id, user, WorkspaceRole.VIEWER));
    }
    const own = await t.createWorkspace(user);
    const removed = await t.createWorkspace(user);
    await t.sql(`UPDATE workspace SET removed_at = now(), purge_at = now() + interval '30 days' WHERE id = $1`, [removed.id]);

    const first = (await t.ok(MEMBERSHIPS, { first: 2 }, { as: user })).me.memberships;
    expect(first.totalCount).toBe(4);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await t.ok(MEMBERSHIPS, { first: 10, after: first.pageInfo.endCursor }, { as: user })).me.memberships;
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const all = [...first.edges, ...rest.edges].map((e: any) => e.node);
    expect(all.map((n: any) => n.id).slice(0, 3)).toEqual(ids);
    expect(all[3]).toMatchObject({ role: 'OWNER', workspace: { id: own.id }, isViewer: true });
    expect(all.every((n: any) => n.workspace.id !== removed.id && n.isViewer)).toBe(true);
    expect(codeOf(await t.gql(MEMBERSHIPS, { first: 500 }, { as: user }))).toBe('BAD_USER_INPUT');
    expect((await t.ok(MEMBERSHIPS, {})).me).toBeNull();
  });
});

describe('changeMemberRole', () => {
  it.each([
    ['owner', 'ADMIN'],
    ['admin', 'ADMIN'],
    ['owner', 'VIEWER'],
    ['admin', 'VIEWER'],
  ] as const)("lets the %s set a member's role to %s, with an audit event", async (who, role) => {
    const c = await t.cast();
    const data = await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role } }, { as: c[who] });
    expect(data.changeMemberRole).toEqual({ id: c.memberIds.member, role });
    const [event] = await audit(c.workspace.id, 'member.role_changed');
    expect(event).toMatchObject({ actor_id: c[who].id, details: { memberId: c.memberIds.member, accountId: c.member.id, from: 'MEMBER', to: role } });
    // The new role holds on the member's very next request.
    const seen = await t.ok(`query($id: ID!) { workspace(id: $id) { viewerRole } }`, { id: c.workspace.id }, { as: c.member });
    expect(seen.workspace.viewerRole).toBe(role);
  });

  it('lets an admin demote another admin, and promote a viewer up to admin', async () => {
    const c = await t.cast();
    const second = await t.signUp();
    const secondId = await t.addMember(c.workspace.id, second, WorkspaceRole.ADMIN);
    expect((await t.ok(CHANGE_ROLE, { input: { memberId: secondId, role: 'MEMBER' } }, { as: c.admin })).changeMemberRole.role).toBe('MEMBER');
    expect((await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.viewer, role: 'ADMIN' } }, { as: c.admin })).changeMemberRole.role).toBe('ADMIN');
  });

  it("revokes, with the demotion, the pending invitations above the demoted member's new ceiling", async () => {
    const c = await t.cast();
    const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { invitation { id } } } }`;
    const sendAs = async (as: TestUser, email: string, role: string) =>
      (await t.ok(INVITE, { input: { workspaceId: c.workspace.id, emails: [email], role } }, { as })).inviteMembers.results[0].invitation.id as string;
    const adminAsAdmin = await sendAs(c.admin, 'boss@example.com', 'ADMIN');
    const adminAsMember = await sendAs(c.admin, 'dev@example.com', 'MEMBER');
    const adminAsViewer = await sendAs(c.admin, 'peek@example.com', 'VIEWER');
    const memberAsMember = await sendAs(c.member, 'pal@example.com', 'MEMBER');
    const memberAsViewer = await sendAs(c.member, 'look@example.com', 'VIEWER');
    const ownerAsAdmin = await sendAs(c.owner, 'chief@example.com', 'ADMIN');
    const pendingIds = async () => (await people(c, c.owner, { first: 50, filter: { statuses: ['INVITED'] } })).edges.map((e: any) => e.node.id).sort();

    // Admin → member: the admin invitation goes; what a member may give stays.
    await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.admin, role: 'MEMBER' } }, { as: c.owner });
    expect(await pendingIds()).toEqual([adminAsMember, adminAsViewer, memberAsMember, memberAsViewer, ownerAsAdmin].sort());
    const [demoted] = await audit(c.workspace.id, 'member.role_changed');
    expect(demoted.details).toMatchObject({ memberId: c.memberIds.admin, from: 'ADMIN', to: 'MEMBER', revokedInvitationIds: [adminAsAdmin] });
    expect((await audit(c.workspace.id, 'invitation.revoked')).map((e) => e.details)).toEqual([
      { invitationId: adminAsAdmin, email: 'boss@example.com', role: 'ADMIN', reason: 'inviter_demoted' },
    ]);

    // Member → viewer: a viewer invites nobody, so all of theirs go.
    await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role: 'VIEWER' } }, { as: c.owner });
    expect(await pendingIds()).toEqual([adminAsMember, adminAsViewer, ownerAsAdmin].sort());
    const revoked = await audit(c.workspace.id, 'invitation.revoked');
    expect(revoked.map((e) => e.details.invitationId).sort()).toEqual([adminAsAdmin, memberAsMember, memberAsViewer].sort());
    expect(revoked.every((e) => e.actor_id === c.owner.id)).toBe(true);
    const states = await t.sql('SELECT id, stored_state FROM invitation WHERE id = ANY($1::uuid[])', [[adminAsAdmin, memberAsMember]]);
    expect(states.map((s) => s.stored_state)).toEqual(['REVOKED', 'REVOKED']);

    // A promotion revokes nothing.
    await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.admin, role: 'ADMIN' } }, { as: c.owner });
    expect(await pendingIds()).toEqual([adminAsMember, adminAsViewer, ownerAsAdmin].sort());
  });

  it('refuses members, viewers, outsiders and guests', async () => {
    const c = await t.cast();
    const input = { memberId: c.memberIds.viewer, role: 'MEMBER' };
    expect(codeOf(await t.gql(CHANGE_ROLE, { input }, { as: c.member }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role: 'ADMIN' } }, { as: c.viewer }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input }))).toBe('UNAUTHENTICATED');
    const pub = await t.cast(Visibility.PUBLIC);
    // Guests of a public workspace never see people: a member id is NOT_FOUND for them.
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: pub.memberIds.viewer, role: 'MEMBER' } }, { as: pub.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: pub.memberIds.viewer, role: 'MEMBER' } }))).toBe('UNAUTHENTICATED');
    expect(await t.sql(`SELECT role FROM membership WHERE id = $1`, [c.memberIds.viewer])).toEqual([{ role: 'VIEWER' }]);
  });

  it("refuses your own role, the owner's role, and OWNER as a role, each with its reason", async () => {
    const c = await t.cast();
    const own = await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.admin, role: 'VIEWER' } }, { as: c.admin });
    expect([codeOf(own), reasonOf(own)]).toEqual(['FORBIDDEN', 'CANNOT_CHANGE_OWN_ROLE']);
    const ownerSelf = await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.owner, role: 'ADMIN' } }, { as: c.owner });
    expect([codeOf(ownerSelf), reasonOf(ownerSelf)]).toEqual(['FORBIDDEN', 'CANNOT_CHANGE_OWN_ROLE']);
    const ownerRole = await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.owner, role: 'MEMBER' } }, { as: c.admin });
    expect([codeOf(ownerRole), reasonOf(ownerRole)]).toEqual(['FORBIDDEN', 'CANNOT_CHANGE_OWNER_ROLE']);
    for (const who of ['owner', 'admin'] as const) {
      const toOwner = await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role: 'OWNER' } }, { as: c[who] });
      expect([codeOf(toOwner), reasonOf(toOwner)]).toEqual(['FORBIDDEN', 'USE_TRANSFER_OWNERSHIP']);
    }
    expect(await audit(c.workspace.id, 'member.role_changed')).toEqual([]);
  });

  it('answers bad input cleanly', async () => {
    const c = await t.cast();
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: 'nope', role: 'ADMIN' } }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: '00000000-0000-4000-8000-000000000000', role: 'ADMIN' } }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role: 'KING' } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.member } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    // A member of another workspace is invisible.
    const other = await t.cast();
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: other.memberIds.member, role: 'ADMIN' } }, { as: c.owner }))).toBe('NOT_FOUND');
  });
});

describe('removeMember', () => {
  it('removes a member: access ends at once, projects pass to the owner, their pending invitations are revoked', async () => {
    const c = await t.cast();
    const p1 = await project(c.workspace.id, c.member, 'Beta');
    const p2 = await project(c.workspace.id, c.member, 'Alpha');
    const removedProject = await project(c.workspace.id, c.member, 'Old', true);
    const other = await project(c.workspace.id, c.admin, 'Admin project');
    const sent = await invite(c.workspace.id, 'friend@example.com', { by: c.member.id });
    const expired = await invite(c.workspace.id, 'late@example.com', { by: c.member.id, expired: true });
    const byAdmin = await invite(c.workspace.id, 'kept@example.com', { by: c.admin.id });
    const elsewhere = await t.createWorkspace(c.owner);
    await t.addMember(elsewhere.id, c.member, WorkspaceRole.MEMBER);
    const elsewhereInvite = await invite(elsewhere.id, 'friend@example.com', { by: c.member.id });

    const data = await t.ok(REMOVE, { id: c.memberIds.member }, { as: c.admin });
    expect(data.removeMember).toEqual({
      removedMemberId: c.memberIds.member,
      reassignedProjects: [
        { id: p2, name: 'Alpha' },
        { id: p1, name: 'Beta' },
      ],
    });

    expect(codeOf(await t.gql(`query($id: ID!) { workspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c.member }))).toBe('NOT_FOUND');
    const owners = await t.sql('SELECT id, owner_id FROM project WHERE workspace_id = $1 ORDER BY name', [c.workspace.id]);
    expect(Object.fromEntries(owners.map((p) => [p.id, p.owner_id]))).toEqual({
      [p1]: c.owner.id,
      [p2]: c.owner.id,
      [removedProject]: c.owner.id,
      [other]: c.admin.id,
    });
    const states = await t.sql('SELECT id, stored_state FROM invitation WHERE id = ANY($1::uuid[])', [[sent, expired, byAdmin, elsewhereInvite]]);
    expect(Object.fromEntries(states.map((i) => [i.id, i.stored_state]))).toEqual({
      [sent]: 'REVOKED',
      [expired]: 'REVOKED',
      [byAdmin]: 'PENDING',
      [elsewhereInvite]: 'PENDING',
    });
    const [event] = await audit(c.workspace.id, 'member.removed');
    expect(event).toMatchObject({ actor_id: c.admin.id, details: { memberId: c.memberIds.member, accountId: c.member.id, role: 'MEMBER' } });
    expect(event.details.reassignedProjectIds.sort()).toEqual([p1, p2].sort());
    expect(event.details.revokedInvitationIds.sort()).toEqual([sent, expired].sort());
    expect(await audit(c.workspace.id, 'invitation.revoked')).toHaveLength(2);
    // Still a member elsewhere.
    expect((await t.ok(`query($id: ID!) { workspace(id: $id) { viewerRole } }`, { id: elsewhere.id }, { as: c.member })).workspace.viewerRole).toBe('MEMBER');
  });

  it('lets the owner and admins remove admins, members and viewers', async () => {
    const c = await t.cast();
    expect((await t.ok(REMOVE, { id: c.memberIds.viewer }, { as: c.admin })).removeMember.reassignedProjects).toEqual([]);
    expect((await t.ok(REMOVE, { id: c.memberIds.admin }, { as: c.owner })).removeMember.removedMemberId).toBe(c.memberIds.admin);
    expect((await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1', [c.workspace.id]))[0].n).toBe(2);
  });

  it('refuses yourself, the owner, members, viewers, outsiders and guests', async () => {
    const c = await t.cast();
    const self = await t.gql(REMOVE, { id: c.memberIds.admin }, { as: c.admin });
    expect([codeOf(self), reasonOf(self)]).toEqual(['FORBIDDEN', 'CANNOT_REMOVE_SELF']);
    const owner = await t.gql(REMOVE, { id: c.memberIds.owner }, { as: c.admin });
    expect([codeOf(owner), reasonOf(owner)]).toEqual(['FORBIDDEN', 'CANNOT_REMOVE_OWNER']);
    const ownerSelf = await t.gql(REMOVE, { id: c.memberIds.owner }, { as: c.owner });
    expect([codeOf(ownerSelf), reasonOf(ownerSelf)]).toEqual(['FORBIDDEN', 'CANNOT_REMOVE_SELF']);
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.viewer }, { as: c.member }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.member }, { as: c.viewer }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.member }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.member }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(REMOVE, { id: 'bad id' }, { as: c.owner }))).toBe('NOT_FOUND');
    const pub = await t.cast(Visibility.PUBLIC);
    expect(codeOf(await t.gql(REMOVE, { id: pub.memberIds.member }, { as: pub.outsider }))).toBe('NOT_FOUND');
    expect((await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1', [c.workspace.id]))[0].n).toBe(4);
    expect(await audit(c.workspace.id, 'member.removed')).toEqual([]);
  });
});

describe('leaveWorkspace', () => {
  it.each(['admin', 'member', 'viewer'] as const)('lets the %s leave; their projects pass to the owner', async (who) => {
    const c = await t.cast();
    const mine = await project(c.workspace.id, c[who], `${who}'s project`);
    const sent = await invite(c.workspace.id, 'friend@example.com', { by: c[who].id });
    const data = await t.ok(LEAVE, { id: c.workspace.id }, { as: c[who] });
    expect(data.leaveWorkspace).toEqual({ workspaceId: c.workspace.id, reassignedProjects: [{ id: mine, name: `${who}'s project` }] });
    expect(codeOf(await t.gql(`query($id: ID!) { workspace(id: $id) { id } }`, { id: c.workspace.id }, { as: c[who] }))).toBe('NOT_FOUND');
    expect(await t.sql('SELECT owner_id FROM project WHERE id = $1', [mine])).toEqual([{ owner_id: c.owner.id }]);
    // Leaving keeps the invitations one sent (only removal revokes them).
    expect(await t.sql('SELECT stored_state FROM invitation WHERE id = $1', [sent])).toEqual([{ stored_state: 'PENDING' }]);
    const [event] = await audit(c.workspace.id, 'member.left');
    expect(event).toMatchObject({ actor_id: c[who].id, details: { memberId: c.memberIds[who], role: who.toUpperCase(), reassignedProjectIds: [mine] } });
  });

  it('refuses the owner (OWNER_CANNOT_LEAVE), outsiders and guests', async () => {
    const c = await t.cast();
    const owner = await t.gql(LEAVE, { id: c.workspace.id }, { as: c.owner });
    expect([codeOf(owner), reasonOf(owner)]).toEqual(['FORBIDDEN', 'OWNER_CANNOT_LEAVE']);
    expect(codeOf(await t.gql(LEAVE, { id: c.workspace.id }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(LEAVE, { id: c.workspace.id }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(LEAVE, { id: 'x' }, { as: c.member }))).toBe('NOT_FOUND');
    const pub = await t.cast(Visibility.PUBLIC);
    expect(codeOf(await t.gql(LEAVE, { id: pub.workspace.id }, { as: pub.outsider }))).toBe('FORBIDDEN');
    expect((await t.sql('SELECT count(*)::int AS n FROM membership WHERE workspace_id = $1', [c.workspace.id]))[0].n).toBe(4);
  });
});

describe('transferOwnership', () => {
  it('hands the workspace to another member; the old owner becomes an admin', async () => {
    const c = await t.cast();
    const data = await t.ok(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: c.memberIds.viewer } }, { as: c.owner });
    expect(data.transferOwnership).toEqual({ id: c.workspace.id, owner: { id: c.memberIds.viewer, user: { id: c.viewer.id } }, viewerRole: 'ADMIN' });
    const roles = await t.sql('SELECT account_id, role FROM membership WHERE workspace_id = $1', [c.workspace.id]);
    expect(Object.fromEntries(roles.map((r) => [r.account_id, r.role]))).toEqual({
      [c.owner.id]: 'ADMIN',
      [c.admin.id]: 'ADMIN',
      [c.member.id]: 'MEMBER',
      [c.viewer.id]: 'OWNER',
    });
    const [event] = await audit(c.workspace.id, 'workspace.ownership_transferred');
    expect(event).toMatchObject({ actor_id: c.owner.id, details: { fromAccountId: c.owner.id, toAccountId: c.viewer.id, previousRole: 'VIEWER' } });
    // The old owner may now leave; the new one may not.
    await t.ok(LEAVE, { id: c.workspace.id }, { as: c.owner });
    expect(reasonOf(await t.gql(LEAVE, { id: c.workspace.id }, { as: c.viewer }))).toBe('OWNER_CANNOT_LEAVE');
  });

  it('is for the owner only', async () => {
    const c = await t.cast();
    const input = { workspaceId: c.workspace.id, memberId: c.memberIds.member };
    for (const who of ['admin', 'member', 'viewer'] as const) expect(codeOf(await t.gql(TRANSFER, { input }, { as: c[who] }))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(TRANSFER, { input }, { as: c.outsider }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(TRANSFER, { input }))).toBe('UNAUTHENTICATED');
    const pub = await t.cast(Visibility.PUBLIC);
    expect(codeOf(await t.gql(TRANSFER, { input: { workspaceId: pub.workspace.id, memberId: pub.memberIds.admin } }, { as: pub.outsider }))).toBe('FORBIDDEN');
    expect(await audit(c.workspace.id, 'workspace.ownership_transferred')).toEqual([]);
  });

  it('needs an active member of that workspace as the target', async () => {
    const c = await t.cast();
    const other = await t.cast();
    const elsewhere = await t.gql(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: other.memberIds.admin } }, { as: c.owner });
    expect([codeOf(elsewhere), reasonOf(elsewhere)]).toEqual(['NOT_FOUND', 'TARGET_NOT_MEMBER']);
    expect(codeOf(await t.gql(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: 'nope' } }, { as: c.owner }))).toBe('NOT_FOUND');
    const self = await t.gql(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: c.memberIds.owner } }, { as: c.owner });
    expect(codeOf(self)).toBe('BAD_USER_INPUT');
    expect(self.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'memberId' })]);
    expect(codeOf(await t.gql(TRANSFER, { input: { workspaceId: c.workspace.id } }, { as: c.owner }))).toBe('BAD_USER_INPUT');
    expect(await t.sql(`SELECT account_id FROM membership WHERE workspace_id = $1 AND role = 'OWNER'`, [c.workspace.id])).toEqual([{ account_id: c.owner.id }]);
  });
});

describe('removed workspaces', () => {
  it('refuses every membership mutation inside a removed workspace with NOT_FOUND', async () => {
    const c = await t.cast();
    await t.sql(`UPDATE workspace SET removed_at = now(), purge_at = now() + interval '30 days' WHERE id = $1`, [c.workspace.id]);
    expect(codeOf(await t.gql(CHANGE_ROLE, { input: { memberId: c.memberIds.member, role: 'ADMIN' } }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.member }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(LEAVE, { id: c.workspace.id }, { as: c.member }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: c.memberIds.admin } }, { as: c.owner }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: c.workspace.id, name: 'x' } }, { as: c.member }))).toBe('NOT_FOUND');
  });
});

describe('superusers', () => {
  it('may change roles, remove members and transfer ownership in a workspace they are not a member of', async () => {
    const c = await t.cast();
    expect((await t.ok(CHANGE_ROLE, { input: { memberId: c.memberIds.viewer, role: 'ADMIN' } }, { as: c.superuser })).changeMemberRole.role).toBe('ADMIN');
    expect((await t.ok(REMOVE, { id: c.memberIds.member }, { as: c.superuser })).removeMember.removedMemberId).toBe(c.memberIds.member);
    const moved = await t.ok(TRANSFER, { input: { workspaceId: c.workspace.id, memberId: c.memberIds.admin } }, { as: c.superuser });
    expect(moved.transferOwnership).toMatchObject({ owner: { id: c.memberIds.admin }, viewerRole: null });
    const logged = await t.sql(
      `SELECT details->>'operation' AS op FROM audit_event WHERE workspace_id = $1 AND action = 'superuser.access' AND actor_id = $2`,
      [c.workspace.id, c.superuser.id],
    );
    expect(logged.map((e) => e.op)).toEqual(expect.arrayContaining(['Mutation.changeMemberRole', 'Mutation.removeMember', 'Mutation.transferOwnership']));
    // They have no membership to leave or to edit.
    expect(codeOf(await t.gql(LEAVE, { id: c.workspace.id }, { as: c.superuser }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(UPDATE_MINE, { input: { workspaceId: c.workspace.id, name: 'x' } }, { as: c.superuser }))).toBe('NOT_FOUND');
    // A platform admin gets no access to workspace content.
    expect(codeOf(await t.gql(REMOVE, { id: c.memberIds.viewer }, { as: c.platformAdmin }))).toBe('NOT_FOUND');
  });
});
