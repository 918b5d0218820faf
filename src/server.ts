import http from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import { GraphQLError, Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { authenticate } from './auth/authenticate';
import { clientAddressOf } from './auth/client-address';
import type { Config } from './config';
import { createContext, type Context } from './context';
import { checkVariables } from './common/text-guard';
import { classifyError, formatError } from './errors-format';
import { compilingGateway, type CompilingOptions } from './execution';
import { healthRouter } from './hardening/health';
import { bodyErrorHandler, bodyLimitBytes, chain, corsMiddleware, csrfGuard, finalErrorHandler, jsonBody, legacyJsonStatusPlugin } from './hardening/http';
import { armorValidationRules, checkCost, parseOptions, repetitionGuard } from './hardening/limits';
import { attachHttp, createLogger, httpOf, loggingPlugin, requestLogger, type Logger, type RequestLogState } from './hardening/logging';
import { playgroundHtml, playgroundRouter } from './playground/playground';
import { pagesRouter } from './web/pages';
import { codeRouter } from './code/code.route';
import { refusalMemory, type RefusalMemory } from './hardening/refusals';
import { AtriumMetrics } from './observability/metrics';
import { metricsRouter } from './observability/metrics-route';
import { compiledExecutionSpan, tracingActive } from './observability/spans';
import { buildAtriumSchema } from './schema';

export interface AtriumServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  logger: Logger;
  /** Documents refused for their text, answered from memory when repeated (hardening/refusals.ts). */
  refusals: RefusalMemory['stats'];
  /** The process's metrics when METRICS_TOKEN is set (observability/metrics.ts), else null. */
  metrics: AtriumMetrics | null;
  /** Listens on `port` (0: any free port) and resolves with the URL of the GraphQL endpoint. */
  listen(port: number, host?: string): Promise<string>;
  /**
   * The first step of a shutdown: /readyz answers 503 from now on (requests are still served), and
   * the promise resolves after `seconds`, when a load balancer has seen it and stopped sending.
   */
  drain(seconds: number): Promise<void>;
  /** Drains HTTP, stops Apollo. The data source is the caller's to close. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  db: DataSource;
  config: Config;
  schema?: GraphQLSchema;
  /** Structured logger (pino); default: createLogger() — JSON on stdout, silent under jest. */
  logger?: Logger;
  /** Extra sink for unexpected errors (they are logged through `logger` in any case). */
  log?: (e: unknown) => void;
  /** When hot queries get compiled (execution.ts); by default from their second use. */
  execution?: CompilingOptions;
}

/**
 * The playground page may load scripts, styles, fonts and data from this server only (GraphiQL
 * sets inline styles, hence 'unsafe-inline' for styles), and may not be framed.
 */
const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');

const wantsHtml = (req: express.Request) => req.method === 'GET' && !req.query.query && (req.headers.accept ?? '').includes('text/html');

/**
 * Builds the HTTP server: Apollo on /graphql (POST and GET), the offline playground on a browser's
 * GET /graphql, the pages behind the email links (web/pages.ts), code archive downloads
 * (code/code.route.ts), health probes, request logs, and the limits of src/hardening. Used by index.ts and
 * by the tests, so both run the same stack.
 */
