import type { EntityManager } from 'typeorm';
import { Account } from './account.entity';
import { createSession, type NewSession } from './account.service';
import { hashPassword } from '../auth/passwords';
import { hashSecret, newSecret } from '../auth/secrets';
import { isEmail, normalizeEmail } from '../common/validators';
import type { Config } from '../config';
import { invalid } from '../errors';
import { enqueueEmail } from '../mail/outbox';
import { passwordResetEmail, passwordResetLink } from '../mail/templates';

/** How long a reset link works (RULES.md §4). */
export const PASSWORD_RESET_TTL_MS = 3_600_000;

/**
 * Issues a single-use reset token for the account of `email` and queues its email, in one
 * transaction. An unknown address does the same lookup and nothing else, so the caller cannot
 * tell the two apart (the answer is the same; the timing differs by one small insert).
 */
export async function requestPasswordReset(db: EntityManager, config: Config, email: string): Promise<void> {
  if (!isEmail(email)) return;
  const account = await db.getRepository(Account).findOneBy({ email: normalizeEmail(email) });
  if (!account) return;
  const { secret, hash } = newSecret('atr');
  const expiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS);
  await db.query('INSERT INTO password_reset (account_id, token_hash, expires_at) VALUES ($1, $2, $3)', [account.id, hash, expiresAt]);
  await enqueueEmail(db, {
    kind: 'password_reset',
    to: account.email,
    ...passwordResetEmail({ name: account.name, expiresAt, link: passwordResetLink(config.publicUrl, secret) }),
  });
}

/**
 * Sets a new password with a reset token: the token is used up atomically (a concurrent second
 * use finds it used), every other outstanding reset token of the account, all its sessions and
 * all its personal access tokens end, and a new session is opened. A bad, used or expired token is BAD_USER_INPUT on `token`.
 */
export async function resetPassword(db: EntityManager, config: Config, input: { token: string; newPassword: string }): Promise<NewSession> {
  const [row]: { account_id: string }[] = await db.query(
    `WITH used AS (
       UPDATE password_reset SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING account_id)
     SELECT account_id FROM used`,
    [hashSecret(input.token)],
  );
  if (!row) throw invalid('token', 'This password reset link is invalid, already used or expired; request a new one.');
  await db.getRepository(Account).update(row.account_id, { passwordHash: await hashPassword(input.newPassword) });
  await db.query('UPDATE password_reset SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [row.account_id]);
  // Every session AND personal access token ends: a reset is how an owner takes a hijacked
  // account back, and a token the intruder made must not outlive it (docs/RULES.md §4).
  await db.query('UPDATE token SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL', [row.account_id]);
  const account = await db.getRepository(Account).findOneByOrFail({ id: row.account_id });
  return createSession(db, account, config.sessionTtlDays);
}
