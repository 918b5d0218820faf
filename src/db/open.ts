import path from 'node:path';
import type { Config } from '../config';
import { RunningDatabase, startEmbeddedPostgres } from './embedded';

/**
 * The database the process talks to: `DATABASE_URL` when set, otherwise an embedded PostgreSQL
 * whose data lives under `DATA_DIR/pg` and survives restarts.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, log?: (line: string) => void): Promise<RunningDatabase> {
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    return { url, urlFor: (db) => url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`), stop: async () => undefined };
  }
  return startEmbeddedPostgres(path.join(config.dataDir, 'pg'), { log });
}
