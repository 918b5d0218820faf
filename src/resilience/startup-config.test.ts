import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_DB_URL } from '../test/harness';
import { runAtriumUntilExit } from './processes';

/**
 * A bad setting stops the real server at start-up (src/index.ts, as `npm start` runs it): exit
 * code 78 (EX_CONFIG), a message on stderr naming each variable, and nothing started.
 */
jest.setTimeout(200_000);

it('several bad settings: exit 78 before anything starts, each variable named on stderr, no password shown, no stack', async () => {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-config-')), 'data');
  const run = await runAtriumUntilExit({
    DATA_DIR: dataDir,
    DATABASE_URL: 'mysql://root:hunter2@db/atrium',
    PUBLIC_URL: 'atrium.example.com',
    SMTP_URL: 'mailpit:1025',
    CORS_ORIGINS: 'https://app.example.com/admin',
    LOG_LEVEL: 'verbose',
    PORT: '40OO',
    SESSION_TTL_DAYS: '30d',
  });
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 78, stdout: '' });
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toBe('Invalid configuration; fix these environment variables and start again:');
  expect(
    lines
      .slice(1)
      .map((l) => l.trim().split(' ')[0])
      .sort(),
  ).toEqual(['CORS_ORIGINS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'SESSION_TTL_DAYS', 'SMTP_URL']);
  expect(run.stderr).toContain('PORT must be a whole number from 0 to 65535, got "40OO"');
  expect(run.stderr).toContain('LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"');
  expect(run.stderr).not.toContain('hunter2');
  expect(run.stderr).not.toMatch(/^\s+at /m);
  // No embedded PostgreSQL was started: its data directory was never made.
  expect(fs.existsSync(dataDir)).toBe(false);
});

it('one bad number on an otherwise good configuration stops the start too', async () => {
  const run = await runAtriumUntilExit({ DATABASE_URL: ADMIN_DB_URL(), PORT: '0', HTTP_REQUEST_TIMEOUT_SECONDS: '2m' });
  expect(run.code).toBe(78);
  expect(run.stdout).not.toContain('Atrium is serving');
  expect(run.stderr.trim().split('\n')).toEqual([
    'Invalid configuration; fix these environment variables and start again:',
    '  HTTP_REQUEST_TIMEOUT_SECONDS must be a whole number from 0 to 2073600, got "2m"',
  ]);
});
