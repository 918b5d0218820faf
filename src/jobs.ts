import type { DataSource } from 'typeorm';
import type { Config } from './config';
import type { Logger } from './hardening/logging';
import { purgeJob } from './workspace/purge.job';
import { mailJob } from './mail/mail.worker';
import { rateLimitPruneJob } from './auth/rate-limit';

export interface JobDeps {
  db: DataSource;
  config: Config;
  /** The process logger; a job's passes get a child of it carrying `job: <name>`. */
  logger: Logger;
}

export interface BackgroundJob {
  name: string;
  /** Runs one pass; must be safe to run in several processes at once (row locks, SKIP LOCKED). */
  runOnce(deps: JobDeps): Promise<unknown>;
  intervalMs(config: Config): number;
}

/** Every background job of the process; features add theirs here. */
export const JOBS: BackgroundJob[] = [purgeJob, mailJob, rateLimitPruneJob];

/**
 * Starts the jobs on their intervals; `stop` waits for passes in flight. Each pass is logged at
 * debug level with what it did, and a failed one as an error: the next pass tries again.
 */
export function startBackgroundJobs(deps: JobDeps, jobs: readonly BackgroundJob[] = JOBS): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of jobs) {
    const logger = deps.logger.child({ job: job.name });
    const tick = () => {
      const started = Date.now();
      const pass = job.runOnce({ ...deps, logger }).then(
        (result) => logger.debug({ durationMs: Date.now() - started, result }, 'job pass'),
        (error) => logger.error({ durationMs: Date.now() - started, err: error }, 'job failed'),
      );
      running.add(pass);
      void pass.finally(() => running.delete(pass));
    };
    timers.push(setInterval(tick, job.intervalMs(deps.config)).unref());
  }
  return {
    stop: async () => {
      timers.forEach(clearInterval);
      await Promise.all(running);
    },
  };
}
