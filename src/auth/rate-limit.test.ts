import { createDataSource } from '../db/data-source';
import { createServer, type AtriumServer } from '../server';
import { codeOf, reasonOf, TestServer, type GqlResult } from '../test/harness';
import type { DataSource } from 'typeorm';

let t: TestServer;
/** A second server process on the same database, with its own connection pool. */
let second: { url: string; server: AtriumServer; db: DataSource };

beforeAll(async () => {
  t = await TestServer.start({
    signInFailuresPerEmailAndClient: 3,
    passwordResetLimitPerEmail: 2,
    inviteLimitPerInviterPerHour: 4,
    inviteLimitPerWorkspacePerDay: 6,
    inviteResendCooldownSeconds: 60,
    smtpUrl: 'smtp://127.0.0.1:9', // never delivered in this file
  });
  const db = createDataSource({ url: t.databaseUrl, poolSize: 4 });
  await db.initialize();
  const server = await createServer({ db, config: t.config, log: () => undefined });
  second = { url: await server.listen(0, '127.0.0.1'), server, db };
});
afterAll(async () => {
  await second.server.stop();
  await second.db.destroy();
  await t.stop();
});

async function onSecond(query: string, variables: Record<string, unknown>): Promise<GqlResult> {
  const res = await fetch(second.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { ...((await res.json()) as object), status: res.status } as GqlResult;
}

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email) }`;
const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { invitedCount results { invitation { id } } } }`;
const RESEND = `mutation($id: ID!) { resendInvitation(id: $id) { sentCount } }`;

const retryAfter = (r: GqlResult) => r.errors?.[0]?.extensions?.retryAfterSeconds as number;

function expectRateLimited(r: GqlResult, maxSeconds: number) {
  expect(codeOf(r)).toBe('RATE_LIMITED');
  expect(retryAfter(r)).toBeGreaterThanOrEqual(1);
  expect(retryAfter(r)).toBeLessThanOrEqual(maxSeconds);
}

describe('abuse limits', () => {
  it('limits sign-in attempts per address across server processes, counting failed ones', async () => {
    const user = await t.signUp();
    const wrong = { input: { email: user.email, password: 'wrong password' } };
    expect(codeOf(await t.gql(SIGN_IN, wrong))).toBe('UNAUTHENTICATED');
    expect(codeOf(await onSecond(SIGN_IN, wrong))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(SIGN_IN, { input: { email: user.email.toUpperCase(), password: 'wrong again' } }))).toBe('UNAUTHENTICATED');
    // The fourth attempt is refused even with the right password, on either process.
    expectRateLimited(await onSecond(SIGN_IN, { input: { email: user.email, password: user.password } }), 900);
    expectRateLimited(await t.gql(SIGN_IN, { input: { email: user.email, password: user.password } }), 900);
    // Another address is not affected; no address is stored in the counters.
    const other = await t.signUp();
    await t.ok(SIGN_IN, { input: { email: other.email, password: other.password } });
    expect(JSON.stringify(await t.sql('SELECT key FROM rate_limit'))).not.toContain(user.email);
  });

  it('limits password reset requests per address, known or not', async () => {
    const user = await t.signUp();
    for (const email of [user.email, 'unknown-person@example.com']) {
      expect((await t.ok(REQUEST_RESET, { email })).requestPasswordReset).toBe(true);
      expect((await onSecond(REQUEST_RESET, { email })).data.requestPasswordReset).toBe(true);
      expectRateLimited(await t.gql(REQUEST_RESET, { email }), 3600);
    }
    expect(await t.sql('SELECT count(*)::int AS n FROM password_reset WHERE account_id = $1', [user.id])).toEqual([{ n: 2 }]);
  });

  it('limits invitation emails per inviter and per workspace; a refused request uses up nothing', async () => {
    const c = await t.cast();
    const invite = (as: any, workspaceId: string, emails: string[]) => t.gql(INVITE, { input: { workspaceId, emails } }, { as });
    expect(
      (await invite(c.owner, c.workspace.id, ['a1@example.com', 'a2@example.com', 'a3@example.com', 'bad', 'a1@example.com'])).data.inviteMembers.invitedCount,
    ).toBe(3);
    const before = await t.sql('SELECT count(*)::int AS n FROM invitation');
    const refused = await invite(c.owner, c.workspace.id, ['a4@example.com', 'a5@example.com']);
    expectRateLimited(refused, 3600);
    expect(await t.sql('SELECT count(*)::int AS n FROM invitation')).toEqual(before);
    expect((await invite(c.owner, c.workspace.id, ['a4@example.com'])).data.inviteMembers.invitedCount).toBe(1);

    // The workspace allows 6 a day: 4 used, the admin may send 2 more but not 3.
    expectRateLimited(await invite(c.admin, c.workspace.id, ['b1@example.com', 'b2@example.com', 'b3@example.com']), 86_400);
    expect((await invite(c.admin, c.workspace.id, ['b1@example.com', 'b2@example.com'])).data.inviteMembers.invitedCount).toBe(2);
    expectRateLimited(await invite(c.member, c.workspace.id, ['m1@example.com']), 86_400);

    // The owner's hourly allowance is used up in another workspace too, and that refusal gives the workspace's units back.
    const other = await t.createWorkspace(c.owner);
    expectRateLimited(await invite(c.owner, other.id, ['c1@example.com']), 3600);
    expect(await t.sql(`SELECT coalesce(sum(count), 0)::int AS n FROM rate_limit WHERE key = $1`, [`invite:workspace:${other.id}`])).toEqual([{ n: 0 }]);
  });

  it('holds a cooldown between two sends of one invitation; refused sends still count', async () => {
    const owner = await t.signUp();
    const workspace = await t.createWorkspace(owner);
    const data = await t.ok(INVITE, { input: { workspaceId: workspace.id, emails: ['cool@example.com'] } }, { as: owner });
    const id = data.inviteMembers.results[0].invitation.id;
    const early = await t.gql(RESEND, { id }, { as: owner });
    expectRateLimited(early, 60);
    expect(reasonOf(early)).toBeNull();
    await t.sql(`UPDATE invitation SET last_sent_at = now() - interval '61 seconds' WHERE id = $1`, [id]);
    expect((await t.ok(RESEND, { id }, { as: owner })).resendInvitation.sentCount).toBe(2);
    // 1 invite + 1 refused + 1 sent resend: the refused one counted against the hourly allowance of 4.
    const [row] = await t.sql(`SELECT sum(count)::int AS n FROM rate_limit WHERE key = $1`, [`invite:inviter:${owner.id}`]);
    expect(row.n).toBe(3);
  });
});
