import { TestServer, type TestUser } from '../test/harness';
import { atrium, expectExit, KEY, tempConfigHome } from './testing';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const withToken = (token: string) => ({ env: { XDG_CONFIG_HOME: tempConfigHome(), ATRIUM_URL: t.url, ATRIUM_TOKEN: token } });
const as = (user: TestUser) => withToken(user.token);
const DAY_MS = 86_400_000;

async function createToken(user: TestUser, name: string, scope = 'WRITE'): Promise<{ id: string; secret: string }> {
  const { createAccessToken } = await t.ok(
    `mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token accessToken { id } } }`,
    { input: { name, scope } },
    { as: user },
  );
  return { id: createAccessToken.accessToken.id, secret: createAccessToken.token };
}
const revokedAt = async (id: string) => (await t.sql('SELECT revoked_at FROM token WHERE id = $1', [id]))[0].revoked_at as Date | null;

describe('atrium token create', () => {
  it('prints only the secret on stdout; the token works, and a read token may not create tokens (4)', async () => {
    const user = await t.signUp({ name: 'Tess Token' });
    const made = await atrium(['token', 'create', '--name', 'CI reader', '--scope', 'read', '--expires', '30d'], as(user));
    expectExit(made, 0);
    const secret = made.stdout.trim();
    expect(made.stdout).toBe(`${secret}\n`);
    expect(made.stderr).toMatch(/Created access token "CI reader" \(.+\), read, expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(made.stderr).toContain('Copy it now: it is not shown again.');
    const [row] = await t.sql(`SELECT scope, expires_at FROM token WHERE account_id = $1 AND kind = 'ACCESS'`, [user.id]);
    expect(row.scope).toBe('READ');
    expect(Math.abs(row.expires_at.getTime() - (Date.now() + 30 * DAY_MS))).toBeLessThan(120_000);

    const [whoami, refused] = await Promise.all([atrium(['whoami'], withToken(secret)), atrium(['token', 'create', '--name', 'escalate'], withToken(secret))]);
    expectExit(whoami, 0);
    expect(whoami.stdout).toContain(`Tess Token <${user.email}>`);
    expectExit(refused, 4);
    expect(refused.stderr).toContain('code: FORBIDDEN, reason: READ_ONLY_TOKEN');
  });

  it('asks for the name, scope and expiry when --name is missing', async () => {
    const user = await t.signUp();
    const result = await atrium(['token', 'create', '--json'], {
      ...as(user),
      answers: [
        { when: /Token name/, send: `Laptop${KEY.enter}` },
        { when: /Scope/, send: KEY.enter },
        { when: /Expires/, send: KEY.enter },
      ],
    });
    expectExit(result, 0);
    const payload = JSON.parse(result.stdout);
    expect(payload).toMatchObject({ token: expect.any(String), accessToken: { name: 'Laptop', scope: 'WRITE', lastUsedAt: null } });
    // The suggested expiry is 90 days.
    expect(Math.abs(Date.parse(payload.accessToken.expiresAt) - (Date.now() + 90 * DAY_MS))).toBeLessThan(120_000);
  });

  it('refuses a bad --expires (2) and a past one as the server does (6)', async () => {
    const user = await t.signUp();
    const [bad, past] = await Promise.all([
      atrium(['token', 'create', '--name', 'x', '--expires', 'tomorrow'], as(user)),
      atrium(['token', 'create', '--name', 'x', '--expires', '2020-01-01'], as(user)),
    ]);
    expectExit(bad, 2);
    expect(bad.stderr).toContain('Use a number of days (90d), a date (2027-01-31)');
    expectExit(past, 6);
    expect(past.stderr).toContain('expiresAt: expiresAt must be in the future.');
    expect(await t.sql(`SELECT id FROM token WHERE account_id = $1 AND kind = 'ACCESS'`, [user.id])).toEqual([]);
  });
});

describe('atrium token list', () => {
  it("lists the caller's tokens that still stand, as a table or as JSON", async () => {
    const user = await t.signUp();
    const fresh = await t.signUp();
    await createToken(user, 'Deploy bot', 'READ');
    const gone = await createToken(user, 'Old script');
    await t.ok(`mutation($id: ID!) { revokeAccessToken(id: $id) { id } }`, { id: gone.id }, { as: user });
    await createToken(fresh, 'Not yours');

    const [list, json, othersList] = await Promise.all([
      atrium(['token', 'list'], as(user)),
      atrium(['token', 'list', '--json'], as(user)),
      atrium(['tokens', 'list'], as(fresh)),
    ]);
    expectExit(list, 0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SCOPE\s+CREATED\s+LAST USED\s+EXPIRES$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/Deploy bot\s+read\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+never\s+never$/);
    expectExit(json, 0);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ name: 'Deploy bot', scope: 'READ', expiresAt: null })]);
    expectExit(othersList, 0);
    expect(othersList.stdout).toContain('Not yours');
    expect(othersList.stdout).not.toContain('Deploy bot');
  });
});

describe('atrium token revoke', () => {
  it('revokes the token picked from the list once confirmed; it is refused from the next request', async () => {
    const user = await t.signUp();
    const keep = await createToken(user, 'Keep me');
    const doomed = await createToken(user, 'Doomed');
    // Enter takes the first choice: the newest token is listed first.
    const pick = { when: /Which token do you want to revoke\?[\s\S]*Doomed \(write, last used never, expires never\)/, send: KEY.enter };
    const declined = await atrium(['token', 'revoke'], { ...as(user), answers: [pick, { when: /Revoke the token\?/, send: `n${KEY.enter}` }] });
    expectExit(declined, 1);
    expect(declined.stderr).toContain('Aborted; the token still works.');
    expect(await revokedAt(doomed.id)).toBeNull();

    const revoked = await atrium(['token', 'revoke'], { ...as(user), answers: [pick, { when: /Revoke the token\?/, send: `y${KEY.enter}` }] });
    expectExit(revoked, 0);
    expect(revoked.stdout).toContain(`Revoked access token "Doomed" (${doomed.id}).`);
    expect(await revokedAt(doomed.id)).not.toBeNull();
    expect(await revokedAt(keep.id)).toBeNull();
    const after = await atrium(['whoami'], withToken(doomed.secret));
    expectExit(after, 3);
  });

  it("revokes by name or id with --yes --json, and exits 5 for a token that is not the caller's", async () => {
    const user = await t.signUp();
    const other = await t.signUp();
    const first = await createToken(user, 'First');
    const second = await createToken(user, 'Second');
    const theirs = await createToken(other, 'Theirs');
    const [byName, byId, foreign] = await Promise.all([
      atrium(['token', 'revoke', 'first', '--yes', '--json'], as(user)),
      atrium(['token', 'revoke', second.id, '--yes'], as(user)),
      atrium(['token', 'revoke', theirs.id, '--yes'], as(user)),
    ]);
    expectExit(byName, 0);
    expect(JSON.parse(byName.stdout)).toMatchObject({ id: first.id, name: 'First' });
    expectExit(byId, 0);
    expectExit(foreign, 5);
    expect(await revokedAt(second.id)).not.toBeNull();
    expect(await revokedAt(theirs.id)).toBeNull();
  });
});
