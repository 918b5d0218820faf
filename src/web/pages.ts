import path from 'node:path';
import express, { Router } from 'express';

/**
 * The pages behind the email links (docs/RULES.md §9): the invitation
 * accept page, the password-reset page and the email-verification page. Each is a static shell; its
 * script (assets/pages.js) reads the token from the address and talks only to the public GraphQL
 * API on /graphql, like any other client. No page reads the database itself, so a front end that
 * keeps its own pages (PUBLIC_URL) can do everything these do.
 */

/**
 * Scripts, styles and images from this server only, no inline script or style at all, requests to
 * this server only, and no framing: the token in the address must not leak to anyone else.
 * form-action 'none': the forms are submitted by the script; without it they go nowhere.
 */
export const PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Assets are copied next to the compiled file by `npm run build`, and sit next to this file in the source tree. */
const ASSET_DIR = path.join(__dirname, 'assets');
const ASSETS: Record<string, string> = { 'pages.js': 'application/javascript', 'pages.css': 'text/css', 'icon.svg': 'image/svg+xml' };

interface PageDefinition {
  /** Which part of pages.js runs. */
  name: 'accept' | 'reset' | 'verify';
  title: string;
  heading: string;
}

const PAGES: Record<string, PageDefinition> = {
  '/invitations/accept': { name: 'accept', title: 'Accept an invitation · Atrium', heading: 'Your invitation' },
  '/password-reset': { name: 'reset', title: 'Choose a new password · Atrium', heading: 'Choose a new password' },
  '/verify-email': { name: 'verify', title: 'Confirm your email address · Atrium', heading: 'Confirm your email address' },
};

/**
 * The shell of one page; the heading and the loading message are what shows until the script
 * runs. The content is no live region: each step moves the focus to its heading instead, and
 * messages within a step are alerts or statuses of their own.
 */
export function pageHtml(page: PageDefinition): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="referrer" content="no-referrer" />
  <title>${page.title}</title>
  <link rel="icon" href="/web/icon.svg" type="image/svg+xml" />
  <link rel="stylesheet" href="/web/pages.css" />
  <script src="/web/pages.js" defer></script>
</head>
<body data-page="${page.name}">
  <header class="brand"><a href="/graphql">Atrium</a></header>
  <main id="main">
    <h1 id="heading" tabindex="-1">${page.heading}</h1>
    <div id="content">
      <p id="loading">Loading…</p>
      <noscript><p class="error">This page needs JavaScript to talk to Atrium. Turn it on and reload the page.</p></noscript>
    </div>
  </main>
</body>
</html>
`;
}

/** Routes for the three pages and their files, under /web. */
export function pagesRouter(): Router {
  const router = express.Router();
  for (const [route, page] of Object.entries(PAGES)) {
    const html = pageHtml(page);
    router.get(route, (_req, res) => {
      // no-store: the address holds a secret, and the page is the same for every token anyway.
      res.type('html').set({ 'Content-Security-Policy': PAGES_CSP, 'Cache-Control': 'no-store' }).send(html);
    });
  }
  router.get('/web/:file', (req, res) => {
    const type = ASSETS[req.params.file];
    if (!type) {
      res.status(404).end();
      return;
    }
    res.type(type).sendFile(path.join(ASSET_DIR, req.params.file), { headers: { 'Cache-Control': 'no-cache' } });
  });
  return router;
}
