import type { ApolloServerPlugin } from '@apollo/server';
import cors from 'cors';
import express from 'express';
import type { Context } from '../context';

/**
 * CORS for /graphql. `origins` unset (CORS_ORIGINS empty): any origin may call the API, without
 * credentials (`Access-Control-Allow-Origin: *`). That is safe because Atrium authenticates by the
 * Authorization header only — a browser never attaches it on its own, so a foreign page can do
 * nothing a script run outside a browser could not do anyway. Set CORS_ORIGINS to limit which web
 * front ends may read responses; other origins then get no CORS headers and the browser blocks them.
 */
export function corsMiddleware(origins: string[] | undefined): express.RequestHandler {
  return cors<cors.CorsRequest>({
    origin: origins && origins.length ? origins : '*',
    credentials: false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'X-Request-Id', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}

/** The request body limit: a code push of `maxCodeBytes`, base64-encoded (4/3), plus room for the rest of the request. */
export const bodyLimitBytes = (maxCodeBytes: number) => Math.ceil((maxCodeBytes * 4) / 3) + 64 * 1024;

const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** An error answer shaped like a GraphQL one, for the answers given outside Apollo. */
export const graphqlError = (res: express.Response, status: number, message: string, extensions: Record<string, unknown>) => {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify({ errors: [{ message, extensions }] }));
};

/**
 * Cross-site request forgery guard, replacing Apollo's `csrfPrevention` (turned off in server.ts).
 *
 * Apollo refuses any request a browser could send cross-site without a preflight: a GET, or a POST
 * with a form or text/plain body, unless it carries an Apollo-Require-Preflight or
 * X-Apollo-Operation-Name header. Atrium never reads cookies (auth is the Authorization header), so
 * such a request carries no credentials and runs as a guest — it can do nothing the attacking page
 * could not do by itself. We therefore relax exactly one case, the one the GraphQL-over-HTTP audit
 * (graphql-http) exercises: plain GET queries, as sent by curl, links and caches. GET can only run
 * queries (Apollo answers 405 to a mutation over GET). A POST still needs a JSON content type or one
 * of those headers, exactly as Apollo does it.
 */
export function csrfGuard(): express.RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const contentType = req.headers['content-type'];
    const essence = contentType?.split(';')[0].trim().toLowerCase();
    const simple = essence === undefined || SIMPLE_CONTENT_TYPES.has(essence);
    const preflighted = ['apollo-require-preflight', 'x-apollo-operation-name'].some((h) => String(req.headers[h] ?? '').length > 0);
    if (simple && !preflighted) {
      graphqlError(res, 400, 'This request was refused as a possible cross-site request forgery: send it with Content-Type: application/json.', {
        code: 'BAD_REQUEST',
      });
      return;
    }
    next();
  };
}

/** JSON bodies up to `limit` bytes; bigger ones get 413 before they are read further. */
export function jsonBody(limit: number): express.RequestHandler {
  return express.json({ limit });
}

/**
 * Body-parser failures as GraphQL-shaped JSON errors: 413 for an oversized body, 400 for anything
 * else it refuses — malformed JSON, an unsupported charset or encoding, a body that does not
 * decompress as its Content-Encoding says. Those last came with no `type` and reached Express's
 * default handler, which answered an HTML page with a stack trace.
 */
export function bodyErrorHandler(limit: number): express.ErrorRequestHandler {
  return (error, _req, res, next) => {
    const { type, status } = error as { type?: string; status?: number };
    if (res.headersSent) return next(error);
    if (type === 'entity.too.large') {
      graphqlError(res, 413, `The request body is larger than the limit of ${limit} bytes.`, { code: 'PAYLOAD_TOO_LARGE', limitBytes: limit });
      return;
    }
    if (type === 'entity.parse.failed') {
      graphqlError(res, 400, 'The request body is not valid JSON.', { code: 'BAD_REQUEST' });
      return;
    }
    // body-parser marks every refusal of the request's own with a 4xx status (http-errors).
    if (typeof status === 'number' && status >= 400 && status < 500) {
      graphqlError(res, 400, 'The request body could not be read: its character set or Content-Encoding is not supported, or it does not match them.', {
        code: 'BAD_REQUEST',
      });
      return;
    }
    next(error);
  };
}

/**
 * Express's last error handler: whatever no handler before answered is the server's fault, and is
 * answered as GraphQL-shaped JSON with no stack trace (Express's own default is an HTML page
 * holding one, outside NODE_ENV=production), and logged.
 */
export function finalErrorHandler(log: (error: unknown) => void): express.ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    log(error);
    graphqlError(res, 500, 'Internal server error.', { code: 'INTERNAL_SERVER_ERROR' });
  };
}

const DOCUMENT_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * GraphQL over HTTP: a client that accepts only the legacy `application/json` gets 200 for every
 * well-formed request, errors included (parse, validation, variable coercion, query limits); one
 * that accepts `application/graphql-response+json` gets 4xx for those, as Apollo answers. Apollo
 * always answers 400, so the audit warned; `req.accepts` makes the same choice Apollo makes for the
 * response's content type.
 */
export function legacyJsonStatusPlugin(requestOf: (ctx: Context) => express.Request | undefined): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          // Only a well-formed request whose GraphQL document or variables are refused; a malformed
          // request (no query, a query that is not a string…) keeps its 400.
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.length || !errors.every((e) => DOCUMENT_ERRORS.has(String(e.extensions?.code)))) return;
          const req = requestOf(contextValue);
          if (!req) return;
          const accept = req.headers.accept;
          const chosen = accept ? req.accepts(['application/json', 'application/graphql-response+json']) : 'application/json';
          if (chosen === 'application/json') response.http.status = 200;
        },
      };
    },
  };
}

type Handler = express.RequestHandler | express.ErrorRequestHandler;

/**
 * Express middleware run in sequence as one: what Express's router does with a list of handlers
 * given to `app.use` — an error (anything truthy but 'route') skips to the next error handler,
 * the one of four parameters; 'route' just moves on; a rejected promise is an error; whatever is
 * left, and 'router', goes to `next` — without a router layer per handler: its path matching and
 * bookkeeping allocated more per request than the handlers themselves on small queries.
 */
export function chain(handlers: readonly Handler[]): express.RequestHandler {
  return (req, res, done) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error === 'router') return done(error);
      const failure = error === 'route' ? undefined : error;
      while (index < handlers.length) {
        const handler = handlers[index++];
        const handlesErrors = handler.length === 4;
        if (handlesErrors !== Boolean(failure)) continue;
        try {
          const result: unknown = handlesErrors
            ? (handler as express.ErrorRequestHandler)(failure, req, res, next)
            : (handler as express.RequestHandler)(req, res, next);
          if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
            (result as PromiseLike<unknown>).then(undefined, (rejection: unknown) => next(rejection || new Error('Rejected promise')));
          }
        } catch (thrown) {
          next(thrown);
        }
        return;
      }
      done(failure);
    };
    next();
  };
}
