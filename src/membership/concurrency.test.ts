import { WorkspaceRole } from '../common/enums';
import { codeOf, reasonOf, TestServer, type GqlResult, type TestUser } from '../test/harness';
import { formatError } from '../errors-format';

/**
 * RULES.md §5 under concurrency: conflicting membership mutations fired in parallel (separate
 * HTTP requests, so separate pooled connections) leave every live workspace with exactly one
 * owner, and nobody ends up having changed their own role. Each race runs ROUNDS times.
 */
let t: TestServer;
let owner: TestUser;
let a: TestUser;
let b: TestUser;
let c: TestUser;
const ROUNDS = 15;

beforeAll(async () => {
  t = await TestServer.start();
  [owner, a, b, c] = [await t.signUp({ name: 'Owner' }), await t.signUp({ name: 'A' }), await t.signUp({ name: 'B' }), await t.signUp({ name: 'C' })];
});
afterAll(() => t.stop());

const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { id role } }`;
const LEAVE = `mutation($id: ID!) { leaveWorkspace(workspaceId: $id) { workspaceId } }`;
const REMOVE = `mutation($id: ID!) { removeMember(memberId: $id) { removedMemberId } }`;
const TRANSFER = `mutation($input: TransferOwnershipInput!) { transferOwnership(input: $input) { id } }`;

/** A fresh workspace owned by `owner` with a, b and c in the given roles. */
async function setup(roles: [WorkspaceRole, WorkspaceRole, WorkspaceRole]) {
  const ws = await t.createWorkspace(owner);
  const ids = {
    a: await t.addMember(ws.id, a, roles[0] as any),
    b: await t.addMember(ws.id, b, roles[1] as any),
    c: await t.addMember(ws.id, c, roles[2] as any),
  };
  return { ws, ids };
}

const outcome = (r: GqlResult) => (r.errors?.length ? `${codeOf(r)}${reasonOf(r) ? ':' + reasonOf(r) : ''}` : 'OK');

async function checkInvariants() {
  const bad = await t.sql(
    `SELECT w.id, (SELECT count(*)::int FROM membership m WHERE m.workspace_id = w.id AND m.role = 'OWNER') AS owners
       FROM workspace w WHERE w.removed_at IS NULL`,
  );
  expect(bad.filter((w) => w.owners !== 1)).toEqual([]);
  const selfChanges = await t.sql(`SELECT * FROM audit_event WHERE action = 'member.role_changed' AND actor_id::text = details->>'accountId'`);
  expect(selfChanges).toEqual([]);
}

afterEach(checkInvariants);

it('two admins demoting each other: exactly one wins, the loser is no longer an admin', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.ADMIN, WorkspaceRole.MEMBER]);
    const results = await Promise.all([
      t.gql(CHANGE_ROLE, { input: { memberId: ids.b, role: 'MEMBER' } }, { as: a }),
      t.gql(CHANGE_ROLE, { input: { memberId: ids.a, role: 'MEMBER' } }, { as: b }),
    ]);
    const outcomes = results.map(outcome).sort();
    expect(outcomes).toEqual(['FORBIDDEN', 'OK']);
    const roles = await t.sql(`SELECT role FROM membership WHERE workspace_id = $1 AND role = 'ADMIN'`, [ws.id]);
    expect(roles).toHaveLength(1);
  }
});

it('the owner transferring to someone who is leaving: one of the two happens, never both', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.MEMBER, WorkspaceRole.VIEWER]);
    const [transfer, leave] = await Promise.all([
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.b } }, { as: owner }),
      t.gql(LEAVE, { id: ws.id }, { as: b }),
    ]);
    const pair = [outcome(transfer), outcome(leave)];
    expect([
      ['OK', 'FORBIDDEN:OWNER_CANNOT_LEAVE'],
      ['NOT_FOUND:TARGET_NOT_MEMBER', 'OK'],
    ]).toContainEqual(pair);
    const [row] = await t.sql(`SELECT account_id FROM membership WHERE workspace_id = $1 AND role = 'OWNER'`, [ws.id]);
    expect(row.account_id).toBe(pair[0] === 'OK' ? b.id : owner.id);
  }
});

it('two transfers at once: the first wins, the second finds its caller no longer owner', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.MEMBER, WorkspaceRole.VIEWER]);
    const results = await Promise.all([
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.a } }, { as: owner }),
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.b } }, { as: owner }),
    ]);
    expect(results.map(outcome).sort()).toEqual(['FORBIDDEN', 'OK']);
    const roles = await t.sql(`SELECT account_id, role FROM membership WHERE workspace_id = $1 ORDER BY role`, [ws.id]);
    expect(roles.filter((r) => r.role === 'OWNER')).toHaveLength(1);
    expect(roles.find((r) => r.account_id === owner.id).role).toBe('ADMIN');
  }
});

it('a transfer racing a role change and a removal of the target keeps one owner', async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.MEMBER, WorkspaceRole.VIEWER]);
    const results = await Promise.all([
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.b } }, { as: owner }),
      t.gql(CHANGE_ROLE, { input: { memberId: ids.b, role: 'VIEWER' } }, { as: a }),
      t.gql(REMOVE, { id: ids.b }, { as: a }),
      t.gql(CHANGE_ROLE, { input: { memberId: ids.a, role: 'VIEWER' } }, { as: owner }),
    ]);
    for (const r of results) expect(['OK', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']).toContain(codeOf(r) ?? 'OK');
    const owners = await t.sql(`SELECT account_id FROM membership WHERE workspace_id = $1 AND role = 'OWNER'`, [ws.id]);
    expect(owners).toHaveLength(1);
  }
});

/**
 * Holds the workspace row lock on a separate connection until `n` requests wait for it, so every
 * request has passed the shield's role check before any of them runs: what refuses the losers is
 * the re-check under the lock, not luck in timing.
 */
async function whileLocked<T>(workspaceId: string, n: number, fire: () => Promise<T>): Promise<T> {
  const runner = t.db.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  await runner.query('SELECT id FROM workspace WHERE id = $1 FOR UPDATE', [workspaceId]);
  const pending = fire();
  try {
    for (let i = 0; i < 500; i++) {
      const [{ waiting }] = await t.sql(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting >= n) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await runner.commitTransaction();
    await runner.release();
  }
  return pending;
}

it('re-checks roles under the lock: both admins pass the shield, only the first demotion happens', async () => {
  const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.ADMIN, WorkspaceRole.MEMBER]);
  const results = await whileLocked(ws.id, 2, () =>
    Promise.all([
      t.gql(CHANGE_ROLE, { input: { memberId: ids.b, role: 'MEMBER' } }, { as: a }),
      t.gql(CHANGE_ROLE, { input: { memberId: ids.a, role: 'MEMBER' } }, { as: b }),
    ]),
  );
  expect(results.map(outcome).sort()).toEqual(['FORBIDDEN', 'OK']);
});

it('re-checks ownership under the lock: two transfers and a leave all waiting, one transfer wins', async () => {
  const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.MEMBER, WorkspaceRole.VIEWER]);
  const [first, second, leave] = await whileLocked(ws.id, 3, () =>
    Promise.all([
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.a } }, { as: owner }),
      t.gql(TRANSFER, { input: { workspaceId: ws.id, memberId: ids.b } }, { as: owner }),
      t.gql(LEAVE, { id: ws.id }, { as: a }),
    ]),
  );
  expect([outcome(first), outcome(second)].sort()).toEqual(['FORBIDDEN', 'OK']);
  // a either left before becoming owner (then the transfer to a found no member), or became owner and could not leave.
  expect(['OK', 'FORBIDDEN:OWNER_CANNOT_LEAVE']).toContain(outcome(leave));
});

it('maps a constraint violation that escapes the rules to CONFLICT, never an internal error', () => {
  const shape = (error: Error) => formatError({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error, { development: false });
  for (const [code, constraint] of [
    ['23505', 'membership_one_owner_key'],
    ['23514', 'workspace_has_one_owner'],
    ['40001', undefined],
    ['40P01', undefined],
  ]) {
    const mapped = shape(Object.assign(new Error('duplicate key value violates unique constraint "membership_one_owner_key"'), { code, constraint }));
    expect(mapped.extensions?.code).toBe('CONFLICT');
    expect(mapped.message).not.toMatch(/constraint|membership_one_owner_key/);
  }
  const other = shape(new Error('boom'));
  expect(other.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  // A lock wait that ran out (lock_timeout, 55P03) is the database being busy, not a state that
  // forbids the change: retry shortly (SERVICE_UNAVAILABLE), as for a statement timeout.
  for (const code of ['55P03', '57014']) {
    expect(shape(Object.assign(new Error('canceling statement due to lock timeout'), { code })).extensions?.code).toBe('SERVICE_UNAVAILABLE');
  }
});

it('the database itself refuses a second owner or none, whatever the code does', async () => {
  const { ws, ids } = await setup([WorkspaceRole.ADMIN, WorkspaceRole.MEMBER, WorkspaceRole.VIEWER]);
  await expect(t.sql(`UPDATE membership SET role = 'OWNER' WHERE id = $1`, [ids.a])).rejects.toThrow(/membership_one_owner_key|duplicate/);
  await expect(t.sql(`UPDATE membership SET role = 'ADMIN' WHERE workspace_id = $1 AND role = 'OWNER'`, [ws.id])).rejects.toThrow(/exactly one owner/);
});
