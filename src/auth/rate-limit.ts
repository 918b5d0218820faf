import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { BackgroundJob } from '../jobs';
import type { Context } from '../context';
import { normalizeEmail } from '../common/validators';
import { rateLimited } from '../errors';

/**
 * A sliding-window limit: at most `max` units in any `windowSeconds` for one key. `max` 0 disables
 * it. Sliding, not aligned to the clock: a fixed window let a client spend `max` just before a
 * boundary and `max` again just after, and told a refused client to wait for the boundary rather
 * than for its oldest counted unit to age out.
 */
export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
  /** Shown to people when refused. */
  message?: string;
}

/** The units one call took, so a caller can give them back (a sign-in that turned out right). */
export interface Hold {
  ids: string[];
}

/** Keys hold no readable email or client address: the counters need neither, and keys stay short. */
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);
const emailKey = (email: string) => digest(normalizeEmail(email.slice(0, 320)));
const clientKey = (client: string) => digest(`client ${client}`);

const SIGN_IN_WINDOW = 900;

/** The abuse limits (README "Limits"), each configurable (src/config.ts). */
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
  /** Failed sign-ins for one address from one client: the limit a guesser meets first. */
  signInPerEmailAndClient: (config: Config, email: string, client: string): Limit => ({
    key: `sign-in:email-client:${emailKey(email)}:${clientKey(client)}`,
    max: config.signInFailuresPerEmailAndClient,
    windowSeconds: SIGN_IN_WINDOW,
    message: 'Too many failed sign-in attempts for this address; try again later.',
  }),
  /** Failed sign-ins from one client over every address: guessing across many accounts. */
  signInPerClient: (config: Config, client: string): Limit => ({
    key: `sign-in:client:${clientKey(client)}`,
    max: config.signInFailuresPerClient,
    windowSeconds: SIGN_IN_WINDOW,
    message: 'Too many failed sign-in attempts from your network; try again later.',
  }),
  /** Failed sign-ins for one address from every client: the ceiling against a guesser with many clients. */
  signInPerEmail: (config: Config, email: string): Limit => ({
    key: `sign-in:email:${emailKey(email)}`,
    max: config.signInFailuresPerEmail,
    windowSeconds: SIGN_IN_WINDOW,
    message: 'Too many failed sign-in attempts for this address; try again later.',
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
 * Requests limited per client address, each counted on every attempt. A new kind is a line here
 * and a setting in src/config.ts; a resolver applies it with `limitClient(ctx, kind)`.
 */
const CLIENT_LIMITS = {
  signUp: { max: (c: Config) => c.signUpLimitPerClient, windowSeconds: 3_600, message: 'Too many sign-ups from your network; try again later.' },
  passwordReset: {
    max: (c: Config) => c.passwordResetLimitPerClient,
    windowSeconds: 3_600,
    message: 'Too many password reset requests from your network; try again later.',
  },
  verificationEmail: {
    max: (c: Config) => c.verificationEmailLimitPerClient,
    windowSeconds: 3_600,
    message: 'Too many verification emails requested from your network; try again later.',
  },
} satisfies Record<string, { max: (c: Config) => number; windowSeconds: number; message: string }>;

export type ClientLimitKind = keyof typeof CLIENT_LIMITS;

export function clientLimit(config: Config, kind: ClientLimitKind, client: string): Limit {
  const { max, windowSeconds, message } = CLIENT_LIMITS[kind];
  return { key: `${kind}:client:${clientKey(client)}`, max: max(config), windowSeconds, message };
}

/**
 * Counts one request of `kind` from the caller's client, together with `also` (say, a limit per
 * address), or refuses them all with RATE_LIMITED. Call it first in the resolver, on the data
 * source, so a request that fails later still counts.
 */
export function limitClient(ctx: Pick<Context, 'db' | 'config' | 'clientAddress'>, kind: ClientLimitKind, ...also: Limit[]): Promise<Hold> {
  return consumeAll(ctx.db, [clientLimit(ctx.config, kind, ctx.clientAddress), ...also]);
}

/**
 * Runs a password check under the failed sign-in limits. Before the check, one failure is taken
 * from each of: the address from this client, this client, and the address from every client.
 * When the check throws, that failure stays counted; when it passes, it is given back and this
 * client's earlier failures on the address are forgiven (its failures on other addresses stay).
 * Taking it first, rather than counting after a wrong password, keeps the limit exact when
 * attempts arrive in parallel. A stranger's failures so reach only the address's own ceiling,
 * far above what one client may fail (RULES.md §4).
 */
export async function limitSignInFailures<T>(ctx: Pick<Context, 'db' | 'config' | 'clientAddress'>, email: string, check: () => Promise<T>): Promise<T> {
  const pair = LIMITS.signInPerEmailAndClient(ctx.config, email, ctx.clientAddress);
  const hold = await consumeAll(ctx.db, [pair, LIMITS.signInPerClient(ctx.config, ctx.clientAddress), LIMITS.signInPerEmail(ctx.config, email)]);
  const result = await check();
  await ctx.db.query(`DELETE FROM rate_limit WHERE id = ANY($1::bigint[]) OR key = $2`, [hold.ids, pair.key]);
  return result;
}

/** Advisory locks of the limits live under this class id ('RL'), apart from the other advisory locks. */
const LOCK_CLASS = 0x524c;

/**
 * Refuses (retry seconds) or admits (null) `$3` units against the key `$1` with window `$2` and
 * max `$4`. The wait is until enough of the oldest counted units age out of the window for the
 * new ones to fit, so right after a first failure it is about a whole window.
 */
const CHECK = `
  WITH live AS (
    SELECT at, sum(count) OVER (ORDER BY at, id) AS upto, sum(count) OVER () AS used
      FROM rate_limit WHERE key = $1 AND at > clock_timestamp() - make_interval(secs => $2::int))
  SELECT CASE
    WHEN $3::int > $4::int THEN $2::int
    WHEN coalesce((SELECT max(used) FROM live), 0) + $3::int <= $4::int THEN NULL
    ELSE (SELECT ceil(extract(epoch FROM min(at) + make_interval(secs => $2::int) - clock_timestamp()))::int
            FROM live WHERE upto >= used + $3::int - $4::int)
  END AS retry`;

/** Counts `cost` units against one limit, or refuses with RATE_LIMITED (see consumeAll). */
export function consume(db: DataSource, limit: Limit, cost = 1): Promise<Hold> {
  return consumeAll(db, [limit], cost);
}

/**
 * Counts `cost` units against every limit, or refuses with RATE_LIMITED (`retryAfterSeconds`:
 * until all of them would fit) and counts nothing. Each counted request is a row of the shared
 * `rate_limit` table, read and written under a transaction-scoped advisory lock per key (taken
 * in key order, so two calls cannot deadlock): the limits hold exactly across every server
 * process. Call it with the data source, outside the business transaction, so the count survives
 * when that transaction rolls back.
 */
export async function consumeAll(db: DataSource, limits: Limit[], cost = 1): Promise<Hold> {
  const active = limits.filter((l) => l.max > 0);
  if (!active.length || cost <= 0) return { ids: [] };
  return db.transaction(async (tx) => {
    for (const key of [...new Set(active.map((l) => l.key))].sort()) {
      await tx.query(`SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [LOCK_CLASS, key]);
    }
    let refusal: { retry: number; limit: Limit } | null = null;
    for (const limit of active) {
      const [row]: { retry: number | null }[] = await tx.query(CHECK, [limit.key, limit.windowSeconds, cost, limit.max]);
      if (row.retry !== null && (!refusal || row.retry > refusal.retry)) refusal = { retry: row.retry, limit };
    }
    if (refusal) throw rateLimited(Math.max(1, refusal.retry), refusal.limit.message);
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO rate_limit (key, at, count) SELECT k, clock_timestamp(), $2::int FROM unnest($1::varchar[]) AS k RETURNING id`,
      [active.map((l) => l.key), cost],
    );
    return { ids: rows.map((r) => String(r.id)) };
  });
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

/** Deletes counted units older than any window (the longest is a day). */
export async function pruneRateLimits(db: DataSource): Promise<number> {
  // TypeORM answers an UPDATE or DELETE with [rows, affected].
  const [, affected]: [unknown[], number] = await db.query(`DELETE FROM rate_limit WHERE at < now() - interval '2 days'`);
  return affected;
}

export const rateLimitPruneJob: BackgroundJob = {
  name: 'rate-limit-prune',
  runOnce: ({ db }: { db: DataSource }) => pruneRateLimits(db),
  intervalMs: () => 3_600_000,
};
