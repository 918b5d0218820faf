import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Test support for the browser tests: Debian's Chromium (apt-get install chromium), driven by
 * playwright-core. Where it is not installed the tests skip, with a message.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

export function skipWithoutChromium(what: string): void {
  if (!hasChromium) console.warn(`${what} skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Requests to anywhere but the server under test: refused, and listed here. */
  foreign: string[];
  /** Uncaught exceptions and console errors (the Content-Security-Policy reports what it blocks there). */
  errors: string[];
}

/** A new page that may talk to `origin` only, as if offline, and records what went wrong in it. */
export async function watchedPage(browser: Browser, origin: string, viewport = { width: 360, height: 740 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const watched: WatchedPage = { page, foreign: [], errors: [] };
  page.on('pageerror', (e) => watched.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') watched.errors.push(m.text());
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    watched.foreign.push(url);
    return route.abort();
  });
  return watched;
}

/** Where screenshots go for review: test-results/ at the project root (gitignored). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', 'test-results');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** The page's width exceeds the viewport's (something forces sideways scrolling). */
export const scrollsSideways = (page: Page) => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth > (globalThis as any).innerWidth);
