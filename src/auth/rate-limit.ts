import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { BackgroundJob } from '../jobs';
import { normalizeEmail } from '../common/validators';
import { rateLimited } from '../errors';

/** Anything that can run SQL outside a business transaction: the data source or its manager. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** A fixed-window limit: at most `max` units per `windowSeconds` for one key. `max` 0 disables it. */
export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
  /** Shown to people when refused. */
  message?: string;
}

/** Emails in keys are hashed: the counters need no readable addresses, and keys stay short. */
const emailKey = (email: string) => createHash('sha256').update(normalizeEmail(email)).digest('hex').slice(0, 40);

/** The abuse limits of SPEC.md, each configurable (src/config.ts). */
export const LIMITS = {
  invitesPerWorkspace: (config: Config, workspaceId: string): Limit => ({
    key: `invite:workspace:${workspaceId}`,
    max: config.inviteLimitPerWorkspacePerDay,
    windowSeconds: 86_400,
    message: 'This workspace has sent too many invitations today; try again later.',
  }),
  invitesPerInviter: (config: Config, accountId: string): Limit => ({
    key: `invite:inviter:${accountId}`,
    max: config.inviteLimitPerInviterPerHour,
    windowSeconds: 3_600,
    message: 'You have sent too many invitations in the last hour; try again later.',
  }),
  signIn: (config: Config, email: string): Limit => ({
    key: `sign-in:${emailKey(email)}`,
    max: config.signInLimitPerEmail,
    windowSeconds: 900,
    message: 'Too many sign-in attempts for this address; try again later.',
  }),
  passwordReset: (config: Config, email: string): Limit => ({
    key: `password-reset:${emailKey(email)}`,
    max: config.passwordResetLimitPerEmail,
    windowSeconds: 3_600,
    message: 'Too many password reset requests for this address; try again later.',
  }),
  verificationResend: (config: Config, accountId: string): Limit => ({
    key: `verification-resend:${accountId}`,
    max: config.verificationResendLimitPerHour,
    windowSeconds: 3_600,
    message: 'Too many verification emails were sent to this address in the last hour; try again later.',
  }),
};

/**
 * Counts `cost` units against a limit, or refuses with RATE_LIMITED (and `retryAfterSeconds`)
 * when they would not fit. One atomic upsert on the shared `rate_limit` table, so the limit holds
 * across every server process; a refused attempt is not counted. Call it with the data source,
 * outside the business transaction, so the count survives when that transaction rolls back.
 */
export async function consume(db: Queryable, limit: Limit, cost = 1): Promise<void> {
  if (limit.max <= 0 || cost <= 0) return;
  const [row]: { count: number | null; retry: number }[] = await db.query(
    `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2::int) * $2::int) AS start),
          hit AS (
            INSERT INTO rate_limit AS r (key, window_start, count)
            SELECT $1::varchar, w.start, $3::int FROM w WHERE $3::int <= $4::int
            ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + EXCLUDED.count
             WHERE r.count + EXCLUDED.count <= $4::int
            RETURNING r.count)
     SELECT (SELECT count FROM hit) AS count,
            ceil(extract(epoch FROM (SELECT start FROM w) + make_interval(secs => $2::int) - clock_timestamp()))::int AS retry`,
    [limit.key, limit.windowSeconds, cost, limit.max],
  );
  if (row.count === null) throw rateLimited(Math.max(1, row.retry), limit.message);
}

/** Consumes several limits together: when one refuses, the units already taken from the others are given back. */
export async function consumeAll(db: Queryable, limits: Limit[], cost = 1): Promise<void> {
  const taken: Limit[] = [];
  try {
    for (const limit of limits) {
      await consume(db, limit, cost);
      taken.push(limit);
    }
  } catch (error) {
    for (const limit of taken) await refund(db, limit, cost);
    throw error;
  }
}

/** Gives back units of the current window (after a refusal elsewhere). */
async function refund(db: Queryable, limit: Limit, cost: number): Promise<void> {
  if (limit.max <= 0) return;
  await db.query(
    `UPDATE rate_limit SET count = greatest(count - $3::int, 0)
      WHERE key = $1 AND window_start = to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2::int) * $2::int)`,
    [limit.key, limit.windowSeconds, cost],
  );
}

/**
 * A cooldown between two actions on one object (resending an invitation): refused with
 * RATE_LIMITED until `seconds` have passed since `last`. Checked under the object's row lock.
 */
export function ensureCooldown(last: Date, seconds: number, message = 'This was done a moment ago; try again shortly.'): void {
  if (seconds <= 0) return;
  const waitMs = last.getTime() + seconds * 1000 - Date.now();
  if (waitMs > 0) throw rateLimited(Math.ceil(waitMs / 1000), message);
}

/** Deletes counters of windows that ended over a day ago (the longest window is a day). */
export async function pruneRateLimits(db: Queryable): Promise<number> {
  // TypeORM answers an UPDATE or DELETE with [rows, affected].
  const [, affected]: [unknown[], number] = await db.query(`DELETE FROM rate_limit WHERE window_start < now() - interval '2 days'`);
  return affected;
}

export const rateLimitPruneJob: BackgroundJob = {
  name: 'rate-limit-prune',
  runOnce: ({ db }: { db: DataSource }) => pruneRateLimits(db),
  intervalMs: () => 3_600_000,
};
