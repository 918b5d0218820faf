import fc from 'fast-check';
import { loadConfig } from '../config';
import { LIMITS } from './rate-limit';
import { codeOf, TestServer, type GqlResult } from '../test/harness';

/**
 * Failed sign-ins count per (address, client), per client and per address over every client, in
 * a sliding window; sign-ups and password reset requests count per client. The client is told
 * apart by X-Forwarded-For, which the servers here trust for TRUST_PROXY hops.
 */

const PAIR = 3;
const CLIENT = 5;
const CEILING = 8;
const WINDOW = 900;

let t: TestServer;
/** TRUST_PROXY unset: X-Forwarded-For is ignored. */
let direct: TestServer;
/** TRUST_PROXY=2: the client is the address the outer of two proxies saw. */
let twoHops: TestServer;

const SIGN_IN_LIMITS = { signInFailuresPerEmailAndClient: PAIR, signInFailuresPerClient: CLIENT, signInFailuresPerEmail: CEILING };

beforeAll(async () => {
  t = await TestServer.start({
    trustProxy: 1,
    ...SIGN_IN_LIMITS,
    signUpLimitPerClient: 3,
    passwordResetLimitPerClient: 3,
    passwordResetLimitPerEmail: 100,
    smtpUrl: 'smtp://127.0.0.1:9',
  });
  direct = await TestServer.start({ ...SIGN_IN_LIMITS });
  twoHops = await TestServer.start({ trustProxy: 2, ...SIGN_IN_LIMITS });
});
afterAll(async () => {
  await Promise.all([t?.stop(), direct?.stop(), twoHops?.stop()]);
});

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token me { id email } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
const REQUEST_RESET = `mutation($email: String!) { requestPasswordReset(email: $email) }`;
const PASSWORD = 'correct horse battery';

let n = 0;
/** A fresh account, signed up from a client of its own (so sign-ups stay within their limit). */
async function account(server = t): Promise<{ email: string; password: string }> {
  const email = `limits${++n}-${Date.now()}@example.com`;
  const r = await server.gql(
    SIGN_UP,
    { input: { email, password: PASSWORD, name: `L ${n}` } },
    { headers: { 'x-forwarded-for': `10.77.${n >> 8}.${n & 255}` } },
  );
  expect(r.errors).toBeUndefined();
  return { email, password: PASSWORD };
}

let clients = 0;
/** A client address not used before in this file. */
const freshClient = () => `192.0.2.${++clients}`;

function signIn(email: string, password: string, forwardedFor: string, server = t): Promise<GqlResult> {
  return server.gql(SIGN_IN, { input: { email, password } }, { headers: { 'x-forwarded-for': forwardedFor } });
}

const retryAfter = (r: GqlResult) => r.errors?.[0]?.extensions?.retryAfterSeconds as number;
/** Moves every counted attempt `seconds` into the past, as if that much time had gone by. */
const elapse = (server: TestServer, seconds: number) => server.sql(`UPDATE rate_limit SET at = at - make_interval(secs => $1)`, [seconds]);

