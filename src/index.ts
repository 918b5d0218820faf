// First: tracing, when on, must hook http, express, graphql and pg before anything loads them.
import './observability/register';
import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, EXIT_CONFIG, loadConfig, type Config } from './config';
import { createDataSource } from './db/data-source';
import { migrate } from './db/migrate';
import { importLocalArchives } from './code/import';
import { codeStorage } from './code/storage';
import { openDatabase } from './db/open';
import type { RunningDatabase } from './db/embedded';
import { createServer } from './server';
import { createLogger, type Logger } from './hardening/logging';
import { JOBS, startBackgroundJobs } from './jobs';
import { serveClusterMetrics } from './observability/cluster-metrics';
import { stopTracing } from './observability/spans';

/**
 * Process entry. With WEB_CONCURRENCY = 1 one process does everything: the database (embedded
 * unless DATABASE_URL), migrations, the HTTP server, the background jobs. With more (the default
 * is one per CPU), this process is a supervisor: it opens the database and runs the migrations
 * once, then forks that many workers that share the port (node:cluster) and talk to the same
 * database; the first worker also runs the background jobs, which are safe to run anywhere
 * (FOR UPDATE SKIP LOCKED) but need not poll twice. A worker that dies is replaced. SIGINT or
 * SIGTERM drains every worker, then stops the embedded database.
 */
async function main() {
  const config = loadConfig();
  /** JSON request and error logs (hardening/logging.ts); info unless LOG_LEVEL says otherwise. */
  const logger = createLogger({ level: config.logLevel ?? 'info' });
  if (cluster.isWorker) return serve(config, logger, { jobs: process.env.ATRIUM_WORKER_JOBS === '1', announce: false });
  const database = await prepareDatabase(config, logger);
  if (config.workers <= 1) return serve(config, logger, { jobs: true, announce: true, database });
  return supervise(config, logger, database);
}

/**
 * Opens the database, brings its schema up to date, and moves code archives that older versions
 * left under DATA_DIR/code into the code storage (code/import.ts says why this is not a migration).
 */
async function prepareDatabase(config: Config, logger: Logger): Promise<RunningDatabase> {
  const database = await openDatabase(config);
  const applied = await migrate(database.url);
  if (applied.length) console.log(`applied migrations: ${applied.join(', ')}`);
  if (!existsSync(path.join(config.dataDir, 'code'))) return database;
  const db = createDataSource({ url: database.url, poolSize: 2 });
  await db.initialize();
  try {
    await importLocalArchives(db, codeStorage(config, db), config.dataDir, logger);
  } finally {
    await db.destroy();
  }
  return database;
}

/** One HTTP server process: the whole of Atrium, or one worker of the supervisor. */
async function serve(config: Config, logger: Logger, options: { jobs: boolean; announce: boolean; database?: RunningDatabase }) {
  const db = createDataSource({ url: options.database?.url ?? config.databaseUrl!, poolSize: config.databasePoolSize });
  await db.initialize();
  const server = await createServer({ db, config, logger });
  const jobs = options.jobs ? startBackgroundJobs({ db, config, logger }, server.metrics ? JOBS.map(server.metrics.instrumentJob) : JOBS) : null;
  const url = await server.listen(config.port, config.host);
  // A plain line whatever LOG_LEVEL says: scripts and process managers wait for it.
  if (options.announce) announce(config, url);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (options.announce) console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), (config.shutdownDrainSeconds + 15) * 1000).unref();
    try {
      // SIGTERM comes from a process manager or an orchestrator; Ctrl-C (SIGINT) from someone waiting at a terminal.
      await server.drain(signal === 'SIGTERM' ? config.shutdownDrainSeconds : 0);
      await server.stop();
      await jobs?.stop();
      await db.destroy();
      await options.database?.stop();
      await stopTracing();
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
  // A worker whose supervisor is gone (killed outright) has nobody to stop it: it stops itself.
  if (cluster.isWorker) process.on('disconnect', () => void shutdown('supervisor gone'));
}

function announce(config: Config, url: string) {
  console.log(`Atrium is serving ${url} (playground: open it in a browser)${config.databaseUrl ? '' : `; embedded PostgreSQL data in ${config.dataDir}`}`);
}

/** The supervisor of `config.workers` worker processes. */
function supervise(config: Config, logger: Logger, database: RunningDatabase) {
  // Each worker gets its share of the connection budget, so more workers never means more connections.
  const poolSize = Math.max(2, Math.floor(config.databasePoolSize / config.workers));
  const env = { DATABASE_URL: database.url, WEB_CONCURRENCY: '1', DATABASE_POOL_SIZE: String(poolSize) };
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  const fork = (jobs: boolean): Worker => {
    const worker = cluster.fork({ ...env, ATRIUM_WORKER_JOBS: jobs ? '1' : '0' });
    worker.once('listening', (address) => {
      listening.add(worker.id);
      if (!announced && listening.size === config.workers) {
        announced = true;
        announce(config, `http://${config.host}:${address.port}/graphql`);
        console.log(`${config.workers} worker processes (WEB_CONCURRENCY)`);
      }
    });
    worker.once('exit', (code, signal) => {
      const wasListening = listening.delete(worker.id);
      if (stopping) return;
      if (!wasListening) {
        // It died starting up (port taken, bad configuration): another would too. Stop everything.
        console.error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it served; stopping`);
        void shutdown('startup failure', 1);
        return;
      }
      // An unexpected exit: say so and start a replacement (the jobs go with the worker that had them), after a pause so a crash loop cannot spin.
      // Plain lines, like the supervisor's others: its buffered JSON log would hold them back.
      console.error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
      setTimeout(() => !stopping && fork(jobs), 1_000);
    });
    return worker;
  };
  for (let i = 0; i < config.workers; i++) fork(i === 0);
  // A worker's GET /metrics asks this process to gather every serving worker's metrics.
  if (config.metricsToken) serveClusterMetrics(() => Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w) && listening.has(w!.id)));

  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), (config.shutdownDrainSeconds + 20) * 1000).unref();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await database.stop();
    clearTimeout(force);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  // A configuration mistake is the operator's to fix: its message names each variable, and a stack would only bury it.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(EXIT_CONFIG);
  }
  console.error(error);
  process.exit(1);
});
