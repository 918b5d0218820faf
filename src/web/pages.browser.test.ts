import type { Browser, Page } from 'playwright-core';
import { deliverDue } from '../mail/mail.worker';
import { createLogger } from '../hardening/logging';
import { SmtpSink, type ReceivedMail } from '../test/smtp-sink';
import { codeOf, TestServer, type TestUser } from '../test/harness';
import { hasChromium, launchChromium, lowContrast, screenshot, scrollsSideways, skipWithoutChromium, watchedPage, type WatchedPage } from '../test/browser';

/**
 * The pages behind the email links, in a real browser at 360 px wide, through the real server:
 * the links come from the emails Atrium sends (to a test SMTP sink), and nothing but this server
 * may be reached. Screenshots go to test-results/ for review.
 */
skipWithoutChromium('email-link pages browser test');
// A browser on a busy machine: each test walks through several pages.
jest.setTimeout(180_000);
const maybe = hasChromium ? describe : describe.skip;

let smtp: SmtpSink;
let t: TestServer;
let browser: Browser;
const open: WatchedPage[] = [];
beforeAll(async () => {
  if (!hasChromium) return;
  smtp = await SmtpSink.start();
  t = await TestServer.start({ smtpUrl: smtp.url, inviteResendCooldownSeconds: 0 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await smtp?.stop();
});
afterEach(async () => {
  for (const w of open.splice(0)) {
    // Offline, and nothing blocked or thrown, on every page a test opened.
    expect(w.foreign).toEqual([]);
    expect(w.errors).toEqual([]);
    await w.page.close();
  }
});

const origin = () => new URL(t.url).origin;

async function newPage(): Promise<Page> {
  const w = await watchedPage(browser, origin());
  open.push(w);
  return w.page;
}

/** One mail worker pass; the messages that arrived for `to`. */
async function deliverTo(to: string): Promise<ReceivedMail[]> {
  const before = smtp.messages.length;
  await deliverDue(t.db, t.config, { logger: createLogger({ level: 'silent' }) });
  return smtp.messages.slice(before).filter((m) => m.to.some((a) => a.toLowerCase() === to.toLowerCase()));
}

/** The link to `path` in a mail's text, pointed at the server under test (the mail names PUBLIC_URL). */
function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://[^\\s/]+${path.replace(/\//g, '\\/')}\\?token=[A-Za-z0-9_%-]+`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  const url = new URL(match[0]);
  return `${origin()}${url.pathname}${url.search}`;
}

const INVITE = `mutation($input: InviteMembersInput!) { inviteMembers(input: $input) { results { status } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
const MY_WORKSPACES = `{ me { name memberships { edges { node { role workspace { id name } } } } } }`;

/** Invites `email` to the workspace and returns the accept link of the email that arrives. */
async function invitationLink(owner: TestUser, workspaceId: string, email: string, role = 'MEMBER'): Promise<string> {
  const data = await t.ok(INVITE, { input: { workspaceId, emails: [email], role } }, { as: owner });
  expect(data.inviteMembers.results[0].status).toBe('INVITED');
  const mails = await deliverTo(email);
  expect(mails).toHaveLength(1);
  return linkIn(mails[0], '/invitations/accept');
}

const focusedTag = (page: Page) => page.evaluate(() => (globalThis as any).document.activeElement?.id as string);
/** The text of the playground's headers editor (its tab opened first). */
async function headersInPlayground(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  return page
    .locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')
    .evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
}

maybe('the invitation accept page', () => {
  it('a new user accepts from the link in the email, by keyboard, sees the workspace, and opens the playground signed in', async () => {
    const owner = await t.signUp({ name: 'Olive Owner' });
    const workspace = await t.createWorkspace(owner, { name: 'Moon Lab', description: 'Telescope data and the notebooks that read it.' });
    const email = `nina-${Date.now()}@example.com`;
    const link = await invitationLink(owner, workspace.id, email);

    const page = await newPage();
    await page.goto(link);
    // The shell's heading shows until the page has asked the API; wait for the answer's.
    await page.getByRole('heading', { level: 1, name: 'Join Moon Lab', exact: true }).waitFor();
    // The facts of the invitation, and the sign-up form at once: there is no account for the address.
    const facts = page.locator('dl.facts');
    await expect(facts.textContent()).resolves.toEqual(expect.stringContaining('Olive Owner'));
    await expect(facts.textContent()).resolves.toEqual(expect.stringContaining(email));
    await expect(facts.textContent()).resolves.toEqual(expect.stringContaining('member'));
    await expect(page.getByRole('heading', { name: 'Create your account to accept' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Sign in to accept' }).count()).resolves.toBe(0);
    const emailField = page.getByLabel('Email');
    expect(await emailField.inputValue()).toBe(email);
    expect(await emailField.getAttribute('readonly')).not.toBeNull();
    expect(await focusedTag(page)).toBe('heading');
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'accept-1-invitation-new-account');
    expect(await lowContrast(page)).toEqual([]);

    // Keyboard only: from the heading, Tab to each field; Enter submits. A short password is refused next to the field.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.name)).toBe('email');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Nina Newcomer');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Enter');
    const passwordField = page.getByLabel('Choose a password');
    await page.getByText('Use at least 8 characters.').waitFor();
    expect(await passwordField.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.name)).toBe('password');
    await screenshot(page, 'accept-2-short-password');
    expect(await lowContrast(page)).toEqual([]);
    await passwordField.fill('a long enough password');
    await page.keyboard.press('Enter');

    // Joined: the workspace as its new member sees it.
    await page.getByRole('heading', { level: 1, name: 'You joined Moon Lab' }).waitFor();
    expect(await focusedTag(page)).toBe('heading');
    const joined = await page.locator('#content').textContent();
    expect(joined).toContain('Telescope data and the notebooks that read it.');
    expect(joined).toContain('Olive Owner · owner');
    expect(joined).toContain('Nina Newcomer · member');
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'accept-3-joined');
    expect(await lowContrast(page)).toEqual([]);

    // The account exists and is a member, through the API.
    const session = await t.ok(SIGN_IN, { input: { email, password: 'a long enough password' } });
    const me = await t.ok(MY_WORKSPACES, {}, { as: { token: session.signIn.token } });
    expect(me.me.memberships.edges).toEqual([{ node: { role: 'MEMBER', workspace: { id: workspace.id, name: 'Moon Lab' } } }]);

    // The next step: the playground (a desktop tool: a desktop window), signed in as the new account, the token gone from the address.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('link', { name: 'Open the playground, signed in' }).click();
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });
    await page.getByText('Signed in as').waitFor({ timeout: 10_000 });
    expect(await page.locator('.atrium-signed-in').textContent()).toContain('Nina Newcomer');
    expect(new URL(page.url()).hash).toBe('');
    const headers = JSON.parse(await headersInPlayground(page));
    expect(headers.Authorization).toMatch(/^Bearer \S+$/);
    const fromPage = await t.gql('{ me { email } }', {}, { headers: { authorization: headers.Authorization } });
    expect(fromPage.data.me.email).toBe(email);
    await screenshot(page, 'accept-4-playground-signed-in');

    // The link again: used.
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'This invitation was already accepted' }).waitFor();
  });

  it('an address with an account signs in (a wrong password is said next to the field) and joins', async () => {
    const owner = await t.signUp({ name: 'Olive Owner' });
    const workspace = await t.createWorkspace(owner, { name: 'Sun Lab' });
    const invitee = await t.signUp({ name: 'Sam Signin' });
    const link = await invitationLink(owner, workspace.id, invitee.email, 'VIEWER');

    const page = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Sign in to accept' }).waitFor();
    await expect(page.getByRole('heading', { name: 'Create your account to accept' }).count()).resolves.toBe(0);
    await expect(page.locator('dl.facts').textContent()).resolves.toEqual(expect.stringContaining('viewer'));
    await screenshot(page, 'accept-5-invitation-existing-account');
    expect(await lowContrast(page)).toEqual([]);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    await page.getByText('The email or password is wrong.').waitFor();
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Password', { exact: true }).fill(invitee.password);
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    await page.getByRole('heading', { level: 1, name: 'You joined Sun Lab' }).waitFor();
    expect(await page.locator('#content').textContent()).toContain('Sam Signin · viewer');
    const me = await t.ok(MY_WORKSPACES, {}, { as: invitee });
    expect(me.me.memberships.edges.map((e: { node: { workspace: { id: string } } }) => e.node.workspace.id)).toContain(workspace.id);
  });

  it('offers the sign-in instead when the address got an account while the sign-up form was open', async () => {
    const owner = await t.signUp({ name: 'Olive Owner' });
    // A name with markup in it: the page shows it as text.
    const workspace = await t.createWorkspace(owner, { name: 'Snow <i>Lab</i>' });
    const email = `quick-${Date.now()}@example.com`;
    const link = await invitationLink(owner, workspace.id, email);
    const page = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Create your account to accept' }).waitFor();
    const meanwhile = await t.signUp({ email, name: 'Quick Quentin' });
    await page.getByLabel('Your name').fill('Slow Sally');
    await page.getByLabel('Choose a password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.getByRole('heading', { name: 'Sign in to accept' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('An account with this email already exists');
    await page.getByLabel('Password', { exact: true }).fill(meanwhile.password);
    await page.getByRole('button', { name: 'Sign in and join' }).click();
    await page.getByRole('heading', { level: 1, name: 'You joined Snow <i>Lab</i>' }).waitFor();
    expect(await page.locator('#content i').count()).toBe(0);
  });

  it('declines; and says why a declined, expired, unknown or cut-off link can no longer be accepted', async () => {
    const owner = await t.signUp({ name: 'Olive Owner' });
    const workspace = await t.createWorkspace(owner, { name: 'Rain Lab' });
    const declineLink = await invitationLink(owner, workspace.id, `dora-${Date.now()}@example.com`);
    const page = await newPage();
    await page.goto(declineLink);
    await page.getByRole('button', { name: 'Decline the invitation' }).click();
    // A second step, focused, so a stray click declines nothing.
    await page.getByRole('button', { name: 'Yes, decline' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('Yes, decline');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Invitation declined' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'This invitation was declined' }).waitFor();
    expect(await page.locator('dl.facts').textContent()).toContain('Rain Lab');

    const expiredEmail = `eve-${Date.now()}@example.com`;
    const expiredLink = await invitationLink(owner, workspace.id, expiredEmail);
    await t.sql(`UPDATE invitation SET expires_at = now() - interval '1 minute' WHERE email = $1`, [expiredEmail]);
    await page.goto(expiredLink);
    await page.getByRole('heading', { level: 1, name: 'This invitation has expired' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('send the invitation again');
    await screenshot(page, 'accept-6-expired');
    expect(await lowContrast(page)).toEqual([]);

    await page.goto(`${origin()}/invitations/accept?token=ati_not-a-real-token`);
    await page.getByRole('heading', { level: 1, name: 'This invitation link is not valid' }).waitFor();
    await screenshot(page, 'accept-7-unknown');
    expect(await lowContrast(page)).toEqual([]);
    await page.goto(`${origin()}/invitations/accept`);
    await page.getByRole('heading', { level: 1, name: 'This link is incomplete' }).waitFor();
    // Every dead end still ends on a next step.
    await page.getByRole('link', { name: 'Open the playground' }).waitFor();
  });
});

maybe('the password-reset page', () => {
  it('sets the new password from the link in the email (twice, the same), after which a sign-in works with it; a used link offers a new one', async () => {
    const user = await t.signUp({ name: 'Rita Reset' });
    expect((await t.ok(`mutation($email: String!) { requestPasswordReset(email: $email) }`, { email: user.email })).requestPasswordReset).toBe(true);
    const [mail] = await deliverTo(user.email);
    const link = linkIn(mail, '/password-reset');

    const page = await newPage();
    await page.goto(link);
    // The shell's heading shows until the page has asked the API; wait for the answer's.
    await page.getByRole('heading', { level: 1, name: 'Choose a new password', exact: true }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await page.getByLabel('New password', { exact: true }).fill('a brand new password');
    await page.getByLabel('New password again').fill('a brand new passwort');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('The two passwords differ; type the same password twice.').waitFor();
    expect(await page.getByLabel('New password again').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'reset-1-passwords-differ');
    expect(await lowContrast(page)).toEqual([]);
    // Nothing was sent: the old password still works.
    await t.ok(SIGN_IN, { input: { email: user.email, password: user.password } });

    await page.getByLabel('New password again').fill('a brand new password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your password is changed' }).waitFor();
    expect(await focusedTag(page)).toBe('heading');
    await page.getByRole('link', { name: 'Open the playground, signed in' }).waitFor();
    await screenshot(page, 'reset-2-done');
    expect(await lowContrast(page)).toEqual([]);
    expect(codeOf(await t.gql(SIGN_IN, { input: { email: user.email, password: user.password } }))).toBe('UNAUTHENTICATED');
    await t.ok(SIGN_IN, { input: { email: user.email, password: 'a brand new password' } });

    // The same link again: used up; the page asks for a new one, which arrives.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('yet another password');
    await page.getByLabel('New password again').fill('yet another password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { level: 1, name: 'This reset link can no longer be used' }).waitFor();
    await page.getByLabel('Email').fill(user.email);
    await page.getByRole('button', { name: 'Email me a new link' }).click();
    await page.getByText('a new link is on its way').waitFor();
    await screenshot(page, 'reset-3-used-link');
    expect(await lowContrast(page)).toEqual([]);
    const again = await deliverTo(user.email);
    expect(again).toHaveLength(1);
    expect(linkIn(again[0], '/password-reset')).not.toBe(link);
  });

  it('says so when the link has no token', async () => {
    const page = await newPage();
    await page.goto(`${origin()}/password-reset`);
    await page.getByRole('heading', { level: 1, name: 'This link is incomplete' }).waitFor();
  });
});
