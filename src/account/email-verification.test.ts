import fc from 'fast-check';
import { codeOf, reasonOf, TestServer, type TestUser } from '../test/harness';
import { deliverDue } from '../mail/mail.worker';
import { createLogger } from '../hardening/logging';
import { SmtpSink, tokenFrom, type ReceivedMail } from '../test/smtp-sink';
import { Visibility } from '../common/enums';

let smtp: SmtpSink;
let t: TestServer;
beforeAll(async () => {
  smtp = await SmtpSink.start();
  t = await TestServer.start({ smtpUrl: smtp.url, publicUrl: 'https://atrium.example.com', verificationResendLimitPerHour: 2, inviteResendCooldownSeconds: 0 });
});
afterAll(async () => {
  await t.stop();
  await smtp.stop();
});

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token me { id email emailVerified } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token me { id name emailVerified } } }`;
const VERIFY = `mutation($token: String!) { verifyEmail(token: $token) }`;
const RESEND = `mutation { resendVerificationEmail }`;
const ME = `{ me { id name jobTitle emailVerified } }`;
const MY_INVITATIONS = `{ me { emailVerified pendingInvitations { id email workspace { id name description visibility } } } }`;
const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { status invitation { id } } } }`;
const PREVIEW = `query($token: String!) { invitationPreview(token: $token) { accountExists state } }`;
const ACCEPT = `mutation($token: String!) { acceptInvitation(token: $token) { id role user { id } } }`;
const SIGN_UP_ACCEPT = `mutation($input: SignUpAndAcceptInvitationInput!) { signUpAndAcceptInvitation(input: $input) { token me { id email name emailVerified } } }`;

/** Runs one mail worker pass and returns the messages that arrived during it. */
async function deliver(): Promise<ReceivedMail[]> {
  const before = smtp.messages.length;
  await deliverDue(t.db, t.config, { logger: createLogger({ level: 'silent' }) });
  return smtp.messages.slice(before);
}

type LinkPath = '/verify-email' | '/invitations/accept';
/** Messages a test has read already. */
const read = new Set<ReceivedMail>();
/** Delivers the mail queued so far; answers the unread messages to `email` with a `path` link. */
async function unread(email: string, path: LinkPath): Promise<ReceivedMail[]> {
  await deliver();
  return smtp.messages.filter((m) => !read.has(m) && m.to.includes(email) && m.text.includes(`${path}?token=`));
}
/** The link token of the one unread message to `email` with a `path` link, which is then read. */
async function tokenMailedTo(email: string, path: LinkPath): Promise<string> {
  const mails = await unread(email, path);
  expect(mails).toHaveLength(1);
  read.add(mails[0]);
  return tokenFrom(mails[0], path);
}

let n = 0;
const address = () => `verify${++n}-${Date.now()}@example.com`;

/** A private workspace with a secret description whose owner invites `email`; answers the invitation token. */
async function invitedToPrivateWorkspace(email: string): Promise<{ owner: TestUser; workspace: { id: string; name: string }; token: string }> {
  const owner = await t.signUp({ name: 'Olive Owner' });
  const workspace = await t.createWorkspace(owner, {
    name: 'Project Nightjar',
    description: 'Acquisition of Example Corp, confidential',
    visibility: Visibility.PRIVATE,
  });
  const invited = await t.ok(INVITE, { input: { workspaceId: workspace.id, emails: [email], role: 'MEMBER' } }, { as: owner });
  expect(invited.inviteMembers.results[0].status).toBe('INVITED');
  return { owner, workspace, token: await tokenMailedTo(email, '/invitations/accept') };
}

