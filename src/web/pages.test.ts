import { TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const origin = () => new URL(t.url).origin;
const PATHS = ['/invitations/accept?token=ati_x', '/password-reset?token=atr_x', '/verify-email?token=atv_x'];

describe('the pages behind the email links', () => {
  it.each(PATHS)("%s is served with a strict CSP, no inline script or style, and only this server's files", async (path) => {
    const res = await fetch(`${origin()}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('name="viewport"');
    // Every script has a src; no style element or attribute.
    expect([...html.matchAll(/<script\b([^>]*)>/gi)].every((m) => /\bsrc=/.test(m[1]))).toBe(true);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      const url = new URL(ref, `${origin()}${path}`);
      expect(url.origin).toBe(origin());
      if (url.pathname === '/graphql') continue;
      const asset = await fetch(url);
      expect({ ref, status: asset.status }).toEqual({ ref, status: 200 });
    }
  });

  it('serves the script as JavaScript and the style as CSS, and nothing else under /web', async () => {
    const js = await fetch(`${origin()}/web/pages.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain("'/graphql'");
    const css = await fetch(`${origin()}/web/pages.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect(await css.text()).not.toMatch(/url\(|@import/);
    expect((await fetch(`${origin()}/web/pages.ts`)).status).toBe(404);
    expect((await fetch(`${origin()}/web/..%2Fpages.ts`)).status).toBe(404);
  });
});
