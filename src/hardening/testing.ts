import { Writable } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import { loadConfig, type Config } from '../config';
import { createDataSource } from '../db/data-source';
import { createServer } from '../server';
import { TestServer, cloneTemplateDatabase } from '../test/harness';
import { createLogger } from './logging';

/** Everything a server logged, as text and as parsed JSON lines. */
export class LogCapture {
  readonly chunks: string[] = [];
  readonly stream = new Writable({
    write: (chunk, _encoding, done) => {
      this.chunks.push(String(chunk));
      done();
    },
  });
  get text(): string { return this.chunks.join(''); }
  get lines(): Record<string, any>[] { return this.text.split('\n').filter(Boolean).map((l) => JSON.parse(l)); }
}

/**
 * Like TestServer.start, with the options the harness does not take: a captured logger (level
 * trace), another schema, or a database URL of the caller's (e.g. through a proxy it can cut).
 */
export async function startServer(options: { overrides?: Partial<Config>; schema?: GraphQLSchema; capture?: LogCapture; databaseUrl?: (cloneUrl: string) => string | Promise<string> } = {}): Promise<TestServer> {
  const clone = await cloneTemplateDatabase();
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', ...options.overrides };
  const url = options.databaseUrl ? await options.databaseUrl(clone.url) : clone.url;
  const db = createDataSource({ url, poolSize: 5 });
  await db.initialize();
  const logger = options.capture ? createLogger({ level: 'trace', destination: options.capture.stream }) : undefined;
  const server = await createServer({ db, config, schema: options.schema, logger });
  const endpoint = await server.listen(0, '127.0.0.1');
  return new TestServer(endpoint, db, server, config, clone.drop, clone.url);
}
