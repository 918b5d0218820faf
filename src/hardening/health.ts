import express, { Router } from 'express';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';

/** A probe must answer fast even when the database hangs; the pool's own timeouts are longer. */
const PROBE_TIMEOUT_MS = 2_000;

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * The names of migrations the code knows but the database has not applied. The same comparison as
 * TypeORM's `showMigrations()`, without its side effects (it creates the table) and without its
 * leak: it keeps a pooled connection when a query fails, which repeated probes during an outage
 * would turn into an exhausted pool.
 */
export async function pendingMigrations(db: DataSource): Promise<string[]> {
  const table = db.options.migrationsTableName ?? 'migrations';
  const rows: { name: string }[] = await db.query(`SELECT name FROM "${table.replace(/"/g, '')}"`);
  const applied = new Set(rows.map((r) => r.name));
  return db.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
}

/**
 * `GET /healthz`: the process is up (liveness; never touches the database, so a database outage
 * does not get the process restarted). `GET /readyz`: the process is not shutting down, the
 * database answers and every migration is applied (readiness; 503 with the failing check otherwise).
 */
export function healthRouter(db: DataSource, logger?: Logger, draining: () => boolean = () => false): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (draining()) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    let pending: string[];
    try {
      pending = await withTimeout(pendingMigrations(db), PROBE_TIMEOUT_MS);
    } catch (error) {
      logger?.warn({ err: error }, 'readiness: database unreachable');
      res.status(503).json({ status: 'unavailable', database: 'unreachable', migrations: 'unknown' });
      return;
    }
    if (pending.length) {
      res.status(503).json({ status: 'unavailable', database: 'ok', migrations: 'pending', pending });
      return;
    }
    res.json({ status: 'ready', database: 'ok', migrations: 'ok' });
  });
  return router;
}
