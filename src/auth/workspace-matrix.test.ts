/**
 * The permission matrix of RULES.md §2 (workspace and account tables), walked row by row through the
 * real GraphQL API. The expected answers below are this test's own copy of the SPEC tables, not the
 * implementation's matrix: a diff here is a change of product rules and needs a RULES.md change too.
 */
import { Visibility, WorkspaceRole } from '../common/enums';
import { buildBareSchema } from '../schema';
import { codeOf, reasonOf, TestServer, type GqlResult, type TestUser } from '../test/harness';
import { unmappedRootFields } from './shield';

let t: TestServer;

const ROLES = ['anonymous', 'guest', 'outsider', 'viewer', 'member', 'admin', 'owner', 'platformAdmin', 'superuser'] as const;
type Role = (typeof ROLES)[number];

/**
 * anonymous: nobody signed in, on a PUBLIC workspace; guest: a signed-in non-member on a PUBLIC
 * workspace; outsider, platformAdmin, superuser: signed-in non-members of a PRIVATE workspace;
 * viewer…owner: members of a PRIVATE workspace.
 */
const PUBLIC_ROLES: readonly Role[] = ['anonymous', 'guest'];

/**
 * Expected outcomes. ok: allowed; UN: UNAUTHENTICATED; NF: NOT_FOUND; FB: FORBIDDEN (FB:REASON with
 * extensions.reason); hidden: answered without an error but without the data (null owner, no
 * invitations); -: not asserted (the caller has no membership the operation could act on).
 */
type Outcome = 'ok' | 'UN' | 'NF' | 'FB' | `FB:${string}` | 'hidden' | '-';

interface Fixture {
  workspaceId: string;
  memberIds: Record<'owner' | 'admin' | 'member' | 'viewer', string>;
  invitationId: string;
}

interface Row {
  code: string;
  /** What is called, when a code has several cases. */
  label?: string;
  /** The workspace is removed (purgeAt in the future) before the call. */
  removed?: boolean;
  run(f: Fixture, as: TestUser | null): Promise<GqlResult>;
  /** Tells ok from hidden for answers without errors. */
  classify?(data: any): 'ok' | 'hidden';
  expect: Outcome[];
}

const q = (query: string, variables: (f: Fixture) => Record<string, unknown>) => (f: Fixture, as: TestUser | null) => t.gql(query, variables(f), { as });

//                         anonymous guest  outsider viewer member admin owner  platformAdmin superuser
const VIEW_PUB: Outcome[] = ['ok', 'ok', 'NF', 'ok', 'ok', 'ok', 'ok', 'NF', 'ok'];
const MEMBERS_SEE: Outcome[] = ['FB', 'FB', 'NF', 'ok', 'ok', 'ok', 'ok', 'NF', 'ok'];
const mutation = (allowed: Role[], overrides: Partial<Record<Role, Outcome>> = {}): Outcome[] =>
  ROLES.map((role) => {
    if (role in overrides) return overrides[role]!;
    if (role === 'anonymous') return 'UN';
    if (role === 'guest') return 'FB';
    if (role === 'outsider' || role === 'platformAdmin') return 'NF';
    if (role === 'superuser') return 'ok';
    return allowed.includes(role) ? 'ok' : 'FB';
  });
const ADMIN_UP: Role[] = ['admin', 'owner'];
const MEMBER_UP: Role[] = ['member', 'admin', 'owner'];

