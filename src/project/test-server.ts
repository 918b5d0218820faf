import type { Logger } from 'typeorm';
import { loadConfig, type Config } from '../config';
import { createDataSource } from '../db/data-source';
import { createServer } from '../server';
import { cloneTemplateDatabase, TestServer } from '../test/harness';

/**
 * A TestServer like `TestServer.start()`, but with hooks the project tests need: `log` receives
 * everything the server logs, and `logger` sees every SQL statement it runs.
 */
export async function startInstrumentedServer(options: { log?: (e: unknown) => void; logger?: Logger; config?: Partial<Config> } = {}): Promise<TestServer> {
  const clone = await cloneTemplateDatabase();
  const config = { ...loadConfig({}), port: 0, host: '127.0.0.1', ...options.config };
  const db = createDataSource({ url: clone.url, poolSize: 10 });
  if (options.logger) db.setOptions({ logging: ['query'], logger: options.logger });
  await db.initialize();
  const server = await createServer({ db, config, log: options.log ?? (() => undefined) });
  const url = await server.listen(0, '127.0.0.1');
  return new TestServer(url, db, server, config, clone.drop, clone.url);
}
