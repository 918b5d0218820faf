import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ADMIN_DB_URL, TestServer } from '../test/harness';
import { startAtriumProcess, type AtriumProcess } from './processes';

/**
 * What a rolling deploy relies on: instances started together on an empty database apply each
 * migration once; SIGTERM first turns /readyz to 503 while requests are still served; the HTTP
 * server's timeouts are the configured ones.
 */

const MIGRATION_FILES = fs.readdirSync(path.resolve(__dirname, '..', '..', 'migrations')).filter((f) => /\.(ts|js)$/.test(f));

async function adminQuery<T = any>(text: string, url = ADMIN_DB_URL()): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('two instances starting at the same moment on an empty database', () => {
  const name = `deploy_${randomBytes(5).toString('hex')}`;
  const url = ADMIN_DB_URL().replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  let processes: AtriumProcess[] = [];

  beforeAll(() => adminQuery(`CREATE DATABASE ${name}`));
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }, 60_000);

  it('both become ready, and each migration ran once', async () => {
    processes = await Promise.all([startAtriumProcess(url), startAtriumProcess(url)]);
    for (const p of processes) {
      const ready = await fetch(p.url.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(200);
    }
    // Exactly one of them applied the migrations; the other waited for the lock and found none left.
    const appliers = processes.filter((p) => /applied migrations:/.test(p.output()));
    expect(appliers).toHaveLength(1);
    const rows = await adminQuery<{ name: string }>('SELECT name FROM migrations', url);
    expect(rows).toHaveLength(MIGRATION_FILES.length);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  }, 330_000);
});

it('on SIGTERM, /readyz answers 503 for the drain period while GraphQL still answers, then the process exits 0', async () => {
  const name = `drain_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE atrium_template`);
  const url = ADMIN_DB_URL().replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const p = await startAtriumProcess(url, { SHUTDOWN_DRAIN_SECONDS: '4' });
  try {
    const readyz = p.url.replace('/graphql', '/readyz');
    expect((await fetch(readyz)).status).toBe(200);
    p.child.kill('SIGTERM');
    // Polled rather than slept: the signal reaches the process at its own pace.
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      status = (await fetch(readyz)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(503);
    const answer = await fetch(p.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
    expect(await p.exited).toBe(0);
  } finally {
    await p.stop();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}, 330_000);

describe('HTTP server timeouts', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await TestServer.start({ httpTimeouts: { headersSeconds: 1, requestSeconds: 30, keepAliveSeconds: 7 } });
  });
  afterAll(() => t.stop());

  it('are the configured ones', () => {
    expect(t.server.httpServer.headersTimeout).toBe(1_000);
    expect(t.server.httpServer.requestTimeout).toBe(30_000);
    expect(t.server.httpServer.keepAliveTimeout).toBe(7_000);
  });

  it('a client that never finishes its headers is answered 408 and disconnected', async () => {
    const { port } = new URL(t.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.destroy();
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);
});