describe('email verification', () => {
  it('signUp emails a single-use link valid for 24 hours, stored only as a hash; verifyEmail proves the address', async () => {
    const email = address();
    const data = await t.ok(SIGN_UP, { input: { email, password: 'correct horse battery', name: 'Vera <Verify>' } });
    expect(data.signUp.me.emailVerified).toBe(false);
    const me = { token: data.signUp.token };
    expect((await t.ok(ME, {}, { as: me })).me.emailVerified).toBe(false);

    const [mail] = await unread(email, '/verify-email');
    expect(mail.subject).toBe('Verify your email address for Atrium');
    expect(mail.html).toContain('Vera &lt;Verify&gt;');
    const token = tokenFrom(mail, '/verify-email');
    expect(token).toMatch(/^atv_[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`https://atrium.example.com/verify-email?token=${token}`);
    const rows = await t.sql(`SELECT encode(token_hash, 'hex') AS h, expires_at FROM email_verification WHERE account_id = $1`, [data.signUp.me.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(Math.abs(rows[0].expires_at.getTime() - Date.now() - 86_400_000)).toBeLessThan(60_000);

    // Anyone holding the link may use it (it is often opened on another device), once.
    expect((await t.ok(VERIFY, { token })).verifyEmail).toBe(true);
    expect((await t.ok(ME, {}, { as: me })).me.emailVerified).toBe(true);
    expect((await t.ok(VERIFY, { token })).verifyEmail).toBe(false);
    expect((await t.ok(VERIFY, { token: 'atv_unknown' })).verifyEmail).toBe(false);
  });

  it('refuses an expired link, and lets exactly one of concurrent uses of a link win', async () => {
    const user = await t.signUp({ verified: false });
    const token = await tokenMailedTo(user.email, '/verify-email');
    await t.sql(`UPDATE email_verification SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [user.id]);
    expect((await t.ok(VERIFY, { token })).verifyEmail).toBe(false);
    expect((await t.ok(ME, {}, { as: user })).me.emailVerified).toBe(false);

    const other = await t.signUp({ verified: false });
    const live = await tokenMailedTo(other.email, '/verify-email');
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.ok(VERIFY, { token: live })));
    expect(answers.filter((a) => a.verifyEmail === true)).toHaveLength(1);
    expect((await t.ok(ME, {}, { as: other })).me.emailVerified).toBe(true);
  });

  it('resends a new link to a signed-in, unverified account, a limited number of times an hour', async () => {
    const user = await t.signUp({ verified: false });
    const first = await tokenMailedTo(user.email, '/verify-email');
    expect(codeOf(await t.gql(RESEND))).toBe('UNAUTHENTICATED');
    expect((await t.ok(RESEND, {}, { as: user })).resendVerificationEmail).toBe(true);
    const second = await tokenMailedTo(user.email, '/verify-email');
    expect(second).not.toBe(first);
    expect((await t.ok(RESEND, {}, { as: user })).resendVerificationEmail).toBe(true);
    await tokenMailedTo(user.email, '/verify-email');
    const refused = await t.gql(RESEND, {}, { as: user });
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(await unread(user.email, '/verify-email')).toEqual([]);

    // Any live link works; once one is used, the others are spent too.
    expect((await t.ok(VERIFY, { token: second })).verifyEmail).toBe(true);
    expect((await t.ok(VERIFY, { token: first })).verifyEmail).toBe(false);
    // A verified account has nothing to resend.
    const verified = await t.signUp();
    expect((await t.ok(RESEND, {}, { as: verified })).resendVerificationEmail).toBe(false);
    expect(await unread(verified.email, '/verify-email')).toEqual([]);
  });

  it('answers false for any string that is not a live token, and verifies nobody (property)', async () => {
    const victim = await t.signUp({ verified: false });
    const live = await tokenMailedTo(victim.email, '/verify-email');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.constantFrom('', ' ', 'atv_', `${live} `, ` ${live}`, live.toUpperCase(), live.slice(0, -1), `${live}x`, 'a'.repeat(5000)),
          fc.base64String({ minLength: 43, maxLength: 44 }).map((s) => `atv_${s}`),
        ),
        async (token) => {
          fc.pre(token !== live && !token.includes('\u0000') && !/[\uD800-\uDFFF]/.test(token));
          const result = await t.gql(VERIFY, { token });
          expect(result.errors).toBeUndefined();
          expect(result.data.verifyEmail).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
    expect((await t.ok(ME, {}, { as: victim })).me.emailVerified).toBe(false);
    expect((await t.ok(VERIFY, { token: live })).verifyEmail).toBe(true);
  });
});

describe('invitations to an unverified address', () => {
  it('are hidden from an account that has not verified it, so a stranger learns nothing of a private workspace', async () => {
    const email = address();
    const squatter = await t.signUp({ email, name: 'Sam Squatter', verified: false });
    await invitedToPrivateWorkspace(email);
    const seen = await t.ok(MY_INVITATIONS, {}, { as: squatter });
    expect(seen.me).toEqual({ emailVerified: false, pendingInvitations: [] });
    expect(JSON.stringify(seen)).not.toContain('Nightjar');

    // The owner of the inbox verifies, and sees the invitation.
    expect((await t.ok(VERIFY, { token: await tokenMailedTo(email, '/verify-email') })).verifyEmail).toBe(true);
    const after = await t.ok(MY_INVITATIONS, {}, { as: squatter });
    expect(after.me.emailVerified).toBe(true);
    expect(after.me.pendingInvitations).toEqual([
      expect.objectContaining({ email, workspace: expect.objectContaining({ name: 'Project Nightjar', visibility: 'PRIVATE' }) }),
    ]);
  });

  it('acceptInvitation with the token proves the address', async () => {
    const invitee = await t.signUp({ verified: false });
    const { workspace, token } = await invitedToPrivateWorkspace(invitee.email);
    const accepted = await t.ok(ACCEPT, { token }, { as: invitee });
    expect(accepted.acceptInvitation).toMatchObject({ role: 'MEMBER', user: { id: invitee.id } });
    expect((await t.ok(ME, {}, { as: invitee })).me.emailVerified).toBe(true);
    expect((await t.ok(`query($id: ID!) { workspace(id: $id) { viewerRole } }`, { id: workspace.id }, { as: invitee })).workspace.viewerRole).toBe('MEMBER');
    // The verification link sent at sign-up has nothing left to prove.
    const [link] = await t.sql(`SELECT used_at FROM email_verification WHERE account_id = $1`, [invitee.id]);
    expect(link.used_at).not.toBeNull();
  });

  it('signUpAndAcceptInvitation creates a verified account', async () => {
    const email = address();
    const { token } = await invitedToPrivateWorkspace(email);
    const data = await t.ok(SIGN_UP_ACCEPT, { input: { token, name: 'Ivy Invitee', password: 'a good long password' } });
    expect(data.signUpAndAcceptInvitation.me).toMatchObject({ email, name: 'Ivy Invitee', emailVerified: true });
  });

  it('signUpAndAcceptInvitation claims an unverified account of the invited address for the invitee, ending the squatter', async () => {
    const email = address();
    const squatter = await t.signUp({ email, name: 'Sam Squatter', password: 'squatters password', verified: false });
    await t.ok(`mutation { updateMe(input: { jobTitle: "Totally legit", avatarUrl: "https://evil.example.com/a.png" }) { id } }`, {}, { as: squatter });
    const pat = (await t.ok(`mutation { createAccessToken(input: { name: "persist" }) { token } }`, {}, { as: squatter })).createAccessToken.token;
    const otherSession = (await t.ok(SIGN_IN, { input: { email, password: 'squatters password' } })).signIn.token;

    const { workspace, token } = await invitedToPrivateWorkspace(email);
    // The accept page offers sign-up: no one has proved this address.
    expect((await t.ok(PREVIEW, { token })).invitationPreview.accountExists).toBe(false);
    const claimed = await t.gql(SIGN_UP_ACCEPT, { input: { token, name: ' Ivy Invitee ', password: 'the real owners password' } });
    expect(claimed.errors).toBeUndefined();
    const { me } = claimed.data.signUpAndAcceptInvitation;
    expect(me).toEqual({ id: squatter.id, email, name: 'Ivy Invitee', emailVerified: true });
    const invitee = { token: claimed.data.signUpAndAcceptInvitation.token };
    expect((await t.ok(ME, {}, { as: invitee })).me).toEqual({ id: squatter.id, name: 'Ivy Invitee', jobTitle: null, emailVerified: true });
    expect((await t.ok(`query($id: ID!) { workspace(id: $id) { viewerRole } }`, { id: workspace.id }, { as: invitee })).workspace.viewerRole).toBe('MEMBER');
    expect((await t.ok(`{ me { avatarUrl accessTokens { id } } }`, {}, { as: invitee })).me).toEqual({ avatarUrl: null, accessTokens: [] });

    // Every credential of the squatter ends: sessions, access token, password.
    for (const old of [squatter.token, otherSession, pat]) expect(codeOf(await t.gql(ME, {}, { as: { token: old } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.gql(SIGN_IN, { input: { email, password: 'squatters password' } }))).toBe('UNAUTHENTICATED');
    expect((await t.ok(SIGN_IN, { input: { email, password: 'the real owners password' } })).signIn.me).toEqual({
      id: squatter.id,
      name: 'Ivy Invitee',
      emailVerified: true,
    });
    const [audit] = await t.sql(`SELECT details FROM audit_event WHERE workspace_id = $1 AND action = 'invitation.accepted'`, [workspace.id]);
    expect(audit.details).toMatchObject({ accountId: squatter.id, claimedUnverifiedAccount: true });
  });

  it('signUpAndAcceptInvitation still answers ACCOUNT_EXISTS for a verified account, changing nothing', async () => {
    const email = address();
    const owner = await t.signUp({ email, name: 'Real Person' });
    const { token } = await invitedToPrivateWorkspace(email);
    expect((await t.ok(PREVIEW, { token })).invitationPreview.accountExists).toBe(true);
    const refused = await t.gql(SIGN_UP_ACCEPT, { input: { token, name: 'Impostor', password: 'a good long password' } });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(reasonOf(refused)).toBe('ACCOUNT_EXISTS');
    expect((await t.ok(ME, {}, { as: owner })).me).toMatchObject({ id: owner.id, name: 'Real Person', emailVerified: true });
    expect((await t.ok(PREVIEW, { token })).invitationPreview.state).toBe('PENDING');
  });
});
