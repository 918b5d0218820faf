import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { cloneTemplateDatabase } from '../test/harness';
import { eventually, okAt, signUpAt } from './client';
import { startAtriumProcess, type AtriumProcess } from './processes';

/**
 * WEB_CONCURRENCY (src/index.ts): a supervisor process and worker processes sharing one port. The
 * workers answer, a worker that dies is replaced, and SIGTERM stops all of them.
 */

let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
let atrium: AtriumProcess;

/** The pids of a process's live children. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === pid && fields[0] !== 'Z';
      } catch {
        return false; // gone meanwhile
      }
    });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  clone = await cloneTemplateDatabase();
  atrium = await startAtriumProcess(clone.url, { WEB_CONCURRENCY: '2' });
}, 330_000);

afterAll(async () => {
  await atrium?.stop();
  await clone?.drop();
}, 60_000);

it('serves from two worker processes on one port', async () => {
  await eventually(async () => /2 worker processes/.test(atrium.output()));
  expect(childrenOf(atrium.pid)).toHaveLength(2);
  const people = await Promise.all(Array.from({ length: 12 }, () => signUpAt(atrium.url)));
  const answers = await Promise.all(people.map((p) => okAt(atrium.url, '{ me { id } }', {}, p.token)));
  expect(answers.map((a) => a.me.id)).toEqual(people.map((p) => p.id));
}, 120_000);

it('replaces a worker that dies', async () => {
  const [victim, survivor] = childrenOf(atrium.pid);
  process.kill(victim, 'SIGKILL');
  const replaced = await eventually(async () => {
    const now = childrenOf(atrium.pid);
    return now.length === 2 && now.includes(survivor) && !now.includes(victim) && /worker \d+ exited \(SIGKILL\); starting another/.test(atrium.output());
  }, 120_000);
  expect(replaced).toBe(true);
  const people = await Promise.all(Array.from({ length: 6 }, () => signUpAt(atrium.url)));
  for (const person of people) expect((await okAt(atrium.url, '{ me { id } }', {}, person.token)).me.id).toBe(person.id);
}, 150_000);

it('SIGTERM stops every worker and then the supervisor, cleanly', async () => {
  const workers = childrenOf(atrium.pid);
  expect(workers).toHaveLength(2);
  expect(await atrium.stop()).toBe(0);
  expect(await eventually(async () => workers.filter(alive).length === 0, 20_000)).toBe(true);
}, 60_000);

it('stops with exit code 1 when the workers cannot start (the port is taken), instead of restarting them forever', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      TS_NODE_SWC: 'true',
      WEB_CONCURRENCY: '2',
      DATABASE_URL: clone.url,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(output).toMatch(/before it served; stopping/);
    expect(output).not.toMatch(/starting another/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    blocker.close();
  }
}, 150_000);
