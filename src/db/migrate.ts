import { Client } from 'pg';
import { createDataSource } from './data-source';

/** The advisory lock key every Atrium process takes around migrations (any constant bigint would do). */
export const MIGRATION_LOCK_KEY = 0x617472_69756d; // "atrium"

/**
 * Applies the pending migrations and returns their names. TypeORM takes no lock of its own, so
 * several instances started at once would each try the same migration; a session-level advisory
 * lock makes them take turns, and the ones that wait find nothing left to apply. The lock lives
 * on its own connection and ends with it, so a process that dies holding it frees it.
 */
export async function migrate(url: string): Promise<string[]> {
  const lock = new Client({ connectionString: url, application_name: 'atrium-migrate' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const db = createDataSource({ url, poolSize: 1 });
    await db.initialize();
    try {
      const applied = await db.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await db.destroy();
    }
  } finally {
    await lock.end();
  }
}
