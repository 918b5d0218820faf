import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../db/embedded';

/** The repository root: child processes run from there so ts-node finds tsconfig.json and migrations. */
const ROOT = path.resolve(__dirname, '..', '..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];
/** Starting takes seconds alone, but much longer when the whole suite loads both cores. */
const READY_TIMEOUT_MS = 150_000;

/** Resolves with the first stdout line matching `pattern`; rejects when the process exits first or after `ms`. */
function waitForLine(child: ChildProcess, pattern: RegExp, ms: number, output: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${pattern}; output:\n${output().slice(-3000)}`)), ms);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const match = pattern.exec(line);
        if (match) return done(null, match);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`process exited (${code ?? signal}) before printing ${pattern}; output:\n${output().slice(-3000)}`));
    const done = (error: Error | null, match?: RegExpMatchArray) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

function collect(child: ChildProcess): () => string {
  let text = '';
  const add = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  return () => text;
}

export interface PostgresProcess {
  /** Connection string of the `postgres` database (create others from it). */
  adminUrl: string;
  urlFor(database: string): string;
  /** Fast shutdown: every open connection is cut. */
  stop(): Promise<void>;
  start(): Promise<void>;
  quit(): Promise<void>;
}

/** A private PostgreSQL in a child process (src/resilience/pg-process.ts), stoppable and restartable. */
export async function startPostgresProcess(): Promise<PostgresProcess> {
  const child = spawn(process.execPath, [...TS_NODE, 'src/resilience/pg-process.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = collect(child);
  const [, adminUrl] = await waitForLine(child, /^READY (\S+)/, READY_TIMEOUT_MS, output).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  const command = async (name: string) => {
    const answer = waitForLine(child, new RegExp(`^(OK|ERR) ${name}`), 60_000, output);
    child.stdin!.write(`${name}\n`);
    const [line] = await answer;
    if (line.startsWith('ERR')) throw new Error(line);
  };
  return {
    adminUrl,
    urlFor: (database) => adminUrl.replace(/\/[^/?]*(\?|$)/, `/${database}$1`),
    stop: () => command('stop'),
    start: () => command('start'),
    quit: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end('quit\n');
      await exited;
    },
  };
}

export interface AtriumProcess {
  /** The GraphQL endpoint. */
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string | null>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string | null>;
}

/** The environment a test's Atrium process starts with: quick to start and stop, per-client limits off, then `env`. */
function atriumEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    // ts-node compiles with SWC (decorator metadata on, as tsconfig says): the same code, twice as fast to start.
    TS_NODE_SWC: 'true',
    PASSWORD_HASH_COST: process.env.PASSWORD_HASH_COST ?? '10',
    // Nothing balances load in front of a test's process: stopping need not wait for one to notice.
    SHUTDOWN_DRAIN_SECONDS: '0',
    // Every request of a test comes from 127.0.0.1: the per-client limits are off (harness.ts says why).
    SIGN_UP_LIMIT_PER_CLIENT: '0',
    PASSWORD_RESET_LIMIT_PER_CLIENT: '0',
    VERIFICATION_EMAIL_LIMIT_PER_CLIENT: '0',
    SIGN_IN_FAILURES_PER_CLIENT: '0',
    HOST: '127.0.0.1',
    ...env,
  };
}

/**
 * Starts a real Atrium server process (src/index.ts through ts-node, the same entry point as
 * production) on a free port against `databaseUrl`; `preload` files are required before it.
 */
export async function startAtriumProcess(databaseUrl: string, env: Record<string, string> = {}, options: { preload?: string[] } = {}): Promise<AtriumProcess> {
  const port = await freePort();
  const preload = (options.preload ?? []).flatMap((file) => ['-r', file]);
  const child = spawn(process.execPath, [...TS_NODE, ...preload, '-r', './src/resilience/orphan-guard.ts', 'src/index.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...atriumEnv(env), DATABASE_URL: databaseUrl, PORT: String(port) },
  });
  const output = collect(child);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  await waitForLine(child, /Atrium is serving/, READY_TIMEOUT_MS, output).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid!,
    child,
    output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface FinishedProcess {
  /** The exit code, or the signal that ended it. */
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs src/index.ts, as startAtriumProcess does but with exactly `env` on top of the test
 * defaults (DATABASE_URL and PORT included), until it exits by itself: for a start that must fail.
 * Killed after `ms`, when it answers with the signal's name.
 */
export function runAtriumUntilExit(env: Record<string, string>, ms = 90_000): Promise<FinishedProcess> {
  const child = spawn(process.execPath, [...TS_NODE, '-r', './src/resilience/orphan-guard.ts', 'src/index.ts'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: atriumEnv(env),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    }),
  );
}
