import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';

/** What `put` stores: whole bytes, or a stream of them (a Readable is an async iterable of Buffers). */
export type CodeBytes = Buffer | AsyncIterable<Buffer | Uint8Array>;

/**
 * Where code archives live. Keys are ours (`<projectId>/<versionId>`), never user input. Bytes go
 * in and come out as streams of pieces, so an archive is never held whole in memory.
 */
export interface CodeStorage {
  /** Stores the bytes under the key, replacing what was there; resolves once they are all stored. */
  put(key: string, data: CodeBytes): Promise<void>;
  /** The bytes as a stream read piece by piece, or null when there is nothing under the key. */
  get(key: string): Promise<Readable | null>;
  /** Deletes the bytes; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid storage key: ${key}`);
  return key;
}

/** Reads a whole stream into one Buffer: for tests and small archives only. */
export async function readAll(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(Buffer.from(piece));
  return Buffer.concat(pieces);
}

function iterate(data: CodeBytes): AsyncIterable<Buffer | Uint8Array> {
  return Buffer.isBuffer(data)
    ? (async function* () {
        yield data;
      })()
    : data;
}

/** Re-cuts a stream of pieces of any size into pieces of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(data: CodeBytes, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const raw of iterate(data)) {
    let piece = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    while (pendingBytes + piece.length >= size) {
      const take = size - pendingBytes;
      pending.push(piece.subarray(0, take));
      yield Buffer.concat(pending, size);
      piece = piece.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (piece.length) {
      pending.push(piece);
      pendingBytes += piece.length;
    }
  }
  if (pendingBytes) yield Buffer.concat(pending, pendingBytes);
}

/** Bytes per `code_blob` row: large enough for few rows per archive, small enough to hold one at a time. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/**
 * Keeps each archive in PostgreSQL, as rows of `code_blob` (storage key, sequence number, at most
 * BLOB_CHUNK_BYTES of bytea), so every server process on every host sees every push. Writes go in
 * one transaction (an archive is stored whole or not at all); reads fetch one row at a time, as
 * the reader asks for more.
 */
export class PostgresCodeStorage implements CodeStorage {
  constructor(
    private readonly db: DataSource,
    readonly chunkBytes = BLOB_CHUNK_BYTES,
  ) {}

  async put(key: string, data: CodeBytes): Promise<void> {
    checkKey(key);
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM code_blob WHERE storage_key = $1', [key]);
      let seq = 0;
      for await (const chunk of rechunk(data, this.chunkBytes)) {
        await tx.query('INSERT INTO code_blob (storage_key, seq, data) VALUES ($1, $2, $3)', [key, seq++, chunk]);
      }
    });
  }

  async get(key: string): Promise<Readable | null> {
    checkKey(key);
    const [{ n }]: { n: number }[] = await this.db.query('SELECT count(*)::int AS n FROM code_blob WHERE storage_key = $1', [key]);
    if (!n) return null;
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < n; seq++) {
        const rows: { data: Buffer }[] = await db.query('SELECT data FROM code_blob WHERE storage_key = $1 AND seq = $2', [key, seq]);
        // Deleted while being read (a purge): end with an error, never a silently short archive.
        if (!rows.length) throw new Error(`code archive ${key} changed while it was read`);
        yield rows[0].data;
      }
    }
    // One chunk ahead at most: a slow reader holds one row in memory, not the archive.
    return Readable.from(chunks(), { highWaterMark: 1 });
  }

  async delete(key: string): Promise<void> {
    await this.db.query('DELETE FROM code_blob WHERE storage_key = $1', [checkKey(key)]);
  }
}

/**
 * Stores each key as a file under `root`; writes go through a temporary file and a rename. Not a
 * configurable store (files on one host are what Atrium moved away from): it reads the archives
 * that older versions left under DATA_DIR/code, for their import (code/import.ts), and serves tests.
 */
export class LocalDirectoryStorage implements CodeStorage {
  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, data: CodeBytes): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await pipeline(Readable.from(iterate(data)), createWriteStream(tmp));
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable | null> {
    const file = this.file(key);
    try {
      if (!(await stat(file)).isFile()) return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return createReadStream(file);
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }
}

const storages = new WeakMap<DataSource, CodeStorage>();

/**
 * The configured code storage: PostgreSQL (the database `db` talks to) unless CODE_STORAGE_URL
 * names an S3-compatible bucket. One per data source, so an S3 client and its connections are reused.
 */
export function codeStorage(config: Pick<Config, 'codeStorage'>, db: DataSource): CodeStorage {
  let storage = storages.get(db);
  if (!storage) {
    const location = config.codeStorage;
    // Required here, not above: the AWS SDK is loaded only by deployments that use it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    storage = location.kind === 's3' ? new (require('./s3-storage') as typeof import('./s3-storage')).S3CodeStorage(location) : new PostgresCodeStorage(db);
    storages.set(db, storage);
  }
  return storage;
}
