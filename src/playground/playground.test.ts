import { TestServer } from '../test/harness';

let t: TestServer;
beforeAll(async () => {
  t = await TestServer.start();
});
afterAll(() => t.stop());

const origin = () => new URL(t.url).origin;

/** Every src/href in the page: scripts, styles, icons, anything the browser would fetch. */
const referencesIn = (html: string) => [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);

describe('the playground page', () => {
  it('is served to a browser on GET /graphql, and every script and style it references comes from this server', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('graphiql');
    // The browser itself refuses anything from elsewhere.
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);

    const refs = referencesIn(html);
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]);
    const styles = [...html.matchAll(/<link\b[^>]*rel\s*=\s*["']stylesheet["'][^>]*>/gi)].map((m) => /href\s*=\s*["']([^"']+)["']/i.exec(m[0])![1]);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(styles.length).toBeGreaterThanOrEqual(1);

    for (const ref of refs) {
      const url = new URL(ref, t.url);
      expect(url.origin).toBe(origin());
      const asset = await fetch(url);
      expect({ ref, status: asset.status }).toEqual({ ref, status: 200 });
      const body = await asset.text();
      expect(body.length).toBeGreaterThan(0);
      if (scripts.includes(ref)) expect(asset.headers.get('content-type')).toMatch(/javascript/);
      if (styles.includes(ref)) expect(asset.headers.get('content-type')).toMatch(/text\/css/);
    }
  });

  it('mentions no external URL: no http(s):// to another host, no protocol-relative //cdn…', async () => {
    const html = await (await fetch(t.url, { headers: { accept: 'text/html' } })).text();
    const absolute = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/gi)].map((m) => m[0]).filter((u) => new URL(u).origin !== origin());
    expect(absolute).toEqual([]);
    expect(html).not.toMatch(/["'(=]\s*\/\/[a-z0-9.-]+/i);
    // The stylesheet pulls in no fonts or images from elsewhere.
    for (const ref of referencesIn(html).filter((r) => r.endsWith('.css'))) {
      const css = await (await fetch(new URL(ref, t.url))).text();
      expect(css).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
      expect(css).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    }
  });

  it('is not served to API clients: GET /graphql without text/html is a GraphQL request', async () => {
    const res = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${origin()}/playground/assets/nope.js`)).status).toBe(404);
  });
});