describe('failed sign-ins', () => {
  it("a stranger's wrong passwords do not lock the person out", async () => {
    const victim = await account();
    const stranger = freshClient();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(codeOf(await signIn(victim.email, 'not the password', stranger)));
    // The person, from their own client, signs in.
    const mine = await signIn(victim.email, victim.password, freshClient());
    expect(mine.errors).toBeUndefined();
    expect(mine.data.signIn.token).toEqual(expect.any(String));
    // The stranger was refused after PAIR failures, and stays refused even with the right password.
    expect(answers).toEqual([...Array(PAIR).fill('UNAUTHENTICATED'), ...Array(10 - PAIR).fill('RATE_LIMITED')]);
    expect(codeOf(await signIn(victim.email, victim.password, stranger))).toBe('RATE_LIMITED');
  });

  it('limits one client across addresses; other clients are unaffected', async () => {
    const known = await account();
    const guesser = freshClient();
    for (let i = 0; i < CLIENT; i++) expect(codeOf(await signIn(`nobody${i}-${Date.now()}@example.com`, 'guess', guesser))).toBe('UNAUTHENTICATED');
    // The client has failed CLIENT times: refused on any address, even with a right password.
    expect(codeOf(await signIn(known.email, known.password, guesser))).toBe('RATE_LIMITED');
    expect((await signIn(known.email, known.password, freshClient())).errors).toBeUndefined();
  });

  it('has a ceiling per address over every client, counting only failures', async () => {
    const target = await account();
    const codes: (string | null)[] = [];
    for (let c = 0; c < 3; c++) {
      const client = freshClient();
      for (let i = 0; i < PAIR; i++) codes.push(codeOf(await signIn(target.email, 'wrong', client)));
    }
    // 3 clients x 3 failures: the ninth is past the ceiling of 8.
    expect(codes).toEqual([...Array(CEILING).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    // At the ceiling even a client that never failed is refused: the one lockout a crowd of clients can cause.
    expect(codeOf(await signIn(target.email, target.password, freshClient()))).toBe('RATE_LIMITED');
  });

  it('a right password gives the attempt back and forgives that client its failures on the address, not elsewhere', async () => {
    const me = await account();
    const client = freshClient();
    // Without the forgiving, the fourth typo on the address would be refused.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < PAIR - 1; i++) expect(codeOf(await signIn(me.email, 'typo', client))).toBe('UNAUTHENTICATED');
      expect((await signIn(me.email, me.password, client)).errors).toBeUndefined();
    }
    // The client's own count is not forgiven (else one account of one's own would reset it): 4 failures, one more fits.
    expect(codeOf(await signIn(me.email, 'typo', client))).toBe('UNAUTHENTICATED');
    expect(codeOf(await signIn(me.email, me.password, client))).toBe('RATE_LIMITED');
    // Successes counted nowhere: the address's ceiling holds only the 5 failures.
    const [row] = await t.sql(`SELECT sum(count)::int AS n FROM rate_limit WHERE key = $1`, [LIMITS.signInPerEmail(t.config, me.email).key]);
    expect(row.n).toBe(5);
  });

  it('counts in a sliding window: the wait is until the oldest counted failure ages out, with no burst after it', async () => {
    const me = await account();
    const client = freshClient();
    expect(codeOf(await signIn(me.email, 'wrong', client))).toBe('UNAUTHENTICATED');
    await elapse(t, 600);
    for (let i = 1; i < PAIR; i++) expect(codeOf(await signIn(me.email, 'wrong', client))).toBe('UNAUTHENTICATED');
    // The oldest failure is 600 s old: it leaves the window in 300 s, whatever the clock says.
    const refused = await signIn(me.email, me.password, client);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(WINDOW - 600 - 2);
    expect(retryAfter(refused)).toBeLessThanOrEqual(WINDOW - 600);

    // Once it has, exactly one attempt fits again (no fresh window of PAIR), and the next wait is for the next-oldest.
    await elapse(t, 301);
    expect(codeOf(await signIn(me.email, 'wrong', client))).toBe('UNAUTHENTICATED');
    const again = await signIn(me.email, me.password, client);
    expect(codeOf(again)).toBe('RATE_LIMITED');
    expect(retryAfter(again)).toBeGreaterThanOrEqual(WINDOW - 301 - 2);
    expect(retryAfter(again)).toBeLessThanOrEqual(WINDOW - 301);
  });

  it('right after a burst of failures the wait is a whole window', async () => {
    const me = await account();
    const client = freshClient();
    for (let i = 0; i < PAIR; i++) await signIn(me.email, 'wrong', client);
    const refused = await signIn(me.email, 'wrong', client);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBeGreaterThanOrEqual(WINDOW - 3);
    expect(retryAfter(refused)).toBeLessThanOrEqual(WINDOW);
  });

  it('holds exactly when attempts arrive at once', async () => {
    const me = await account();
    const client = freshClient();
    const codes = (await Promise.all(Array.from({ length: 12 }, () => signIn(me.email, 'wrong', client)))).map(codeOf);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(PAIR);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(12 - PAIR);
  });

  it('keeps no readable address or client in the counters', async () => {
    const me = await account();
    await signIn(me.email, 'wrong', '203.0.113.250');
    const keys = JSON.stringify(await t.sql('SELECT key FROM rate_limit'));
    expect(keys).not.toContain(me.email);
    expect(keys).not.toContain('203.0.113.250');
  });
});

describe('TRUST_PROXY', () => {
  it('with one hop, the client is the address the proxy appended: the rest of X-Forwarded-For is the client’s own text', async () => {
    const me = await account();
    const codes = [];
    for (let i = 0; i < PAIR + 2; i++) codes.push(codeOf(await signIn(me.email, 'wrong', `10.0.0.${i}, 203.0.113.7`)));
    expect(codes).toEqual([...Array(PAIR).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect((await signIn(me.email, me.password, '203.0.113.8')).errors).toBeUndefined();
  });

  it('unset, X-Forwarded-For is ignored: a client cannot make itself new ones', async () => {
    const me = await account(direct);
    const codes = [];
    for (let i = 0; i < PAIR + 2; i++) codes.push(codeOf(await signIn(me.email, 'wrong', `198.51.100.${i}`, direct)));
    expect(codes).toEqual([...Array(PAIR).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('with two hops, the client is the address the outer proxy saw', async () => {
    const me = await account(twoHops);
    // The same inner proxy, different clients: each gets its own allowance.
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < PAIR; i++) expect(codeOf(await signIn(me.email, 'wrong', `198.51.100.${c + 1}, 10.0.0.1`, twoHops))).toBe('UNAUTHENTICATED');
    }
    expect(codeOf(await signIn(me.email, 'wrong', `198.51.100.1, 10.0.0.1`, twoHops))).toBe('RATE_LIMITED');
    // What a client writes before that is not trusted: spoofed, 198.51.100.1, proxy is still client 198.51.100.1.
    expect(codeOf(await signIn(me.email, 'wrong', `1.2.3.4, 198.51.100.1, 10.0.0.1`, twoHops))).toBe('RATE_LIMITED');
  });

  it('counts IPv6 clients by /64 and an IPv4-mapped address as its IPv4 address', async () => {
    const me = await account();
    const codes = [];
    for (const ip of ['2001:db8:5:6::1', '2001:db8:5:6:ffff::2', '2001:DB8:5:6:0:0:0:3']) codes.push(codeOf(await signIn(me.email, 'wrong', ip)));
    expect(codes).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(codeOf(await signIn(me.email, me.password, '2001:db8:5:6:abcd::9'))).toBe('RATE_LIMITED');
    expect((await signIn(me.email, me.password, '2001:db8:5:7::1')).errors).toBeUndefined();

    const other = await account();
    for (let i = 0; i < PAIR; i++) await signIn(other.email, 'wrong', '203.0.113.99');
    expect(codeOf(await signIn(other.email, other.password, '::ffff:203.0.113.99'))).toBe('RATE_LIMITED');
  });

  it('is a hop count: anything else stops the server from starting', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    for (const bad of ['true', '-1', '1.5', 'loopback', '10.0.0.0/8', '99']) expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });
});

describe('per-client limits on sign-ups and password resets', () => {
  it('limits sign-ups per client, failed ones included', async () => {
    const client = freshClient();
    const signUp = (email: string) => t.gql(SIGN_UP, { input: { email, password: PASSWORD, name: 'S' } }, { headers: { 'x-forwarded-for': client } });
    const taken = await account();
    expect((await signUp(`s1-${Date.now()}@example.com`)).errors).toBeUndefined();
    expect(codeOf(await signUp(taken.email))).toBe('CONFLICT');
    expect((await signUp(`s2-${Date.now()}@example.com`)).errors).toBeUndefined();
    const refused = await signUp(`s3-${Date.now()}@example.com`);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBeGreaterThan(3_500);
    // Another client signs up as usual.
    expect((await account()).email).toContain('@');
  });

  it('limits password reset requests per client over every address', async () => {
    const client = freshClient();
    const request = (email: string, from = client) => t.gql(REQUEST_RESET, { email }, { headers: { 'x-forwarded-for': from } });
    for (let i = 0; i < 3; i++) expect((await request(`r${i}-${Date.now()}@example.com`)).data.requestPasswordReset).toBe(true);
    expect(codeOf(await request(`r9-${Date.now()}@example.com`))).toBe('RATE_LIMITED');
    expect((await request(`r9-${Date.now()}@example.com`, freshClient())).data.requestPasswordReset).toBe(true);
  });
});

/**
 * The model: a failure is counted on its (address, client), client and address keys; an attempt
 * is refused while any of them holds its max in the last WINDOW seconds, and then waits for the
 * oldest of the full ones to age out; a right password counts nowhere and clears its pair.
 */
describe('sliding window, against a model', () => {
  // Header spellings of four clients: an IPv4 address and its mapped form; two addresses of one /64; another /64; another IPv4.
  const CLIENTS = [['203.0.113.40', '::ffff:203.0.113.40'], ['2001:db8:9:1::1', '2001:db8:9:1:8000::2'], ['2001:db8:9:2::1'], ['198.51.100.40']];
  const command = fc.record({
    client: fc.nat({ max: CLIENTS.length - 1 }),
    spelling: fc.nat({ max: 1 }),
    who: fc.nat({ max: 1 }),
    right: fc.boolean(),
    // Whole multiples of 50 s, so no failure in the model sits on the window's edge.
    wait: fc.oneof(
      fc.constant(0),
      fc.nat({ max: 8 }).map((k) => k * 50),
    ),
  });

  it('answers every sequence of attempts as the model does', async () => {
    const people = [await account(), await account()];
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        await t.sql('DELETE FROM rate_limit');
        let now = 0;
        const counted = new Map<string, number[]>();
        const live = (key: string) => (counted.get(key) ?? []).filter((at) => now - at < WINDOW);
        for (const c of commands) {
          if (c.wait) {
            await elapse(t, c.wait);
            now += c.wait;
          }
          const keys = [`pair ${c.who} ${c.client}`, `client ${c.client}`, `email ${c.who}`];
          const maxes = [PAIR, CLIENT, CEILING];
          const waits = keys.flatMap((key, i) => {
            const at = live(key);
            return at.length >= maxes[i] ? [at[at.length - maxes[i]] + WINDOW - now] : [];
          });
          const person = people[c.who];
          const spelling = CLIENTS[c.client][c.spelling % CLIENTS[c.client].length];
          const answer = await signIn(person.email, c.right ? person.password : 'wrong', spelling);
          if (waits.length) {
            expect(codeOf(answer)).toBe('RATE_LIMITED');
            // Real time passes too, a few seconds at most in one run.
            expect(retryAfter(answer)).toBeLessThanOrEqual(Math.max(...waits));
            expect(retryAfter(answer)).toBeGreaterThanOrEqual(Math.max(...waits) - 5);
          } else if (c.right) {
            expect(answer.errors).toBeUndefined();
            counted.delete(keys[0]);
          } else {
            expect(codeOf(answer)).toBe('UNAUTHENTICATED');
            for (const key of keys) counted.set(key, [...live(key), now]);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});
