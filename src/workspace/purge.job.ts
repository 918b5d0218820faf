import type { DataSource, EntityManager } from 'typeorm';
import { codeStorage, type CodeStorage } from '../code/storage';
import { defaultLogger, type Logger } from '../hardening/logging';
import type { BackgroundJob } from '../jobs';

/** Rows deleted per transaction: small batches keep locks short and let several processes share the work. */
const WORKSPACE_BATCH = 5;
const PROJECT_BATCH = 50;

export interface PurgeResult {
  workspaces: number;
  projects: number;
}

/** The code archives stored for the projects of these workspaces, to delete once their rows are gone. */
export async function codeFilesOfWorkspaces(db: EntityManager, workspaceIds: string[]): Promise<string[]> {
  if (!workspaceIds.length) return [];
  const rows: { storage_key: string }[] = await db.query(
    'SELECT c.storage_key FROM code_version c JOIN project p ON p.id = c.project_id WHERE p.workspace_id = ANY($1::uuid[])',
    [workspaceIds],
  );
  return rows.map((r) => r.storage_key);
}

/** Deletes stored archives after the transaction that deleted their rows committed; a failure leaves orphan bytes, never a dangling row. */
export async function deleteCodeFiles(storage: CodeStorage | undefined, keys: string[], logger: Logger = defaultLogger()): Promise<void> {
  if (!storage) return;
  for (const key of keys) await storage.delete(key).catch((error) => logger.error({ err: error, storageKey: key }, 'could not delete code archive'));
}

const FILES_OF: Record<'workspace' | 'project', string> = {
  workspace: 'SELECT c.storage_key FROM code_version c JOIN project p ON p.id = c.project_id JOIN due ON due.id = p.workspace_id',
  project: 'SELECT c.storage_key FROM code_version c JOIN due ON due.id = c.project_id',
};

/**
 * Deletes, in batches until none is left, one kind of row whose `purge_at` has passed. Each batch
 * locks its rows with SKIP LOCKED, so several server processes share the work instead of waiting
 * on each other, and a restore in flight (which holds the row lock) is never purged under it:
 * the locked row is skipped, and re-checked by the next pass.
 */
async function purgeDue(db: DataSource, table: 'workspace' | 'project', batch: number, storage: CodeStorage | undefined, logger: Logger): Promise<number> {
  let total = 0;
  for (;;) {
    const { n, keys } = await db.transaction(async (tx) => {
      const [row]: { n: number; keys: string[] }[] = await tx.query(
        `WITH due AS (SELECT id FROM ${table} WHERE purge_at <= now() ORDER BY purge_at LIMIT $1 FOR UPDATE SKIP LOCKED),
              files AS (${FILES_OF[table]}),
              gone AS (DELETE FROM ${table} t USING due WHERE t.id = due.id RETURNING t.id)
         SELECT (SELECT count(*) FROM gone)::int AS n, ARRAY(SELECT storage_key FROM files)::text[] AS keys`,
        [batch],
      );
      return row;
    });
    await deleteCodeFiles(storage, keys, logger);
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Deletes for good the removed workspaces and projects whose restore period has ended, with
 * everything in them (foreign keys cascade) and their stored code archives. Safe to run in several
 * processes at once.
 */
export async function purgeExpired(db: DataSource, storage?: CodeStorage, logger: Logger = defaultLogger()): Promise<PurgeResult> {
  const workspaces = await purgeDue(db, 'workspace', WORKSPACE_BATCH, storage, logger);
  const projects = await purgeDue(db, 'project', PROJECT_BATCH, storage, logger);
  if (workspaces || projects) logger.info({ workspaces, projects }, 'purged removed workspaces and projects whose restore period ended');
  return { workspaces, projects };
}

export const purgeJob: BackgroundJob = {
  name: 'purge-expired',
  runOnce: ({ db, config, logger }) => purgeExpired(db, codeStorage(config, db), logger),
  intervalMs: (config) => Math.max(1, config.purgeIntervalSeconds) * 1000,
};
