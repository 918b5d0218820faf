import type { EntityManager } from 'typeorm';
import { Account } from './account.entity';
import { Token, TokenKind } from '../auth/token.entity';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../auth/passwords';
import { newSecret } from '../auth/secrets';
import { AccessTokenScope } from '../common/enums';
import { normalizeEmail } from '../common/validators';
import { isUuid } from '../common/ids';
import { recordAudit } from '../audit/audit.service';
import { codeFilesOfWorkspaces } from '../workspace/purge.job';
import { conflict, forbidden, invalid, unauthenticated } from '../errors';

const DAY_MS = 86_400_000;

export interface NewSession {
  token: string;
  expiresAt: Date;
  account: Account;
}

/** Opens a sign-in session for an account: a random bearer secret of which only the hash is kept. */
export async function createSession(db: EntityManager, account: Account, ttlDays: number): Promise<NewSession> {
  const { secret, hash } = newSecret('ats');
  const expiresAt = new Date(Date.now() + ttlDays * DAY_MS);
  await db.getRepository(Token).insert({ accountId: account.id, kind: TokenKind.SESSION, tokenHash: hash, expiresAt, name: 'session' });
  return { token: secret, expiresAt, account };
}

/** Creates an account; the email must be free (ignoring case). Concurrent sign-ups of one address: one wins. */
export async function createAccount(db: EntityManager, input: { email: string; password: string; name: string }): Promise<Account> {
  const passwordHash = await hashPassword(input.password);
  const rows: { id: string }[] = await db.query(
    'INSERT INTO account (email, name, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id',
    [normalizeEmail(input.email), input.name.trim(), passwordHash],
  );
  if (!rows.length) throw conflict('An account with this email already exists.', 'ACCOUNT_EXISTS');
  return db.getRepository(Account).findOneByOrFail({ id: rows[0].id });
}

/**
 * The account for an address whose inbox the caller has just proved by holding an invitation
 * token: a new account, verified at once; or, when the address belongs to an account that never
 * verified it, that account, claimed. Someone else may have signed up with the address before its
 * owner (invitation squatting), so it passes to the inbox's holder: the new name and password,
 * the profile cleared, and every session, access token and emailed link of the squatter ended.
 * A verified account is someone's own: CONFLICT, ACCOUNT_EXISTS.
 */
