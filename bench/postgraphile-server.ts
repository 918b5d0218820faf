/**
 * PostGraphile 4.14 over Atrium's tables, read-only (no default mutations): the "upper bound
 * without authorization" — it answers the same questions with generated, look-ahead SQL and
 * checks nothing. (PostGraphile 5 needs Node 22; this machine runs Node 20.)
 *
 * Env: DATABASE_URL, PORT.
 */
import http from 'node:http';
import Module from 'node:module';
import path from 'node:path';

// PostGraphile 4 needs graphql 15, which npm nested under postgraphile/; but graphile-build-pg and
// graphql-parse-resolve-info were hoisted next to Atrium's graphql 16 and would load that one
// ("Cannot use GraphQLNonNull from another module or realm"). Send every `graphql` import of
// this process to the nested copy.
const nestedGraphql = path.dirname(require.resolve('postgraphile/package.json'));
const resolveFilename = (Module as unknown as { _resolveFilename: (request: string, parent: unknown, ...rest: unknown[]) => string })._resolveFilename;
(Module as unknown as { _resolveFilename: typeof resolveFilename })._resolveFilename = function (request, parent, ...rest) {
  if (request === 'graphql' || request.startsWith('graphql/')) {
    return resolveFilename.call(
      this,
      request,
      { id: nestedGraphql, filename: path.join(nestedGraphql, 'index.js'), paths: [path.join(nestedGraphql, 'node_modules')] },
      ...rest,
    );
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postgraphile } = require('postgraphile') as typeof import('postgraphile');

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT || 4200);

const middleware = postgraphile(url, 'public', {
  disableDefaultMutations: true,
  graphqlRoute: '/graphql',
  graphiql: false,
  retryOnInitFail: false,
  disableQueryLog: true,
  ignoreRBAC: true,
  ignoreIndexes: true,
  setofFunctionsContainNulls: false,
  enableQueryBatching: false,
  dynamicJson: true,
  watchPg: false,
  extendedErrors: ['errcode'],
});

http.createServer(middleware).listen(port, process.env.HOST || '127.0.0.1', () => console.log(`postgraphile on http://127.0.0.1:${port}/graphql`));
process.on('SIGTERM', () => process.exit(0));
