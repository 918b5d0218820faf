import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type express from 'express';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Context } from '../context';
import { classifyError } from '../errors-format';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear, as a second line of defence: the request log below
 * never includes headers, bodies, query strings or variables in the first place.
 */
const REDACT = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers.cookie', '*.headers.cookie',
  'password', '*.password', 'currentPassword', '*.currentPassword', 'newPassword', '*.newPassword',
  'token', '*.token', 'value', '*.value', 'variables', '*.variables', 'parameters', '*.parameters',
];

/**
 * The process logger: JSON lines on stdout (or `destination`, which tests use to capture output).
 * Level: `level`, else LOG_LEVEL, else `silent` under jest (NODE_ENV=test) and `info` otherwise.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return pino(
    {
      level,
      base: { service: 'atrium' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    // stdout is written asynchronously in 4 KiB chunks: a synchronous write per request line costs
    // the event loop more than the request itself. index.ts flushes it on shutdown.
    options.destination ?? pino.destination({ sync: false, minLength: 4096 }),
  );
}

/**
 * Errors are logged by an explicit list of properties: a TypeORM QueryFailedError carries the
 * query's `parameters` (password hashes, token hashes, variable values), which must never be logged.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  const e = unwrapResolverError(error) as { name?: string; message?: string; code?: unknown; stack?: string; query?: unknown } | undefined;
  if (!e || typeof e !== 'object') return { message: String(error) };
  return {
    type: e.name ?? e.constructor?.name ?? 'Error',
    message: e.message,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(typeof e.query === 'string' ? { query: e.query } : {}),
    stack: e.stack,
  };
}

/** What the request log line learns during a request (set by the Apollo plugin and the context function). */
export interface RequestLogState {
  requestId: string;
  operationName?: string | null;
  userId?: string;
}

/** The HTTP request behind a GraphQL context. A symbol property, because Apollo shallow-clones the context per operation. */
const HTTP = Symbol('atrium.http');

export interface RequestHttp { req: express.Request; res: express.Response; log: RequestLogState }

/** Links a GraphQL context to its HTTP request and log state, so plugins can reach them. */
export function attachHttp(ctx: Context, req: express.Request, res: express.Response): void {
  (ctx as unknown as Record<symbol, RequestHttp>)[HTTP] = { req, res, log: res.locals.log as RequestLogState };
}

export const httpOf = (ctx: unknown): RequestHttp | undefined =>
  ctx && typeof ctx === 'object' ? (ctx as Record<symbol, RequestHttp | undefined>)[HTTP] : undefined;

const logStateOf = (ctx: unknown): RequestLogState | undefined => httpOf(ctx)?.log;

/** A client-supplied X-Request-Id is kept when it looks like an id; otherwise one is made up. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The request lines' own logger: the level `logger` has when the server starts, the same base
 * fields and timestamps as createLogger's, `logger`'s output stream — and no redaction. A request
 * line is built field by field from values that hold no secret, so redaction never changed one,
 * and running its 18 censor paths over every line cost more than writing it (5 % of W3's CPU).
 */
function accessLogger(logger: Logger): Logger {
  const stream = (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  return pino({ level: logger.level, base: { service: 'atrium' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/**
 * One JSON line per HTTP request when it ends: request id, method, path (never the query string,
 * which may hold GraphQL variables), status, duration, GraphQL operation name and user id. The id
 * is echoed as the X-Request-Id response header and is the context's `requestId`.
 */
export function requestLogger(logger: Logger): express.RequestHandler {
  const access = accessLogger(logger);
  return (req, res, next) => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && SAFE_ID.test(header) ? header : randomUUID();
    const state: RequestLogState = { requestId };
    res.locals.log = state;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const line = {
        reqId: requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.headersSent ? res.statusCode : 499,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        ...(state.operationName ? { operationName: state.operationName } : {}),
        ...(state.userId ? { userId: state.userId } : {}),
      };
      if (QUIET_PATHS.has(line.path) && res.statusCode < 500) access.debug(line, 'request');
      else access.info(line, 'request');
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

/**
 * Apollo plugin: records the operation name for the request log line, and logs unexpected errors
 * (and database outages, as warnings) with the request id. Expected errors (NOT_FOUND, FORBIDDEN, …)
 * are the API working as designed and are not logged.
 */
export function loggingPlugin(logger: Logger, extraSink?: (error: unknown) => void): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operationName }) {
          const state = logStateOf(contextValue);
          if (state) state.operationName = operationName;
        },
        async didEncounterErrors({ contextValue, errors, operationName }) {
          const reqId = logStateOf(contextValue)?.requestId ?? contextValue?.requestId;
          for (const error of errors) {
            const kind = classifyError(error);
            if (kind === 'public') continue;
            const fields = { reqId, operationName: operationName ?? undefined, path: error.path?.join('.'), err: error };
            if (kind === 'unavailable') logger.warn(fields, 'database unavailable');
            else {
              logger.error(fields, 'unexpected error');
              extraSink?.(error);
            }
          }
        },
      };
    },
  };
}