export async function createOrClaimAccount(
  db: EntityManager,
  input: { email: string; password: string; name: string },
): Promise<{ account: Account; claimed: boolean }> {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  const passwordHash = await hashPassword(input.password);
  const inserted: { id: string }[] = await db.query(
    'INSERT INTO account (email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, now()) ON CONFLICT (email) DO NOTHING RETURNING id',
    [email, name, passwordHash],
  );
  if (inserted.length) return { account: await db.getRepository(Account).findOneByOrFail({ id: inserted[0].id }), claimed: false };
  // The conflicting row is committed (the insert waited for it), so this statement sees it.
  const [holder]: { id: string; email_verified_at: Date | null }[] = await db.query('SELECT id, email_verified_at FROM account WHERE email = $1 FOR UPDATE', [
    email,
  ]);
  if (!holder || holder.email_verified_at) throw conflict('An account with this email already exists; sign in to accept the invitation.', 'ACCOUNT_EXISTS');
  await db.query(
    `UPDATE account SET name = $2, password_hash = $3, job_title = NULL, avatar_url = NULL, email_verified_at = now(), modified_at = now()
      WHERE id = $1`,
    [holder.id, name, passwordHash],
  );
  await db.query('UPDATE token SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL', [holder.id]);
  await db.query('UPDATE password_reset SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [holder.id]);
  await db.query('UPDATE email_verification SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [holder.id]);
  return { account: await db.getRepository(Account).findOneByOrFail({ id: holder.id }), claimed: true };
}

/** Checks credentials; an unknown email and a wrong password get the same answer, in the same time. */
export async function checkCredentials(db: EntityManager, email: string, password: string): Promise<Account> {
  const account = await db.getRepository(Account).findOneBy({ email: normalizeEmail(email) });
  const ok = await verifyPassword(password, account?.passwordHash ?? (await dummyHash()));
  if (!account || !ok) throw unauthenticated('The email or password is wrong.');
  if (needsRehash(account.passwordHash)) await rehash(db, account, password);
  return account;
}

/**
 * Stores a hash with the current scrypt parameters once the password is known to be right: the
 * only moment the server holds it. Compare-and-set on the old hash, so a password changed or
 * reset meanwhile is never overwritten by the one this sign-in checked.
 */
async function rehash(db: EntityManager, account: Account, password: string): Promise<void> {
  const fresh = await hashPassword(password);
  await db.query('UPDATE account SET password_hash = $1 WHERE id = $2 AND password_hash = $3', [fresh, account.id, account.passwordHash]);
  account.passwordHash = fresh;
}

/** Confirms the caller's password before a sensitive change. */
export async function confirmPassword(account: Account, password: string, field: string): Promise<void> {
  if (!(await verifyPassword(password, account.passwordHash))) throw invalid(field, 'The password is wrong.');
}

export async function changePassword(db: EntityManager, account: Account, current: string, next: string, keepTokenId: string | null): Promise<void> {
  await confirmPassword(account, current, 'currentPassword');
  await db.getRepository(Account).update(account.id, { passwordHash: await hashPassword(next) });
  // Other sessions end: a changed password is often a response to a leak. Access tokens stay.
  await db
    .createQueryBuilder()
    .update(Token)
    .set({ revokedAt: () => 'now()' })
    .where('account_id = :id AND kind = :kind AND revoked_at IS NULL', { id: account.id, kind: TokenKind.SESSION })
    .andWhere(keepTokenId ? 'id <> :keep' : 'TRUE', { keep: keepTokenId })
    .execute();
}

export async function createAccessToken(
  db: EntityManager,
  account: Account,
  input: { name: string; scope?: AccessTokenScope | null; expiresAt?: Date | null },
): Promise<{ token: string; accessToken: Token }> {
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw invalid('expiresAt', 'expiresAt must be in the future.');
  const { secret, hash } = newSecret('atp');
  const repo = db.getRepository(Token);
  const accessToken = await repo.save(
    repo.create({
      accountId: account.id,
      kind: TokenKind.ACCESS,
      name: input.name.trim(),
      scope: input.scope ?? AccessTokenScope.WRITE,
      tokenHash: hash,
      expiresAt: input.expiresAt ?? null,
    }),
  );
  return { token: secret, accessToken };
}

/** Revokes one of the caller's own access tokens; someone else's is NOT_FOUND, like a missing one. */
export async function revokeAccessToken(db: EntityManager, account: Account, id: string): Promise<Token | null> {
  if (!isUuid(id)) return null;
  const repo = db.getRepository(Token);
  const token = await repo.findOneBy({ id, accountId: account.id, kind: TokenKind.ACCESS });
  if (!token) return null;
  if (!token.revokedAt) {
    token.revokedAt = new Date();
    await repo.save(token);
  }
  return token;
}

/** Ends the session (or revokes the access token) used for this request. */
export async function signOut(db: EntityManager, token: Token | null): Promise<void> {
  if (!token) throw forbidden('There is no session to end.');
  await db.getRepository(Token).update(token.id, { revokedAt: new Date() });
}

/**
 * Deletes an account (RULES.md §4): refused with OWNS_WORKSPACES while it owns a workspace (live or
 * removed) that has other members; workspaces it owns alone are deleted for good with it (with no
 * owner left, nobody could restore them, and the one-owner invariant forbids an ownerless one); elsewhere its memberships end as if it left
 * (its projects pass to the workspace owner, `member.left` in the audit log). Its sessions and
 * access tokens are deleted with the row, so they stop working on the very next request.
 * Answers the stored code archives of the deleted workspaces, to delete once this has committed.
 *
 * Every workspace it belongs to is locked first (in id order, like every membership change), so a
 * concurrent invitation acceptance or ownership transfer cannot slip between the check and the delete.
 */
export async function deleteAccount(db: EntityManager, account: Account): Promise<{ codeFiles: string[] }> {
  await db.query('SELECT id FROM account WHERE id = $1 FOR UPDATE', [account.id]);
  await db.query(
    `SELECT w.id FROM workspace w JOIN membership m ON m.workspace_id = w.id
      WHERE m.account_id = $1 ORDER BY w.id FOR UPDATE OF w`,
    [account.id],
  );
  // Counted after the locks, so the snapshot sees every membership committed before them.
  const owned: { workspace_id: string; others: number }[] = await db.query(
    `SELECT w.id AS workspace_id,
            (SELECT count(*)::int FROM membership o WHERE o.workspace_id = w.id AND o.account_id <> $1) AS others
       FROM membership m JOIN workspace w ON w.id = m.workspace_id
      WHERE m.account_id = $1 AND m.role = 'OWNER'`,
    [account.id],
  );
  // A removed workspace counts too: a platform admin may still restore it, and it needs its owner.
  if (owned.some((w) => w.others > 0)) {
    throw conflict('Transfer ownership of your workspaces that have other members, or remove them, before deleting your account.', 'OWNS_WORKSPACES');
  }
  const gone = owned.map((w) => w.workspace_id);
  const codeFiles = await codeFilesOfWorkspaces(db, gone);
  if (gone.length) await db.query('DELETE FROM workspace WHERE id = ANY($1::uuid[])', [gone]);
  const memberships: { workspace_id: string; owner_id: string; role: string }[] = await db.query(
    `SELECT m.workspace_id, m.role, o.account_id AS owner_id FROM membership m
       JOIN membership o ON o.workspace_id = m.workspace_id AND o.role = 'OWNER'
      WHERE m.account_id = $1`,
    [account.id],
  );
  for (const m of memberships) {
    const moved: { id: string }[] = await db.query(
      `WITH moved AS (UPDATE project SET owner_id = $3, modified_at = now() WHERE workspace_id = $1 AND owner_id = $2 RETURNING id)
       SELECT id FROM moved`,
      [m.workspace_id, account.id, m.owner_id],
    );
    await recordAudit(db, {
      workspaceId: m.workspace_id,
      actorId: account.id,
      action: 'member.left',
      details: { accountId: account.id, name: account.name, role: m.role, reason: 'account_deleted', reassignedProjectIds: moved.map((p) => p.id) },
    });
  }
  await db.query('DELETE FROM account WHERE id = $1', [account.id]);
  return { codeFiles };
}