const WORKSPACE_ROWS: Row[] = [
  {
    code: 'workspace.info.view',
    run: q(`query($id: ID!) { workspace(id: $id) { id name } }`, (f) => ({ id: f.workspaceId })),
    expect: VIEW_PUB,
  },
  {
    code: 'workspace.info.edit',
    run: q(`mutation($id: ID!) { updateWorkspace(input: { id: $id, name: "Renamed" }) { id } }`, (f) => ({ id: f.workspaceId })),
    expect: mutation(ADMIN_UP),
  },
  {
    code: 'workspace.remove',
    run: q(`mutation($id: ID!) { removeWorkspace(id: $id) { id } }`, (f) => ({ id: f.workspaceId })),
    expect: mutation(ADMIN_UP),
  },
  {
    code: 'workspace.restore',
    removed: true,
    run: q(`mutation($id: ID!) { restoreWorkspace(id: $id) { id } }`, (f) => ({ id: f.workspaceId })),
    // A removed workspace exists only for its owner; platform admins restore any (workspace.restore.any).
    expect: mutation(['owner'], { guest: 'NF', viewer: 'NF', member: 'NF', admin: 'NF', platformAdmin: 'ok' }),
  },
  {
    code: 'workspace.ownership.transfer',
    run: q(`mutation($id: ID!, $m: ID!) { transferOwnership(input: { workspaceId: $id, memberId: $m }) { id } }`, (f) => ({
      id: f.workspaceId,
      m: f.memberIds.admin,
    })),
    expect: mutation(['owner']),
  },
  {
    code: 'workspace.projects.list',
    run: q(`query($id: ID!) { workspace(id: $id) { projects { totalCount } } }`, (f) => ({ id: f.workspaceId })),
    expect: VIEW_PUB,
  },
  {
    code: 'project.create',
    run: q(`mutation($id: ID!) { createProject(input: { workspaceId: $id, name: "New project" }) { id } }`, (f) => ({ id: f.workspaceId })),
    expect: mutation(MEMBER_UP),
  },
  {
    code: 'workspace.people.list',
    run: q(`query($id: ID!) { workspace(id: $id) { people { totalCount } } }`, (f) => ({ id: f.workspaceId })),
    expect: MEMBERS_SEE,
  },
  {
    code: 'workspace.member.profile.view',
    label: 'workspace.owner',
    run: q(`query($id: ID!) { workspace(id: $id) { owner { id name jobTitle } } }`, (f) => ({ id: f.workspaceId })),
    classify: (data) => (data.workspace.owner ? 'ok' : 'hidden'),
    expect: ['hidden', 'hidden', 'NF', 'ok', 'ok', 'ok', 'ok', 'NF', 'ok'],
  },
  {
    code: 'workspace.invitation.view',
    label: 'people with status INVITED',
    run: q(`query($id: ID!) { workspace(id: $id) { people(filter: { statuses: [INVITED] }) { totalCount } } }`, (f) => ({ id: f.workspaceId })),
    classify: (data) => (data.workspace.people.totalCount > 0 ? 'ok' : 'hidden'),
    expect: ['FB', 'FB', 'NF', 'hidden', 'ok', 'ok', 'ok', 'NF', 'ok'],
  },
  {
    code: 'workspace.invitation.create',
    label: 'role VIEWER',
    run: q(`mutation($id: ID!) { inviteMembers(input: { workspaceId: $id, emails: ["new.viewer@example.com"], role: VIEWER }) { invitedCount } }`, (f) => ({
      id: f.workspaceId,
    })),
    expect: mutation(MEMBER_UP),
  },
  {
    code: 'workspace.invitation.create',
    label: 'role ADMIN',
    run: q(`mutation($id: ID!) { inviteMembers(input: { workspaceId: $id, emails: ["new.admin@example.com"], role: ADMIN }) { invitedCount } }`, (f) => ({
      id: f.workspaceId,
    })),
    expect: mutation(ADMIN_UP, { member: 'FB:ROLE_ABOVE_INVITER' }),
  },
  {
    code: 'workspace.invitation.resend',
    run: q(`mutation($id: ID!) { resendInvitation(id: $id) { id } }`, (f) => ({ id: f.invitationId })),
    // Who may not see invitations is not told they exist.
    expect: mutation(MEMBER_UP, { guest: 'NF', viewer: 'NF' }),
  },
  {
    code: 'workspace.invitation.revoke',
    run: q(`mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, (f) => ({ id: f.invitationId })),
    // Who may not see invitations is not told they exist.
    expect: mutation(MEMBER_UP, { guest: 'NF', viewer: 'NF' }),
  },
  {
    code: 'workspace.member.role.change',
    label: "the viewer's role",
    run: q(`mutation($m: ID!) { changeMemberRole(input: { memberId: $m, role: MEMBER }) { id role } }`, (f) => ({ m: f.memberIds.viewer })),
    // Guests never see people, so a member id means nothing to them.
    expect: mutation(ADMIN_UP, { guest: 'NF' }),
  },
  {
    code: 'workspace.member.remove',
    label: 'the viewer',
    run: q(`mutation($m: ID!) { removeMember(memberId: $m) { removedMemberId } }`, (f) => ({ m: f.memberIds.viewer })),
    expect: mutation(ADMIN_UP, { guest: 'NF' }),
  },
  {
    code: 'workspace.me.edit',
    run: q(`mutation($id: ID!) { updateMyMembership(input: { workspaceId: $id, jobTitle: "Analyst" }) { id } }`, (f) => ({ id: f.workspaceId })),
    expect: mutation(['viewer', 'member', 'admin', 'owner'], { superuser: '-' }),
  },
  {
    code: 'workspace.me.leave',
    run: q(`mutation($id: ID!) { leaveWorkspace(workspaceId: $id) { workspaceId } }`, (f) => ({ id: f.workspaceId })),
    expect: mutation(['viewer', 'member', 'admin'], { owner: 'FB:OWNER_CANNOT_LEAVE', superuser: '-' }),
  },
  {
    code: 'workspace.audit.view',
    run: q(`query($id: ID!) { workspace(id: $id) { auditEvents { totalCount } } }`, (f) => ({ id: f.workspaceId })),
    expect: ['FB', 'FB', 'NF', 'FB', 'FB', 'ok', 'ok', 'NF', 'ok'],
  },
];

/** RULES.md §2's workspace codes each role holds (its `viewerPermissions`). */
const GUEST_CODES = ['workspace.info.view', 'workspace.projects.list'];
const VIEWER_CODES = [...GUEST_CODES, 'workspace.people.list', 'workspace.member.profile.view', 'workspace.me.edit', 'workspace.me.leave'];
const MEMBER_CODES = [
  ...VIEWER_CODES,
  'project.create',
  'workspace.invitation.view',
  'workspace.invitation.create',
  'workspace.invitation.resend',
  'workspace.invitation.revoke',
];
const ADMIN_CODES = [
  ...MEMBER_CODES,
  'workspace.info.edit',
  'workspace.remove',
  'workspace.member.role.change',
  'workspace.member.remove',
  'workspace.audit.view',
];
const OWNER_CODES = [...ADMIN_CODES.filter((c) => c !== 'workspace.me.leave'), 'workspace.restore', 'workspace.ownership.transfer'];
const ALL_CODES = [...OWNER_CODES, 'workspace.me.leave'];
const EXPECTED_PERMISSIONS: Record<Role, string[] | 'NF'> = {
  anonymous: GUEST_CODES,
  guest: GUEST_CODES,
  outsider: 'NF',
  viewer: VIEWER_CODES,
  member: MEMBER_CODES,
  admin: ADMIN_CODES,
  owner: OWNER_CODES,
  platformAdmin: 'NF',
  superuser: ALL_CODES,
};

// ---------------------------------------------------------------------------------------------

let users: Record<Exclude<Role, 'anonymous'>, TestUser>;

beforeAll(async () => {
  t = await TestServer.start();
  const [guest, outsider, viewer, member, admin, owner, platformAdmin, superuser] = await Promise.all(
    ['Gus Guest', 'Oscar Outsider', 'Vic Viewer', 'Mia Member', 'Adam Admin', 'Olive Owner', 'Pat Platform', 'Sue Super'].map((name) => t.signUp({ name })),
  );
  await t.sql(`UPDATE account SET platform_role = 'ADMIN' WHERE id = $1`, [platformAdmin.id]);
  await t.sql(`UPDATE account SET is_superuser = true WHERE id = $1`, [superuser.id]);
  users = { guest, outsider, viewer, member, admin, owner, platformAdmin, superuser };
});
afterAll(() => t.stop());

/** A fresh workspace with an owner, an admin, a member, a viewer and a pending invitation. */
async function fixture(visibility: Visibility, removed = false): Promise<Fixture> {
  const ws = await t.createWorkspace(users.owner, { visibility });
  const [owner] = await t.sql('SELECT id FROM membership WHERE workspace_id = $1 AND account_id = $2', [ws.id, users.owner.id]);
  const memberIds = {
    owner: owner.id as string,
    admin: await t.addMember(ws.id, users.admin, WorkspaceRole.ADMIN),
    member: await t.addMember(ws.id, users.member, WorkspaceRole.MEMBER),
    viewer: await t.addMember(ws.id, users.viewer, WorkspaceRole.VIEWER),
  };
  // Sent an hour ago, so a resend is not held back by its cooldown.
  const [invitation] = await t.sql(
    `INSERT INTO invitation (workspace_id, email, email_normalized, role, token_hash, expires_at, last_sent_at, created_at, invited_by_id)
     VALUES ($1, 'Invited@Example.com', 'invited@example.com', 'MEMBER', decode(md5(random()::text), 'hex'), now() + interval '6 days', now() - interval '1 hour', now() - interval '1 hour', $2)
     RETURNING id`,
    [ws.id, users.admin.id],
  );
  if (removed) await t.sql(`UPDATE workspace SET removed_at = now(), purge_at = now() + interval '30 days' WHERE id = $1`, [ws.id]);
  return { workspaceId: ws.id, memberIds, invitationId: invitation.id };
}

const callerOf = (role: Role) => (role === 'anonymous' ? null : users[role]);

function outcomeOf(result: GqlResult, row: Pick<Row, 'classify'>, expected: Outcome): Outcome | string {
  const code = codeOf(result);
  if (code) {
    const short = ({ UNAUTHENTICATED: 'UN', NOT_FOUND: 'NF', FORBIDDEN: 'FB' } as Record<string, string>)[code] ?? `${code}: ${result.errors![0].message}`;
    return short === 'FB' && expected.startsWith('FB:') ? `FB:${reasonOf(result)}` : short;
  }
  return row.classify ? row.classify(result.data) : 'ok';
}

const workspaceCases = WORKSPACE_ROWS.flatMap((row) =>
  ROLES.map((role, i) => ({ name: `${row.code}${row.label ? ` (${row.label})` : ''} as ${role}: ${row.expect[i]}`, row, role, expected: row.expect[i] })),
).filter((c) => c.expected !== '-');

describe('workspace permission matrix (RULES.md §2)', () => {
  it('has a row for every workspace code of RULES.md', () => {
    expect(new Set(WORKSPACE_ROWS.map((r) => r.code))).toEqual(new Set(ALL_CODES));
    for (const row of WORKSPACE_ROWS) expect(row.expect).toHaveLength(ROLES.length);
  });

  it.each(workspaceCases)('$name', async ({ row, role, expected }) => {
    const f = await fixture(PUBLIC_ROLES.includes(role) ? Visibility.PUBLIC : Visibility.PRIVATE, row.removed);
    const result = await row.run(f, callerOf(role));
    expect(outcomeOf(result, row, expected)).toBe(expected);
  });

  it.each(ROLES.map((role) => ({ role, expected: EXPECTED_PERMISSIONS[role] })))('viewerPermissions as $role', async ({ role, expected }) => {
    const f = await fixture(PUBLIC_ROLES.includes(role) ? Visibility.PUBLIC : Visibility.PRIVATE);
    const result = await t.gql(`query($id: ID!) { workspace(id: $id) { viewerPermissions } }`, { id: f.workspaceId }, { as: callerOf(role) });
    if (expected === 'NF') {
      expect(codeOf(result)).toBe('NOT_FOUND');
      return;
    }
    expect(result.errors).toBeUndefined();
    expect([...result.data.workspace.viewerPermissions].sort()).toEqual([...expected].sort());
  });
});

// ---------------------------------------------------------------------------------------------

/** Account table: callers are a guest (nobody signed in), an ordinary account, a platform admin, a superuser. */
const ACCOUNT_ROLES = ['anonymous', 'outsider', 'platformAdmin', 'superuser'] as const;
type AccountRole = (typeof ACCOUNT_ROLES)[number];

interface AccountRow {
  code: string;
  label?: string;
  run(as: TestUser | null, role: AccountRole): Promise<GqlResult>;
  classify?(data: any): 'ok' | 'hidden';
  //        anonymous outsider platformAdmin superuser
  expect: [Outcome, Outcome, Outcome, Outcome];
}

/** A workspace of someone else's, removed and still restorable. */
async function removedWorkspace(): Promise<string> {
  const f = await fixture(Visibility.PRIVATE, true);
  return f.workspaceId;
}

/** A new account with the role's platform standing, for operations that use it up. */
async function freshAccount(role: AccountRole): Promise<TestUser | null> {
  if (role === 'anonymous') return null;
  const user = await t.signUp();
  if (role === 'platformAdmin') await t.sql(`UPDATE account SET platform_role = 'ADMIN' WHERE id = $1`, [user.id]);
  if (role === 'superuser') await t.sql(`UPDATE account SET is_superuser = true WHERE id = $1`, [user.id]);
  return user;
}

const ACCOUNT_ROWS: AccountRow[] = [
  {
    code: 'account.view',
    label: 'me',
    run: (as) => t.gql(`{ me { id email } }`, {}, { as }),
    classify: (data) => (data.me ? 'ok' : 'hidden'),
    expect: ['hidden', 'ok', 'ok', 'ok'],
  },
  {
    code: 'account.edit',
    label: 'updateMe',
    run: (as) => t.gql(`mutation { updateMe(input: { jobTitle: "Analyst" }) { id } }`, {}, { as }),
    expect: ['UN', 'ok', 'ok', 'ok'],
  },
  {
    code: 'account.edit',
    label: 'createAccessToken',
    run: (as) => t.gql(`mutation { createAccessToken(input: { name: "ci" }) { token } }`, {}, { as }),
    expect: ['UN', 'ok', 'ok', 'ok'],
  },
  {
    code: 'account.delete',
    label: 'deleteMe',
    run: async (_as, role) => {
      const user = await freshAccount(role);
      return t.gql(`mutation($p: String!) { deleteMe(input: { password: $p }) }`, { p: user?.password ?? 'whatever password' }, { as: user });
    },
    expect: ['UN', 'ok', 'ok', 'ok'],
  },
  {
    code: 'workspace.create',
    run: (as) => t.gql(`mutation { createWorkspace(input: { name: "Mine" }) { id } }`, {}, { as }),
    expect: ['UN', 'ok', 'ok', 'ok'],
  },
  {
    code: 'workspace.restore.any',
    label: "someone else's removed workspace",
    run: async (as) => t.gql(`mutation($id: ID!) { restoreWorkspace(id: $id) { id } }`, { id: await removedWorkspace() }, { as }),
    expect: ['UN', 'NF', 'ok', 'ok'],
  },
  {
    code: 'workspace.purge',
    label: "someone else's removed workspace",
    run: async (as) => t.gql(`mutation($id: ID!) { purgeWorkspace(id: $id) }`, { id: await removedWorkspace() }, { as }),
    expect: ['UN', 'NF', 'ok', 'ok'],
  },
];

const accountCases = ACCOUNT_ROWS.flatMap((row) =>
  ACCOUNT_ROLES.map((role, i) => ({
    name: `${row.code}${row.label ? ` (${row.label})` : ''} as ${role}: ${row.expect[i]}`,
    row,
    role,
    expected: row.expect[i],
  })),
);

describe('account permission matrix (RULES.md §2)', () => {
  it.each(accountCases)('$name', async ({ row, role, expected }) => {
    const result = await row.run(callerOf(role), role);
    expect(outcomeOf(result, row, expected)).toBe(expected);
  });

  it('refuses purging to the members of a removed workspace: FORBIDDEN for its owner, NOT_FOUND for the rest', async () => {
    for (const role of ['viewer', 'member', 'admin', 'owner'] as const) {
      const id = await removedWorkspace();
      const expected = role === 'owner' ? 'FORBIDDEN' : 'NOT_FOUND';
      expect({ role, code: codeOf(await t.gql(`mutation($id: ID!) { purgeWorkspace(id: $id) }`, { id }, { as: users[role] })) }).toEqual({
        role,
        code: expected,
      });
    }
  });
});

describe('the operation table', () => {
  it('has an entry for every root field of the schema (the shield denies the others)', async () => {
    expect(unmappedRootFields(await buildBareSchema())).toEqual([]);
  });
});
