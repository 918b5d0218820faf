import 'reflect-metadata';
import { loadConfig } from './config';
import { createDataSource } from './db/data-source';
import { openDatabase } from './db/open';
import { createServer } from './server';
import { createLogger } from './hardening/logging';
import { startBackgroundJobs } from './jobs';

/** Process entry: database (embedded unless DATABASE_URL), migrations, HTTP server, background jobs, clean shutdown. */
async function main() {
  const config = loadConfig();
  /** JSON request and error logs (hardening/logging.ts); info unless LOG_LEVEL says otherwise. */
  const logger = createLogger({ level: config.logLevel ?? 'info' });
  const database = await openDatabase(config);
  const db = createDataSource({ url: database.url });
  await db.initialize();
  const applied = await db.runMigrations({ transaction: 'each' });
  if (applied.length) console.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  const server = await createServer({ db, config, logger });
  const jobs = startBackgroundJobs({ db, config });
  const url = await server.listen(config.port, config.host);
  // A plain line whatever LOG_LEVEL says: scripts and process managers wait for it.
  console.log(`Atrium is serving ${url} (playground: open it in a browser)${config.databaseUrl ? '' : `; embedded PostgreSQL data in ${config.dataDir}`}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    try {
      await server.stop();
      await jobs.stop();
      await db.destroy();
      await database.stop();
      clearTimeout(force);
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
