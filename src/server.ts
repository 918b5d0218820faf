import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { authenticate } from './auth/authenticate';
import type { Config } from './config';
import { createContext, type Context } from './context';
import { formatError } from './errors-format';
import { playgroundHtml, playgroundRouter } from './playground/playground';
import { buildAtriumSchema } from './schema';

export interface AtriumServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Listens on `port` (0: any free port) and resolves with the URL of the GraphQL endpoint. */
  listen(port: number, host?: string): Promise<string>;
  /** Drains HTTP, stops Apollo. The data source is the caller's to close. */
  stop(): Promise<void>;
}

const wantsHtml = (req: express.Request) =>
  req.method === 'GET' && !req.query.query && (req.headers.accept ?? '').includes('text/html');

/**
 * Builds the HTTP server: Apollo on /graphql (POST and GET), the offline playground on a browser's
 * GET /graphql, and health probes. Used by index.ts and by the tests, so both run the same stack.
 */
export async function createServer(options: { db: DataSource; config: Config; schema?: GraphQLSchema; log?: (e: unknown) => void }): Promise<AtriumServer> {
  const { db, config } = options;
  const log = options.log ?? ((e: unknown) => console.error(e));
  const schema = options.schema ?? (await buildAtriumSchema());
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: config.isDevelopment,
    formatError: (formatted, error) => formatError(formatted, error, config.isDevelopment, log),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(playgroundRouter());
  app.get('/graphql', (req, res, next) => (wantsHtml(req) ? res.type('html').send(playgroundHtml('/graphql')) : next()));
  app.use(
    '/graphql',
    cors<cors.CorsRequest>(),
    express.json({ limit: Math.ceil(config.maxCodeBytes * 1.4) + 64 * 1024 }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const { user, token } = await authenticate(db, req.headers.authorization);
        return createContext({ db, config, user, token, requestId: String(req.headers['x-request-id'] ?? randomUUID()) });
      },
    }),
  );

  return {
    app,
    httpServer,
    apollo,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve(`http://${host ?? 'localhost'}:${actual}/graphql`);
        });
      }),
    stop: () => apollo.stop(),
  };
}
