import path from 'node:path';
import express, { Router } from 'express';

/** The GraphiQL page, with every script and style served by this server (works offline). */
export function playgroundHtml(endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Atrium GraphQL playground</title>
  <link rel="stylesheet" href="/playground/assets/graphiql.min.css" />
  <link rel="stylesheet" href="/playground/playground.css" />
</head>
<body>
  <div id="graphiql">Loading the playground…</div>
  <script src="/playground/assets/react.production.min.js"></script>
  <script src="/playground/assets/react-dom.production.min.js"></script>
  <script src="/playground/assets/graphiql.min.js"></script>
  <script src="/playground/playground.js" data-endpoint="${endpoint}"></script>
</body>
</html>
`;
}

const ASSETS: Record<string, string> = {
  'graphiql.min.css': require.resolve('graphiql/graphiql.min.css'),
  'graphiql.min.js': require.resolve('graphiql/graphiql.min.js'),
  'react.production.min.js': path.join(path.dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': path.join(path.dirname(require.resolve('react-dom/package.json')), 'umd', 'react-dom.production.min.js'),
};

/**
 * The playground's own script and style: the example document, the sign-in panel (assets/). Copied
 * next to the compiled file by `npm run build`, next to this file in the source tree.
 */
const OWN_FILES: Record<string, string> = {
  'playground.js': path.join(__dirname, 'assets', 'playground.js'),
  'playground.css': path.join(__dirname, 'assets', 'playground.css'),
};

/** Routes for the playground's own files, under /playground. */
export function playgroundRouter(): Router {
  const router = express.Router();
  router.get('/playground/:file', (req, res, next) => {
    const file = OWN_FILES[req.params.file];
    if (!file) return next();
    res.sendFile(file, { headers: { 'Cache-Control': 'no-cache' } });
  });
  router.get('/playground/assets/:file', (req, res) => {
    const file = ASSETS[req.params.file];
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(file, { maxAge: '1d', immutable: true });
  });
  return router;
}
