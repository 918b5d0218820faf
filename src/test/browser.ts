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

/**
 * Text on the page whose contrast with its background is below WCAG AA's 4.5:1 (normal text):
 * each element with text of its own, its colour against the first opaque background up its
 * ancestors (white at the top). Disabled controls are exempt, as in WCAG.
 */
export function lowContrast(page: Page): Promise<{ text: string; ratio: number }[]> {
  return page.evaluate(() => {
    const g = globalThis as any;
    const parse = (value: string) => {
      const m = /rgba?\(([^)]+)\)/.exec(value);
      if (!m) return null;
      const [r, gr, b, a = 1] = m[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r, g: gr, b, a };
    };
    const luminance = (c: { r: number; g: number; b: number }) => {
      const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
    };
    const background = (el: any) => {
      for (let node = el; node; node = node.parentElement) {
        const c = parse(g.getComputedStyle(node).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const low: { text: string; ratio: number }[] = [];
    for (const el of g.document.body.querySelectorAll('*')) {
      const own = [...el.childNodes]
        .filter((n: any) => n.nodeType === 3 && n.textContent.trim())
        .map((n: any) => n.textContent.trim())
        .join(' ');
      if (!own || el.closest('[disabled]') || !el.getClientRects().length) continue;
      const fg = parse(g.getComputedStyle(el).color);
      if (!fg) continue;
      const [l1, l2] = [luminance(fg), luminance(background(el))].sort((a, b) => b - a);
      const ratio = Math.round(((l1 + 0.05) / (l2 + 0.05)) * 100) / 100;
      if (ratio < 4.5) low.push({ text: own.slice(0, 60), ratio });
    }
    return low;
  });
}
