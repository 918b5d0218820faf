import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { purgeJob } from './workspace/purge.job';
import { mailJob } from './mail/mail.worker';
import { rateLimitPruneJob } from './auth/rate-limit';

export interface BackgroundJob {
  name: string;
  /** Runs one pass; must be safe to run in several processes at once (row locks, SKIP LOCKED). */
  runOnce(deps: { db: DataSource; config: Config }): Promise<unknown>;
  intervalMs(config: Config): number;
}

/** Every background job of the process; features add theirs here. */
export const JOBS: BackgroundJob[] = [purgeJob, mailJob, rateLimitPruneJob];

/** Starts `jobs` (all of them by default) on their intervals; `stop` waits for passes in flight. */
export function startBackgroundJobs(deps: { db: DataSource; config: Config }, jobs: BackgroundJob[] = JOBS): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of jobs) {
    const tick = () => {
      const pass = job.runOnce(deps).catch((error) => console.error(`job ${job.name} failed:`, error));
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
