import type { EntityManager } from 'typeorm';
import type { Account } from './account.entity';
import { hashSecret, newSecret } from '../auth/secrets';
import type { Config } from '../config';
import { enqueueEmail } from '../mail/outbox';
import { emailVerificationEmail, emailVerificationLink } from '../mail/templates';

/** How long a verification link works (docs/RULES.md §4). */
export const EMAIL_VERIFICATION_TTL_MS = 24 * 3_600_000;

/**
 * Issues a single-use verification token for the account and queues the email with its link, in
 * the caller's transaction (so the email exists exactly when the account or the request does).
 * Earlier links keep working until they expire or one of them is used.
 */
export async function sendVerificationEmail(db: EntityManager, config: Config, account: Pick<Account, 'id' | 'email' | 'name'>): Promise<void> {
  const { secret, hash } = newSecret('atv');
  const expiresAt = new Date(Date.now() + EMAIL_VERIFICATION_TTL_MS);
  await db.query('INSERT INTO email_verification (account_id, token_hash, expires_at) VALUES ($1, $2, $3)', [account.id, hash, expiresAt]);
  await enqueueEmail(db, {
    kind: 'email_verification',
    to: account.email,
    ...emailVerificationEmail({ name: account.name, expiresAt, link: emailVerificationLink(config.publicUrl, secret) }),
  });
}

/**
 * Marks the account's address as proved and ends its outstanding verification links: there is
 * nothing left for them to prove. Keeps the first verification time.
 */
export async function markEmailVerified(db: EntityManager, accountId: string): Promise<void> {
  await db.query('UPDATE account SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1', [accountId]);
  await db.query('UPDATE email_verification SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [accountId]);
}

/**
 * Uses a verification token: atomically (of two concurrent uses one wins), then verifies its
 * account. False for an unknown, used or expired token, so the page can say the link is stale.
 */
export async function verifyEmail(db: EntityManager, token: string): Promise<boolean> {
  const [row]: { account_id: string }[] = await db.query(
    `WITH used AS (
       UPDATE email_verification SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING account_id)
     SELECT account_id FROM used`,
    [hashSecret(token)],
  );
  if (!row) return false;
  await markEmailVerified(db, row.account_id);
  return true;
}

/**
 * Sends a new verification link unless the address is verified already (false then: nothing to
 * send). The account row is locked, so a verification committing meanwhile is seen here.
 */
export async function resendVerificationEmail(db: EntityManager, config: Config, accountId: string): Promise<boolean> {
  const [account]: { id: string; email: string; name: string; email_verified_at: Date | null }[] = await db.query(
    'SELECT id, email, name, email_verified_at FROM account WHERE id = $1 FOR UPDATE',
    [accountId],
  );
  if (!account || account.email_verified_at) return false;
  await sendVerificationEmail(db, config, account);
  return true;
}
