import { randomBytes, scryptSync } from 'node:crypto';
import { codeOf, reasonOf, TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const ME = `{ me { id email name platformRole isSuperuser accessTokens { id name scope } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token expiresAt me { id } } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token me { id email } } }`;

describe('accounts and sessions', () => {
  it('signs up, reads me with the session token, and stores only a hash of the token', async () => {
    const user = await t.signUp({ email: 'Ada@Example.com', name: '  Ada  ' });
    expect(user.token).toMatch(/^ats_[A-Za-z0-9_-]{43}$/);
    const data = await t.ok(ME, {}, { as: user });
    expect(data.me).toMatchObject({ id: user.id, email: 'ada@example.com', name: 'Ada', platformRole: 'MEMBER', isSuperuser: false });
    const rows = await t.sql(`SELECT encode(token_hash, 'hex') AS h FROM token WHERE account_id = $1`, [user.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(user.token);
    const [account] = await t.sql('SELECT password_hash FROM account WHERE id = $1', [user.id]);
    expect(account.password_hash).toMatch(/^\$scrypt\$ln=\d+,r=8,p=1\$/);
    expect(account.password_hash).not.toContain(user.password);
  });

  it('refuses a second account for the same email ignoring case', async () => {
    await t.signUp({ email: 'dup@example.com' });
    const again = await t.gql(SIGN_UP, { input: { email: ' DUP@example.com ', password: 'long enough pw', name: 'X' } });
    expect(codeOf(again)).toBe('CONFLICT');
    expect(reasonOf(again)).toBe('ACCOUNT_EXISTS');
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough', name: 'A' }, 'email'],
    [{ email: 'a@b.co', password: 'short', name: 'A' }, 'password'],
    [{ email: 'a@b.co', password: 'x'.repeat(257), name: 'A' }, 'password'],
    [{ email: 'a@b.co', password: 'long enough', name: '   ' }, 'name'],
    [{ email: 'a@b.co', password: 'long enough', name: 'n'.repeat(256) }, 'name'],
  ])('rejects bad sign-up input %# with BAD_USER_INPUT naming the field, writing nothing', async (input, field) => {
    const before = await t.sql('SELECT count(*)::int AS n FROM account');
    const result = await t.gql(SIGN_UP, { input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field })]);
    expect(await t.sql('SELECT count(*)::int AS n FROM account')).toEqual(before);
  });

  it('rejects wrong types as BAD_USER_INPUT', async () => {
    const result = await t.gql(SIGN_UP, { input: { email: 42, password: true, name: null } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });

  it('answers the same UNAUTHENTICATED for an unknown email and a wrong password', async () => {
    const user = await t.signUp();
    const wrong = await t.gql(SIGN_IN, { input: { email: user.email, password: 'wrong password' } });
    const unknown = await t.gql(SIGN_IN, { input: { email: 'nobody@example.com', password: 'wrong password' } });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
    const ok = await t.ok(SIGN_IN, { input: { email: user.email.toUpperCase(), password: user.password } });
    expect(ok.signIn.me.id).toBe(user.id);
    // Sessions expire after 30 days by default (RULES.md §4).
    const days = (Date.parse(ok.signIn.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('treats a bad, revoked or malformed token as UNAUTHENTICATED, never as a guest', async () => {
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token: 'ats_nonsense' } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql('{ me { id } }', {}, { headers: { authorization: 'Basic abc' } }))).toBe('UNAUTHENTICATED');
    const user = await t.signUp();
    expect((await t.ok('mutation { signOut }', {}, { as: user })).signOut).toBe(true);
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: user }))).toBe('UNAUTHENTICATED');
    // With no header at all the caller is a guest.
    expect((await t.ok('{ me { id } }')).me).toBeNull();
  });

  it('refuses an expired session', async () => {
    const user = await t.signUp();
    await t.sql(`UPDATE token SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [user.id]);
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: user }))).toBe('UNAUTHENTICATED');
  });

  it('needs a signed-in caller for account mutations', async () => {
    for (const mutation of [
      `mutation { updateMe(input: { name: "x" }) { id } }`,
      `mutation { changePassword(input: { currentPassword: "a", newPassword: "bbbbbbbbb" }) }`,
      `mutation { deleteMe(input: { password: "a" }) }`,
      `mutation { createAccessToken(input: { name: "ci" }) { token } }`,
      `mutation { signOut }`,
      `mutation { createWorkspace(input: { name: "w" }) { id } }`,
    ]) {
      expect(codeOf(await t.gql(mutation))).toBe('UNAUTHENTICATED');
    }
  });

  it('updates the profile and validates it', async () => {
    const user = await t.signUp();
    const data = await t.ok(
      `mutation { updateMe(input: { name: " New ", jobTitle: "Analyst", avatarUrl: "https://img.example.com/a.png" }) { name jobTitle avatarUrl } }`,
      {},
      { as: user },
    );
    expect(data.updateMe).toEqual({ name: 'New', jobTitle: 'Analyst', avatarUrl: 'https://img.example.com/a.png' });
    const bad = await t.gql(`mutation { updateMe(input: { avatarUrl: "javascript:alert(1)" }) { name } }`, {}, { as: user });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`mutation { updateMe(input: { name: "" }) { name } }`, {}, { as: user }))).toBe('BAD_USER_INPUT');
  });

  it('changes the password: the old one stops working and other sessions end', async () => {
    const user = await t.signUp();
    const other = await t.ok(SIGN_IN, { input: { email: user.email, password: user.password } });
    const wrong = await t.gql(`mutation { changePassword(input: { currentPassword: "not it at all", newPassword: "brand new password" }) }`, {}, { as: user });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    await t.ok(`mutation { changePassword(input: { currentPassword: "${user.password}", newPassword: "brand new password" }) }`, {}, { as: user });
    expect(codeOf(await t.gql(SIGN_IN, { input: { email: user.email, password: user.password } }))).toBe('UNAUTHENTICATED');
    await t.ok(SIGN_IN, { input: { email: user.email, password: 'brand new password' } });
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token: other.signIn.token } }))).toBe('UNAUTHENTICATED');
    expect((await t.ok('{ me { id } }', {}, { as: user })).me.id).toBe(user.id);
  });

  it('keeps personal access tokens working across a password change, and says so in the schema', async () => {
    const user = await t.signUp();
    const pat = (await t.ok(`mutation { createAccessToken(input: { name: "ci" }) { token } }`, {}, { as: user })).createAccessToken.token;
    await t.ok(`mutation { changePassword(input: { currentPassword: "${user.password}", newPassword: "brand new password" }) }`, {}, { as: user });
    expect((await t.ok('{ me { id } }', {}, { as: { token: pat } })).me.id).toBe(user.id);
    const described = await t.ok(`{ __type(name: "Mutation") { fields { name description } } }`);
    const field = described.__type.fields.find((f: { name: string }) => f.name === 'changePassword');
    expect(field.description).toMatch(/access tokens/i);
  });
});

describe('password hashes', () => {
  const cost = Number(process.env.PASSWORD_HASH_COST);
  const storedHash = async (id: string) => (await t.sql('SELECT password_hash FROM account WHERE id = $1', [id]))[0].password_hash as string;
  /** A hash as an older Atrium stored it: scrypt with the given log2(N), r=8, p=1, in either format. */
  const oldHash = (password: string, logN: number, format: 'legacy' | 'phc') => {
    const salt = randomBytes(16);
    const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 2 ** logN, r: 8, p: 1 }).toString('base64');
    return format === 'legacy' ? `scrypt$${logN}$${salt.toString('base64')}$${key}` : `$scrypt$ln=${logN},r=8,p=1$${salt.toString('base64')}$${key}`;
  };
  const signIn = (email: string, password: string) => t.gql(SIGN_IN, { input: { email, password } });

  it('records the scrypt parameters in the stored hash', async () => {
    const user = await t.signUp();
    expect(await storedHash(user.id)).toMatch(new RegExp(`^\\$scrypt\\$ln=${cost},r=8,p=1\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=$`));
  });

  it.each(['legacy', 'phc'] as const)('re-hashes a weaker %s hash on the next successful sign-in, and only then', async (format) => {
    const user = await t.signUp();
    const weak = oldHash(user.password, cost - 2, format);
    await t.sql('UPDATE account SET password_hash = $1 WHERE id = $2', [weak, user.id]);
    expect(codeOf(await signIn(user.email, 'not the password at all'))).toBe('UNAUTHENTICATED');
    expect(await storedHash(user.id)).toBe(weak);
    expect((await signIn(user.email, user.password)).errors).toBeUndefined();
    const upgraded = await storedHash(user.id);
    expect(upgraded).toMatch(new RegExp(`^\\$scrypt\\$ln=${cost},r=8,p=1\\$`));
    expect(upgraded).not.toContain(user.password);
    // The new hash holds the same password, and is not re-hashed again.
    expect((await signIn(user.email, user.password)).errors).toBeUndefined();
    expect(await storedHash(user.id)).toBe(upgraded);
  });

  it('keeps a stronger hash as it is', async () => {
    const user = await t.signUp();
    const strong = oldHash(user.password, cost + 1, 'phc');
    await t.sql('UPDATE account SET password_hash = $1 WHERE id = $2', [strong, user.id]);
    expect((await signIn(user.email, user.password)).errors).toBeUndefined();
    expect(await storedHash(user.id)).toBe(strong);
  });
});

describe('personal access tokens', () => {
  it('creates, lists and revokes tokens; the secret is shown once and stops working when revoked', async () => {
    const user = await t.signUp();
    const created = await t.ok(`mutation { createAccessToken(input: { name: "ci", scope: WRITE }) { token accessToken { id name scope } } }`, {}, { as: user });
    const { token, accessToken } = created.createAccessToken;
    expect(token).toMatch(/^atp_/);
    const listed = await t.ok(ME, {}, { as: user });
    expect(listed.me.accessTokens).toEqual([{ id: accessToken.id, name: 'ci', scope: 'WRITE' }]);
    expect((await t.ok('{ me { id } }', {}, { as: { token } })).me.id).toBe(user.id);
    await t.ok(`mutation($id: ID!) { revokeAccessToken(id: $id) { id } }`, { id: accessToken.id }, { as: user });
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token } }))).toBe('UNAUTHENTICATED');
    expect((await t.ok(ME, {}, { as: user })).me.accessTokens).toEqual([]);
  });

  it("cannot revoke someone else's token (NOT_FOUND) nor a malformed id", async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    const created = await t.ok(`mutation { createAccessToken(input: { name: "x" }) { accessToken { id } } }`, {}, { as: a });
    const id = created.createAccessToken.accessToken.id;
    expect(codeOf(await t.gql(`mutation($id: ID!) { revokeAccessToken(id: $id) { id } }`, { id }, { as: b }))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(`mutation { revokeAccessToken(id: "nope") { id } }`, {}, { as: b }))).toBe('NOT_FOUND');
  });

  it('lets a READ token query but not mutate (READ_ONLY_TOKEN)', async () => {
    const user = await t.signUp();
    const created = await t.ok(`mutation { createAccessToken(input: { name: "read", scope: READ }) { token } }`, {}, { as: user });
    const read = { token: created.createAccessToken.token };
    expect((await t.ok('{ me { id } }', {}, { as: read })).me.id).toBe(user.id);
    const refused = await t.gql(`mutation { createWorkspace(input: { name: "w" }) { id } }`, {}, { as: read });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(reasonOf(refused)).toBe('READ_ONLY_TOKEN');
    expect(await t.sql('SELECT 1 FROM workspace')).toHaveLength(0);
  });

  it('refuses an expiry in the past', async () => {
    const user = await t.signUp();
    const result = await t.gql(`mutation { createAccessToken(input: { name: "x", expiresAt: "2001-01-01T00:00:00Z" }) { token } }`, {}, { as: user });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
  });
});

describe('text PostgreSQL cannot store', () => {
  it('refuses a NUL character in any argument up front, naming the field, and writes nothing', async () => {
    const before = await t.sql('SELECT count(*)::int AS n FROM account');
    const viaVariables = await t.gql(SIGN_UP, { input: { email: 'nul@example.com', password: 'long enough', name: 'A\u0000B' } });
    expect(codeOf(viaVariables)).toBe('BAD_USER_INPUT');
    expect(viaVariables.errors![0].extensions!.fields).toEqual([{ field: 'name', message: expect.stringContaining('NUL') }]);
    const inline = await t.gql(`mutation { signIn(input: { email: "a\\u0000@b.co", password: "x" }) { token } }`);
    expect(codeOf(inline)).toBe('BAD_USER_INPUT');
    expect(await t.sql('SELECT count(*)::int AS n FROM account')).toEqual(before);
  });
});
