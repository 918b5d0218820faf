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
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
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

/**
 * Boots GraphiQL. The Authorization header is set in GraphiQL's "Headers" tab, e.g.
 * {"Authorization": "Bearer ats_…"}; GraphiQL keeps it in the browser's local storage.
 */
const PLAYGROUND_JS = `(function () {
  var endpoint = document.currentScript.getAttribute('data-endpoint');
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  // An empty Authorization header is a guest; fill in "Bearer <token from signIn>" to act as someone.
  var defaultHeaders = JSON.stringify({ Authorization: '' }, null, 2);
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    headers: localStorage.getItem('graphiql:headers') ? undefined : defaultHeaders,
    shouldPersistHeaders: true,
  }));
})();
`;

const ASSETS: Record<string, string> = {
  'graphiql.min.css': require.resolve('graphiql/graphiql.min.css'),
  'graphiql.min.js': require.resolve('graphiql/graphiql.min.js'),
  'react.production.min.js': path.join(path.dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': path.join(path.dirname(require.resolve('react-dom/package.json')), 'umd', 'react-dom.production.min.js'),
};

/** Routes for the playground's own files, under /playground. */
export function playgroundRouter(): Router {
  const router = express.Router();
  router.get('/playground/playground.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(PLAYGROUND_JS);
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
