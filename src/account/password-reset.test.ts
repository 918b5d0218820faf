import fc from 'fast-check';
import { codeOf, TestServer } from '../test/harness';
import { deliverDue } from '../mail/mail.worker';
import { SmtpSink, tokenFrom } from '../test/smtp-sink';

let smtp: SmtpSink;
let t: TestServer;
beforeAll(async () => {
  smtp = await SmtpSink.start();
  t = await TestServer.start({ smtpUrl: smtp.url, publicUrl: 'https://atrium.example.com' });
});
afterAll(async () => {
  await t.stop();
  await smtp.stop();
});

const REQUEST = `mutation($email: String!) { requestPasswordReset(email: $email) }`;
const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) { token expiresAt me { id email } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;

async function deliver() {
  const before = smtp.messages.length;
  await deliverDue(t.db, t.config);
  return smtp.messages.slice(before);
}

/** Requests a reset for `email` and returns the token from the email that arrives. */
async function resetToken(email: string): Promise<string> {
  expect((await t.ok(REQUEST, { email })).requestPasswordReset).toBe(true);
  const mails = await deliver();
  expect(mails).toHaveLength(1);
  return tokenFrom(mails[0], '/password-reset');
}

describe('password reset', () => {
  it('emails a single-use link; resetting sets the password, ends every session and signs in', async () => {
    const user = await t.signUp({ name: 'Rita <Reset>' });
    const other = await t.ok(SIGN_IN, { input: { email: user.email, password: user.password } });
    expect((await t.ok(REQUEST, { email: ` ${user.email.toUpperCase()} ` })).requestPasswordReset).toBe(true);
    const [mail] = await deliver();
    expect(mail.to).toEqual([user.email]);
    expect(mail.subject).toBe('Reset your Atrium password');
    expect(mail.html).toContain('Rita &lt;Reset&gt;');
    const token = tokenFrom(mail, '/password-reset');
    expect(token).toMatch(/^atr_[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`https://atrium.example.com/password-reset?token=${token}`);
    expect(JSON.stringify(await t.sql(`SELECT encode(token_hash, 'hex') AS h FROM password_reset`))).not.toContain(token);
    const [row] = await t.sql('SELECT expires_at FROM password_reset WHERE account_id = $1', [user.id]);
    expect(Math.abs(row.expires_at.getTime() - Date.now() - 3_600_000)).toBeLessThan(60_000);

    const short = await t.gql(RESET, { input: { token, newPassword: 'short' } });
    expect(codeOf(short)).toBe('BAD_USER_INPUT');
    const reset = await t.ok(RESET, { input: { token, newPassword: 'a brand new password' } });
    expect(reset.resetPassword.me).toEqual({ id: user.id, email: user.email });
    expect((await t.ok('{ me { id } }', {}, { as: { token: reset.resetPassword.token } })).me.id).toBe(user.id);
    // Old sessions end, the old password stops working, the new one works.
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: user }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token: other.signIn.token } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(SIGN_IN, { input: { email: user.email, password: user.password } }))).toBe('UNAUTHENTICATED');
    await t.ok(SIGN_IN, { input: { email: user.email, password: 'a brand new password' } });
    // Single use.
    const again = await t.gql(RESET, { input: { token, newPassword: 'yet another password' } });
    expect(codeOf(again)).toBe('BAD_USER_INPUT');
    expect(again.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'token' })]);
  });

  it('ends every personal access token too: a reset is the way back after a takeover', async () => {
    const user = await t.signUp();
    const CREATE = `mutation($name: String!) { createAccessToken(input: { name: $name }) { token } }`;
    const write = (await t.ok(CREATE, { name: 'ci' }, { as: user })).createAccessToken.token;
    const read = (await t.ok(`mutation { createAccessToken(input: { name: "dash", scope: READ }) { token } }`, {}, { as: user })).createAccessToken.token;
    expect((await t.ok('{ me { id } }', {}, { as: { token: write } })).me.id).toBe(user.id);
    const reset = await t.ok(RESET, { input: { token: await resetToken(user.email), newPassword: 'a brand new password' } });
    for (const token of [write, read]) expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token } }))).toBe('UNAUTHENTICATED');
    const fresh = { token: reset.resetPassword.token };
    expect((await t.ok('{ me { accessTokens { id } } }', {}, { as: fresh })).me.accessTokens).toEqual([]);
    // Tokens made after the reset work as usual.
    const after = (await t.ok(CREATE, { name: 'new ci' }, { as: fresh })).createAccessToken.token;
    expect((await t.ok('{ me { id } }', {}, { as: { token: after } })).me.id).toBe(user.id);
  });

  it('leaves no credential made before the reset working, whatever the account held (property)', async () => {
    const credential = fc.oneof(
      fc.constant({ kind: 'session' as const }),
      fc.record({ kind: fc.constant('token' as const), scope: fc.constantFrom('READ', 'WRITE'), expires: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(credential, { maxLength: 5 }), fc.boolean(), async (credentials, viaChangedPassword) => {
        const user = await t.signUp();
        if (viaChangedPassword) {
          await t.ok(`mutation { changePassword(input: { currentPassword: "${user.password}", newPassword: "changed password 1" }) }`, {}, { as: user });
          user.password = 'changed password 1';
        }
        const secrets = [user.token];
        for (const c of credentials) {
          if (c.kind === 'session') secrets.push((await t.ok(SIGN_IN, { input: { email: user.email, password: user.password } })).signIn.token);
          else {
            const input = { name: 'p', scope: c.scope, expiresAt: c.expires ? new Date(Date.now() + 86_400_000).toISOString() : null };
            secrets.push(
              (await t.ok(`mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }`, { input }, { as: user }))
                .createAccessToken.token,
            );
          }
        }
        const reset = await t.ok(RESET, { input: { token: await resetToken(user.email), newPassword: 'a brand new password' } });
        for (const token of secrets) expect(codeOf(await t.gql('{ me { id } }', {}, { as: { token } }))).toBe('UNAUTHENTICATED');
        expect((await t.ok('{ me { id } }', {}, { as: { token: reset.resetPassword.token } })).me.id).toBe(user.id);
      }),
      { numRuns: 8 },
    );
  });

  it('answers true for an unknown or malformed address and sends nothing', async () => {
    for (const email of ['nobody@example.com', 'not an email', '']) {
      expect((await t.ok(REQUEST, { email })).requestPasswordReset).toBe(true);
    }
    expect(await deliver()).toEqual([]);
  });

  it('refuses unknown, expired and superseded tokens with BAD_USER_INPUT on token', async () => {
    const user = await t.signUp();
    expect(codeOf(await t.gql(RESET, { input: { token: 'atr_unknown', newPassword: 'a brand new password' } }))).toBe('BAD_USER_INPUT');
    const expired = await resetToken(user.email);
    await t.sql(`UPDATE password_reset SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [user.id]);
    expect(codeOf(await t.gql(RESET, { input: { token: expired, newPassword: 'a brand new password' } }))).toBe('BAD_USER_INPUT');
    // Two live tokens: using one ends the other.
    const first = await resetToken(user.email);
    const second = await resetToken(user.email);
    await t.ok(RESET, { input: { token: second, newPassword: 'a brand new password' } });
    expect(codeOf(await t.gql(RESET, { input: { token: first, newPassword: 'another new password' } }))).toBe('BAD_USER_INPUT');
  });

  it('lets exactly one of concurrent resets with one token win', async () => {
    const user = await t.signUp();
    const token = await resetToken(user.email);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => t.gql(RESET, { input: { token, newPassword: `new password number ${i}` } })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'BAD_USER_INPUT')).toHaveLength(4);
  });
});
