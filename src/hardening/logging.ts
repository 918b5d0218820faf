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
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'password',
  '*.password',
  'currentPassword',
  '*.currentPassword',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'value',
  '*.value',
  'variables',
  '*.variables',
  'parameters',
  '*.parameters',
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

let shared: Logger | undefined;

/**
 * The logger for code that was handed none (a mail pass run on its own, a resolver's clean-up of
 * stored files): createLogger's, made once, so each caller does not open its own stdout stream.
 */
export function defaultLogger(): Logger {
  return (shared ??= createLogger());
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

export interface RequestHttp {
  req: express.Request;
  res: express.Response;
  log: RequestLogState;
}

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

/** A client's User-Agent is logged up to this length: it is the client's to choose, and a line should stay a line. */
const USER_AGENT_MAX = 256;

/** Responses that never carry a body, whatever Content-Length says. */
const bodyless = (req: express.Request, status: number) => req.method === 'HEAD' || status === 204 || status === 304;

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
 * which may hold GraphQL variables), status, duration, the client's address (`req.ip`, so the
 * socket's peer unless Express is told to trust a proxy), its user agent, the response body's size
 * in bytes, GraphQL operation name and user id. The id is echoed as the X-Request-Id response
 * header and is the context's `requestId`.
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
    // The body's size: Content-Length where the response declares it (res.send, res.json and
    // static files do), else what was written, counted only for such streamed responses.
    let written = 0;
    const { write, end } = res;
    const count = (chunk: unknown, encoding: unknown) => {
      if (chunk && typeof chunk !== 'function' && !res.hasHeader('content-length')) {
        written +=
          typeof chunk === 'string'
            ? Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
            : (chunk as Uint8Array).byteLength;
      }
    };
    res.write = function (this: express.Response, chunk: unknown, ...rest: unknown[]) {
      count(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: express.Response, chunk?: unknown, ...rest: unknown[]) {
      count(chunk, rest[0]);
      return (end as (...args: unknown[]) => express.Response).call(this, chunk, ...rest);
    } as typeof res.end;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = res.headersSent ? res.statusCode : 499;
      const declared = Number(res.getHeader('content-length'));
      const userAgent = req.headers['user-agent'];
      const line = {
        reqId: requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        clientAddress: req.ip ?? req.socket.remoteAddress,
        ...(userAgent ? { userAgent: userAgent.slice(0, USER_AGENT_MAX) } : {}),
        responseBytes: status === 499 || bodyless(req, status) ? 0 : Number.isFinite(declared) ? declared : written,
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
