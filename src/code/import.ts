import { createHash } from 'node:crypto';
import { readdir, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { isUuid } from '../common/ids';
import type { Logger } from '../hardening/logging';
import { LocalDirectoryStorage, type CodeStorage } from './storage';

export interface ImportResult {
  /** Archives now in the code storage, their files deleted. */
  imported: number;
  /** Files no code version refers to (a push that failed half-way): left where they are. */
  orphans: number;
  /** Files whose bytes do not match their version's size and SHA-256, or that could not be stored: left where they are. */
  failed: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function digestOf(files: LocalDirectoryStorage, key: string): Promise<{ size: number; sha256: string } | null> {
  const stream = await files.get(key);
  if (!stream) return null;
  const hash = createHash('sha256');
  let size = 0;
  for await (const piece of stream as AsyncIterable<Buffer>) {
    hash.update(piece);
    size += piece.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Moves the code archives that earlier versions of Atrium kept as files under `<dataDir>/code`
 * into the configured code storage, checking each against its version's size and SHA-256, then
 * deletes the files (and the folders left empty). A startup step rather than a migration:
 * migrations run once per database, on whichever instance wins the migration lock, while each
 * host kept the archives pushed through it on its own disk, and the target may be a bucket
 * (CODE_STORAGE_URL) that migrations know nothing of. Costs one directory read when there is
 * nothing to move, and can be run again after a failure: storing a key again replaces it.
 */
export async function importLocalArchives(db: DataSource, storage: CodeStorage, dataDir: string, logger: Logger): Promise<ImportResult> {
  const root = path.join(dataDir, 'code');
  const files = new LocalDirectoryStorage(root);
  const result: ImportResult = { imported: 0, orphans: 0, failed: 0 };
  for (const project of await entries(root)) {
    if (!SEGMENT.test(project) || !(await stat(path.join(root, project))).isDirectory()) continue;
    // The project's versions in one statement (on the project index), not one per file.
    const rows: { storage_key: string; size_bytes: number; sha256: string }[] = isUuid(project)
      ? await db.query('SELECT storage_key, size_bytes, sha256 FROM code_version WHERE project_id = $1', [project])
      : [];
    const versions = new Map(rows.map((r) => [r.storage_key, r]));
    for (const version of await entries(path.join(root, project))) {
      // Temporary files of writes that never finished are not archives.
      if (!SEGMENT.test(version)) continue;
      const key = `${project}/${version}`;
      const row = versions.get(key);
      if (!row) {
        result.orphans++;
        continue;
      }
      try {
        const digest = await digestOf(files, key);
        if (!digest) continue;
        if (digest.size !== row.size_bytes || digest.sha256 !== row.sha256.trim()) {
          logger.error(
            { storageKey: key, sizeBytes: digest.size, expectedSizeBytes: row.size_bytes },
            'code archive file does not match its version; left in place',
          );
          result.failed++;
          continue;
        }
        await storage.put(key, (await files.get(key))!);
        await files.delete(key);
        result.imported++;
      } catch (error) {
        logger.error({ err: error, storageKey: key }, 'could not move a code archive file into the code storage; left in place');
        result.failed++;
      }
    }
    await rmdir(path.join(root, project)).catch(() => undefined);
  }
  await rmdir(root).catch(() => undefined);
  if (result.imported || result.orphans || result.failed) logger.info({ ...result, from: root }, 'moved code archive files into the code storage');
  return result;
}
