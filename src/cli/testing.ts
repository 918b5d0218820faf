import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Keys as a terminal sends them, for answering prompts through stdin. */
export const KEY = { enter: '\r', down: '\x1b[B', up: '\x1b[A' } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One scripted answer: when stderr shows `when` (after the previous answer), type `send`. */
export interface Answer {
  when: RegExp;
  send: string;
}

const LAUNCHER = path.join(__dirname, '..', '..', 'bin', 'atrium.js');
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** A fresh, empty config directory for one person's `atrium` (XDG_CONFIG_HOME). */
export function tempConfigHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-cli-'));
}

/**
 * Runs the real `atrium` launcher (bin/atrium.js, from the TypeScript sources) as a child process.
 * Answers are typed one at a time, each when its question appears on stderr, as a person would.
 */
export function atrium(args: string[], options: { env?: Record<string, string | undefined>; answers?: Answer[]; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ATRIUM_CLI_FROM_SOURCE: '1', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [LAUNCHER, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const answers = [...(options.answers ?? [])];
  let stdout = '';
  let stderr = '';
  let from = 0;
  const answerNext = () => {
    const pending = stripAnsi(stderr.slice(from));
    if (answers.length && answers[0].when.test(pending)) {
      from = stderr.length;
      child.stdin.write(answers.shift()!.send);
      setImmediate(answerNext);
    }
  };
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    answerNext();
  });
  if (!answers.length) child.stdin.end();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`atrium ${args.join(' ')} timed out; unanswered: ${answers.map((a) => a.when).join(', ')}\nstdout: ${stdout}\nstderr: ${stripAnsi(stderr)}`),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stripAnsi(stderr) });
    });
  });
}

/** Fails with the whole output when the exit code is not `code`, so a failure explains itself. */
export function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) throw new Error(`expected exit code ${code}, got ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
}