export async function createServer(options: ServerOptions): Promise<AtriumServer> {
  const { db, config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const schema = options.schema ?? (await buildAtriumSchema());
  const app = express();
  const metrics = config.metricsToken ? new AtriumMetrics(db) : null;
  // First, so answers given before Apollo (refusals, body errors, health probes) are counted too.
  if (metrics) app.use(metrics.http());
  app.disable('x-powered-by');
  app.set('etag', false);
  // req.ip: the connection's address, or with TRUST_PROXY=n the address the n-th proxy from here saw.
  app.set('trust proxy', config.trustProxy > 0 ? config.trustProxy : false);
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' });
    next();
  });
  const timeouts = config.httpTimeouts;
  const httpServer = http.createServer(
    {
      headersTimeout: timeouts.headersSeconds * 1000,
      requestTimeout: timeouts.requestSeconds * 1000,
      keepAliveTimeout: timeouts.keepAliveSeconds * 1000,
      // How often Node checks the first two; its 30-second default would let a slow client overstay a short limit.
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, (timeouts.headersSeconds * 1000) / 4)),
    },
    app,
  );
  let draining = false;
  const refusals = refusalMemory();
  const apollo = new ApolloServer<Context>({
    // Apollo parses, validates and runs the plugins; execution compiles hot documents (execution.ts).
    gateway: compilingGateway(schema, tracingActive() ? { ...options.execution, aroundCompiled: compiledExecutionSpan } : options.execution),
    introspection: config.introspection ?? true,
    includeStacktraceInErrorResponses: config.isDevelopment,
    // Replaced by csrfGuard (hardening/http.ts), which relaxes only plain GET queries; see there why.
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries are off: Apollo keeps them in memory per worker, so with several
    // workers a hash registered on one is unknown to the next, and no client of Atrium relies on them.
    persistedQueries: false,
    // index.ts owns SIGINT/SIGTERM (drain HTTP, stop jobs, close the pool, then exit). Apollo's own
    // handlers would race it: they stop the server and re-raise the signal, and index.ts's
    // server.stop() then never returned, so every shutdown ended by the 15-second force exit.
    stopOnTerminationSignals: false,
    parseOptions,
    validationRules: armorValidationRules(),
    formatError: (formatted, error) => formatError(formatted, error, { development: config.isDevelopment, production: config.isProduction ?? false }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's default cache-control plugin visits every resolved field; Atrium sets no cache hints.
      ApolloServerPluginCacheControlDisabled(),
      requestGate(db, refusals),
      loggingPlugin(logger, options.log),
      persistedQueryRefusal(),
      ...(metrics ? [metrics.graphqlPlugin<Context>()] : []),
      legacyJsonStatusPlugin((ctx) => httpOf(ctx)?.req),
      // Last: it remembers the final answer.
      refusals.recorder((ctx) => httpOf(ctx)?.req),
    ],
  });
  await apollo.start();

  const limit = bodyLimitBytes(config.maxCodeBytes);
  app.use(requestLogger(logger));
  app.use(healthRouter(db, logger, () => draining));
  if (metrics) app.use(metricsRouter(metrics, config.metricsToken!));
  app.use(playgroundRouter());
  app.use(pagesRouter());
  app.use(codeRouter(db, config, logger));
  app.get('/graphql', (req, res, next) =>
    wantsHtml(req) ? res.type('html').set('Content-Security-Policy', PLAYGROUND_CSP).send(playgroundHtml('/graphql')) : next(),
  );
  app.use(
    '/graphql',
    chain([
      corsMiddleware(config.corsOrigins),
      csrfGuard(),
      jsonBody(limit),
      bodyErrorHandler(limit),
      refusals.replay,
      repetitionGuard(refusals),
      // The caller is identified later, by requestGate, once the document is known to be valid.
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          const state = res.locals.log as RequestLogState;
          const ctx = createContext({ db, config, requestId: state.requestId, clientAddress: clientAddressOf(req.ip ?? req.socket.remoteAddress) });
          attachHttp(ctx, req, res);
          return ctx;
        },
      }),
    ]),
  );
  app.use(
    finalErrorHandler((error) => {
      logger.error({ err: error }, 'unexpected error');
      options.log?.(error);
    }),
  );

  return {
    app,
    httpServer,
    apollo,
    logger,
    refusals: refusals.stats,
    metrics,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve(`http://${host ?? 'localhost'}:${actual}/graphql`);
        });
      }),
    drain: async (seconds) => {
      draining = true;
      if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    },
    stop: () => apollo.stop(),
  };
}

/**
 * What every operation passes after parsing and validation and before it executes, in this order:
 * no unstorable text in its arguments, an estimated cost within the limit, and then — only for a
 * request that got this far — the caller's identity (one statement: token, account and
 * memberships). A malformed, invalid or too costly request is so refused without touching the
 * database. One plugin, because Apollo runs the didResolveOperation hooks of different plugins
 * concurrently, and a refusal must come before authentication's query, not race it.
 */
function requestGate(db: DataSource, refusals: RefusalMemory): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema, contextValue: ctx }) {
          if (!operation) throw unresolvedOperation(request.operationName, document);
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are not supported: the API has no subscription operations yet.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          const http = httpOf(ctx);
          checkVariables(request.variables, document, operation);
          try {
            checkCost({ document, operation: operation ?? undefined, schema, variables: request.variables });
          } catch (refusal) {
            // Without variables, and with one operation in the document, the same text costs the same every time.
            const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
            if (http && operations === 1 && !operation?.variableDefinitions?.length) refusals.refusedForText(http.req);
            throw refusal;
          }
          let auth: Awaited<ReturnType<typeof authenticate>>;
          try {
            auth = await authenticate(db, http?.req.headers.authorization);
          } catch (error) {
            throw authenticationFailure(error);
          }
          ctx.user = auth.user;
          ctx.token = auth.token;
          ctx.preloadedMemberships = auth.memberships;
          if (http?.log) http.log.userId = auth.user?.id;
        },
      };
    },
  };
}

/**
 * The document has no operation of the requested name (or several and no name): a client error,
 * answered before the limits and authentication, which need the operation, run. The code is
 * Apollo's, with graphql-js's messages.
 */
function unresolvedOperation(operationName: string | null | undefined, document: DocumentNode): GraphQLError {
  const named = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : named
      ? 'Must provide operation name if query contains multiple operations.'
      : 'Must provide an operation.';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
}

/**
 * With automatic persisted queries off, Apollo answers a request carrying the extension with
 * PERSISTED_QUERY_NOT_SUPPORTED and status 200 (the APQ protocol's cue to resend the full query);
 * Atrium answers 400, as for any request it cannot run as sent. Clients that speak APQ read the
 * code either way and resend without the extension.
 */
function persistedQueryRefusal(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors?.length && errors.every((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_SUPPORTED')) response.http.status = 400;
        },
      };
    },
  };
}

/**
 * Authentication failed. A bad token answers 401 (RFC 6750), a database outage 503 (the cause
 * kept as originalError); the logging plugin logs outages and unexpected errors, once.
 */
function authenticationFailure(error: unknown): unknown {
  if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
    return new GraphQLError(error.message, {
      extensions: { ...error.extensions, http: { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer error="invalid_token"']]) } },
    });
  }
  if (error instanceof GraphQLError && error.extensions.code) return error;
  if (classifyError(error) === 'unavailable') {
    return new GraphQLError('The database is unavailable; try again shortly.', {
      originalError: error instanceof Error ? error : undefined,
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new HeaderMap([['retry-after', '5']]) } },
    });
  }
  return error;
}
