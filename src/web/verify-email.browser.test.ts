import type { Browser, Page } from 'playwright-core';
import { deliverDue } from '../mail/mail.worker';
import { createLogger } from '../hardening/logging';
import { SmtpSink, type ReceivedMail } from '../test/smtp-sink';
import { TestServer } from '../test/harness';
import { hasChromium, launchChromium, lowContrast, screenshot, scrollsSideways, skipWithoutChromium, watchedPage, type WatchedPage } from '../test/browser';

/**
 * The verify-email page in a real browser at 360 px wide, through the real server and the real
 * verifyEmail mutation: a new account's link comes from the email Atrium sends at sign-up (to a
 * test SMTP sink). Screenshots go to test-results/ for review.
 */
skipWithoutChromium('verify-email page browser test');
jest.setTimeout(180_000);
const maybe = hasChromium ? describe : describe.skip;

let smtp: SmtpSink;
let t: TestServer;
let browser: Browser;
const open: WatchedPage[] = [];
beforeAll(async () => {
  if (!hasChromium) return;
  smtp = await SmtpSink.start();
  t = await TestServer.start({ smtpUrl: smtp.url });
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

/** One mail worker pass; the verification link of the one message that arrived for `to`, pointed at the server under test. */
async function verificationLinkFor(to: string): Promise<string> {
  const before = smtp.messages.length;
  await deliverDue(t.db, t.config, { logger: createLogger({ level: 'silent' }) });
  const mails: ReceivedMail[] = smtp.messages.slice(before).filter((m) => m.to.some((a) => a.toLowerCase() === to.toLowerCase()));
  expect(mails).toHaveLength(1);
  expect(mails[0].subject).toBe('Verify your email address for Atrium');
  const match = /https?:\/\/[^\s/]+\/verify-email\?token=[A-Za-z0-9_%-]+/.exec(mails[0].text);
  if (!match) throw new Error(`no /verify-email link in: ${mails[0].text}`);
  const url = new URL(match[0]);
  return `${origin()}${url.pathname}${url.search}`;
}

const ME = `{ me { email emailVerified } }`;
const focusedId = (page: Page) => page.evaluate(() => (globalThis as any).document.activeElement?.id as string);

maybe('the verify-email page', () => {
  it('a new user opens the link from the email, confirms by keyboard, sees it confirmed and the next step; the link again is refused', async () => {
    const user = await t.signUp({ name: 'Vera Verify', verified: false });
    expect((await t.ok(ME, {}, { as: user })).me).toEqual({ email: user.email, emailVerified: false });
    const link = await verificationLinkFor(user.email);

    const page = await newPage();
    await page.goto(link);
    // The shell's heading shows until the page has asked the API; wait for the answer's.
    await page.getByRole('heading', { level: 1, name: 'Confirm your email address', exact: true }).waitFor();
    expect(await focusedId(page)).toBe('heading');
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'verify-1-confirm');
    expect(await lowContrast(page)).toEqual([]);
    // Opening the link confirms nothing (a mail scanner opens links too): only the button does.
    expect((await t.ok(ME, {}, { as: user })).me.emailVerified).toBe(false);

    // Keyboard only: from the heading, Tab reaches the button; Enter presses it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('Confirm my email address');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Your email address is confirmed' }).waitFor();
    expect(await focusedId(page)).toBe('heading');
    expect(await page.getByRole('status').textContent()).toContain('Invitations sent to it now show');
    // The next step: the playground, where the account signs in.
    await page.getByRole('heading', { level: 2, name: 'Next step' }).waitFor();
    const next = page.getByRole('link', { name: 'Open the playground' });
    expect(await next.getAttribute('href')).toBe('/graphql');
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, 'verify-2-confirmed');
    expect(await lowContrast(page)).toEqual([]);
    expect((await t.ok(ME, {}, { as: user })).me.emailVerified).toBe(true);

    await page.setViewportSize({ width: 1280, height: 800 });
    await next.click();
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });

    // The same link again: used up, and said so, with what to do instead.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByRole('heading', { level: 1, name: 'This confirmation link is not valid' }).waitFor();
    expect(await focusedId(page)).toBe('heading');
    const alert = await page.getByRole('alert').textContent();
    expect(alert).toContain('already used');
    expect(alert).toContain('resendVerificationEmail');
    await page.getByRole('link', { name: 'Open the playground' }).waitFor();
    await screenshot(page, 'verify-3-used');
    expect(await lowContrast(page)).toEqual([]);
    expect((await t.ok(ME, {}, { as: user })).me.emailVerified).toBe(true);
  });

  it('says so for an unknown, an expired or a malformed token, and for a link without one', async () => {
    const page = await newPage();
    await page.goto(`${origin()}/verify-email?token=atv_not-a-real-token`);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByRole('heading', { level: 1, name: 'This confirmation link is not valid' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('unknown');
    await screenshot(page, 'verify-4-unknown');

    const late = await t.signUp({ name: 'Lars Late', verified: false });
    const expired = await verificationLinkFor(late.email);
    await t.sql(`UPDATE email_verification SET expires_at = now() - interval '1 minute' WHERE account_id = $1`, [late.id]);
    await page.goto(expired);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByRole('heading', { level: 1, name: 'This confirmation link is not valid' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('expired');
    expect((await t.ok(ME, {}, { as: late })).me.emailVerified).toBe(false);

    // A token the API refuses as input (a NUL character): the same dead-link page, not a crash.
    // GraphQL over HTTP answers it with 400, which Chromium lists as a console error: that one is expected.
    const watched = open[open.length - 1];
    await page.goto(`${origin()}/verify-email?token=atv_${encodeURIComponent('\u0000')}`);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByRole('heading', { level: 1, name: 'This confirmation link is not valid' }).waitFor();
    expect(watched.errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);

    await page.goto(`${origin()}/verify-email`);
    await page.getByRole('heading', { level: 1, name: 'This link is incomplete' }).waitFor();
    await page.getByRole('link', { name: 'Open the playground' }).waitFor();
  });
});
