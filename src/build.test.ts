import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm start` compiles with tsconfig.build.json before it serves, and jest (swc) strips types
 * without checking them: without this, a type error, or a production file that pulls in test
 * support, would pass every other test and still stop Atrium from starting.
 */
const ROOT = path.resolve(__dirname, '..');
const tsc = (project: string) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--noEmit', '--listFiles'], {
    cwd: ROOT,
  }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? '' }),
  );

describe('compilation', () => {
  it('the build npm start runs compiles, and ships no test code', async () => {
    const { code, output } = await tsc('tsconfig.build.json');
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
    expect(code).toBe(0);
    const shipped = output.split('\n').filter((file) => file.startsWith(path.join(ROOT, 'src')));
    expect(shipped.length).toBeGreaterThan(50);
    expect(shipped.filter((file) => /\.test\.ts$|\/testing\.ts$|\/src\/test\/|\/src\/resilience\//.test(file))).toEqual([]);
    // Nor the test-only mail packages (the SMTP sink under src/test uses them).
    expect(output.split('\n').filter((file) => /\/node_modules\/(@types\/)?(mailparser|smtp-server)\//.test(file))).toEqual([]);
  }, 120_000);

  it('the whole tree, tests included, type-checks', async () => {
    const { code, output } = await tsc('tsconfig.json');
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);
});
