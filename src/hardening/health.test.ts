import net from 'node:net';
import type { TestServer } from '../test/harness';
import { LogCapture, startServer } from './testing';

/**
 * A TCP proxy in front of PostgreSQL that the test can cut and restore, like a network failure:
 * `refuse` closes the port (connection refused); `blackhole` keeps accepting connections but never
 * answers (a partition: only timeouts notice). Either way, open connections are dropped.
 */
class CuttableProxy {
  private server?: net.Server;
  private sockets = new Set<net.Socket>();
  port = 0;
  isOpen = false;
  private blackhole = false;
  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.blackhole = false;
    this.server = net.createServer((client) => {
      if (this.blackhole) {
        this.sockets.add(client);
        client.on('close', () => this.sockets.delete(client));
        client.on('error', () => undefined);
        return;
      }
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    this.isOpen = true;
  }

  async cut(mode: 'refuse' | 'blackhole' = 'refuse'): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (mode === 'blackhole') {
      this.blackhole = true;
      return;
    }
    this.isOpen = false;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (this.isOpen) {
      for (const s of this.sockets) s.destroy();
      this.blackhole = false;
    } else {
      await this.open();
    }
  }
}

let t: TestServer;
let proxy: CuttableProxy;
const logs = new LogCapture();

beforeAll(async () => {
  t = await startServer({
    capture: logs,
    databaseUrl: async (url) => {
      const u = new URL(url);
      proxy = new CuttableProxy({ host: u.hostname, port: Number(u.port) });
      await proxy.open();
      u.hostname = '127.0.0.1';
      u.port = String(proxy.port);
      return u.toString();
    },
  });
});
afterAll(async () => {
  await proxy.restore();
  await t.stop();
  await proxy.cut();
});

const base = () => t.url.replace(/\/graphql$/, '');

/** `{ me { id } }` as `user`, with the server's error log in the failure message. */
const meAfterRecovery = async (user: { token: string }) => {
  // A pooled connection that died with the network may be handed out once more before the pool
  // drops it: that request gets SERVICE_UNAVAILABLE, and a client retries, as here.
  let result = await t.gql('{ me { id } }', {}, { as: user });
  for (let i = 0; i < 5 && result.errors?.[0]?.extensions?.code === 'SERVICE_UNAVAILABLE'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    result = await t.gql('{ me { id } }', {}, { as: user });
  }
  const errors = logs.lines.filter((l) => l.level >= 50).map((l) => `${l.msg}: ${l.err?.message}`);
  expect({ errors: result.errors, logged: errors }).toEqual({ errors: undefined, logged: [] });
  return result.data.me.id as string;
};

describe('health probes', () => {
  it('healthz: the process is up; readyz: the database answers and migrations are applied', async () => {
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect((await health.json()) as any).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as any).toEqual({ status: 'ready', database: 'ok', migrations: 'ok' });
  });

  it('readyz answers 503 while a migration is pending', async () => {
    const [last] = await t.sql<{ id: number; timestamp: string; name: string }>('SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1');
    await t.sql('DELETE FROM migrations WHERE id = $1', [last.id]);
    try {
      const ready = await fetch(`${base()}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()) as any).toEqual({ status: 'unavailable', database: 'ok', migrations: 'pending', pending: [last.name] });
    } finally {
      await t.sql('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [last.id, last.timestamp, last.name]);
    }
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
  });
});

describe('when the database is unreachable', () => {
  it('answers SERVICE_UNAVAILABLE with 503 when even authentication cannot reach it, keeps healthz up, and recovers', async () => {
    const user = await t.signUp();
    await proxy.cut('refuse');
    try {
      const ready = await fetch(`${base()}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()) as any).toMatchObject({ status: 'unavailable', database: 'unreachable' });
      expect((await fetch(`${base()}/healthz`)).status).toBe(200);

      const signedIn = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(signedIn.status).toBe(503);
      expect(signedIn.headers.get('retry-after')).toBe('5');
      const body = (await signedIn.json()) as any;
      expect(body.errors[0]).toMatchObject({ message: 'The database is unavailable; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
    } finally {
      await proxy.restore();
    }
    // Back: new connections are opened as needed.
    expect(await meAfterRecovery(user)).toBe(user.id);
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
    const warnings = logs.lines.filter((l) => l.msg === 'database unavailable');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((l) => l.level === 40 && l.reqId)).toBe(true);
  });

  it('answers SERVICE_UNAVAILABLE within the connection timeout when the network swallows packets', async () => {
    const user = await t.signUp();
    await proxy.cut('blackhole');
    try {
      const started = Date.now();
      const ready = await fetch(`${base()}/readyz`);
      expect(ready.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(4_000);

      // A mutation whose resolver needs the database (no permission rule in the way).
      const signIn = await t.gql('mutation($input: SignInInput!) { signIn(input: $input) { token } }', {
        input: { email: user.email, password: user.password },
      });
      expect(signIn.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(signIn.errors?.[0]?.message).toBe('The database is unavailable; try again shortly.');
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await proxy.restore();
    }
    expect(await meAfterRecovery(user)).toBe(user.id);
  });

  it('a permission rule that cannot reach the database answers SERVICE_UNAVAILABLE, not FORBIDDEN', async () => {
    await proxy.cut('blackhole');
    try {
      // workspace(id) is guarded by a shield rule that looks the caller's role up.
      const guest = await t.gql('query($id: ID!) { workspace(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000' });
      expect(guest.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await proxy.restore();
    }
  });
});
