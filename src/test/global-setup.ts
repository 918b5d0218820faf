import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../db/migrate';
import { startEmbeddedPostgres, RunningDatabase } from '../db/embedded';

export const TEMPLATE_DB = 'atrium_template';

/**
 * Starts one throwaway PostgreSQL for the whole run (or uses DATABASE_URL's server), migrates a
 * template database once, and tells the test workers where it is. Each test file then clones the
 * template (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  process.env.PASSWORD_HASH_COST ??= '10';
  let db: RunningDatabase;
  if (process.env.DATABASE_URL) {
    const url = process.env.DATABASE_URL;
    db = { url, urlFor: (name) => url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), stop: async () => undefined };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-test-pg-'));
    db = await startEmbeddedPostgres(dir, { persistent: false });
    // When the runner runs as root, the postgres user must be able to reach the data dir.
    fs.chmodSync(dir, 0o755);
  }
  const admin = new Client({ connectionString: db.urlFor('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(db.urlFor(TEMPLATE_DB));
  process.env.ATRIUM_TEST_DB_URL = db.urlFor('postgres');
  (globalThis as Record<string, unknown>).__ATRIUM_DB__ = db;
}
