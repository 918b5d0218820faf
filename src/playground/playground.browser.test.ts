import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { TestServer } from '../test/harness';

/**
 * Drives the playground in a real browser: Debian's Chromium (apt-get install chromium). Skipped,
 * with a message, where it is not installed.
 */
const CHROMIUM = '/usr/bin/chromium';
const exists = fs.existsSync(CHROMIUM);
if (!exists) console.warn(`playground browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

let t: TestServer;
let browser: Browser;
beforeAll(async () => {
  if (!exists) return;
  t = await TestServer.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

(exists ? it : it.skip)('runs { me { id email } } with an Authorization header set in GraphiQL\'s headers editor, loading nothing from elsewhere', async () => {
  const user = await t.signUp();
  const origin = new URL(t.url).origin;
  const page = await browser.newPage();
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The page's Content-Security-Policy would report anything it blocked here. (Watched from the
  // moment a real token is set: the default headers hold a placeholder token, which the server
  // refuses with 401 when GraphiQL first fetches the schema.)
  let tokenSet = false;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (!tokenSet && /status of 401/.test(m.text())) return;
    pageErrors.push(m.text());
  });
  // Offline, as far as the page can tell: anything not from this server is recorded and refused.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });

  await page.goto(t.url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });

  // The headers editor: open its tab and type the header in.
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  await headersEditor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${user.token}` }));
  const headersText = await headersEditor.evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
  expect(JSON.parse(headersText)).toEqual({ Authorization: `Bearer ${user.token}` });
  tokenSet = true;

  // The query.
  const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
  await queryEditor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('{ me { id email } }');

  const response = page.waitForResponse((r) => r.url() === t.url && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('me { id email }'));
  await page.locator('.graphiql-execute-button').click();
  const sent = (await response).request();
  expect(sent.headers()['authorization']).toBe(`Bearer ${user.token}`);

  const result = page.locator('.graphiql-response .CodeMirror');
  await page.waitForFunction(
    (email) => (globalThis as any).document.querySelector('.graphiql-response .CodeMirror')?.textContent?.includes(email),
    user.email,
    { timeout: 10_000 },
  );
  const shown = JSON.parse(await result.evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue()));
  expect(shown).toEqual({ data: { me: { id: user.id, email: user.email } } });

  expect(foreign).toEqual([]);
  expect(pageErrors).toEqual([]);
  await page.close();
});
