import { createLogger } from './hardening/logging';
import { LogCapture } from './hardening/testing';
import { loadConfig } from './config';
import { startBackgroundJobs, type BackgroundJob } from './jobs';
import type { DataSource } from 'typeorm';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('background jobs', () => {
  it('log each pass and each failure through the process logger (pino), tagged with the job', async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'debug', destination: capture.stream });
    const seen: unknown[] = [];
    const jobs: BackgroundJob[] = [
      {
        name: 'works',
        runOnce: async (deps) => {
          seen.push(deps.logger);
          return { done: 1 };
        },
        intervalMs: () => 20,
      },
      {
        name: 'breaks',
        runOnce: async () => {
          throw new Error('the database went away');
        },
        intervalMs: () => 20,
      },
    ];
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const running = startBackgroundJobs({ db: {} as DataSource, config: loadConfig({}), logger }, jobs);
    // Until both jobs have run at least once (a loaded machine may delay the timers).
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
      const jobsSeen = new Set(capture.lines.map((l) => l.job));
      if (jobsSeen.has('works') && jobsSeen.has('breaks')) break;
    }
    await running.stop();
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();

    const passes = capture.lines.filter((l) => l.job === 'works');
    expect(passes.length).toBeGreaterThan(0);
    expect(passes[0]).toMatchObject({ level: 20, service: 'atrium', msg: 'job pass', result: { done: 1 } });
    expect(typeof passes[0].durationMs).toBe('number');
    const failures = capture.lines.filter((l) => l.job === 'breaks');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({ level: 50, msg: 'job failed', err: { type: 'Error', message: 'the database went away' } });
    // A job logs through the child it is handed, which carries its name.
    expect(seen[0]).not.toBe(logger);
  });
});
