import type { DataSource } from 'typeorm';
import { Account } from '../account/account.entity';
import { unauthenticated } from '../errors';
import { hashSecret } from './secrets';
import { Token } from './token.entity';

/** How often `lastUsedAt` is written, at most: a busy token must not cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves the `Authorization` header to an account. No header: a guest. A header that is not a
 * valid, live bearer token: UNAUTHENTICATED — never guest access. Cookies are never read.
 */
export async function authenticate(db: DataSource, header: string | undefined): Promise<{ user: Account | null; token: Token | null }> {
  if (header === undefined || header.trim() === '') return { user: null, token: null };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  const token = await db
    .getRepository(Token)
    .createQueryBuilder('t')
    .innerJoinAndSelect('t.account', 'a')
    .where('t.token_hash = :hash', { hash: hashSecret(match[1]) })
    .andWhere('t.revoked_at IS NULL')
    .andWhere('(t.expires_at IS NULL OR t.expires_at > now())')
    .getOne();
  if (!token?.account) throw unauthenticated('The token is invalid, expired or revoked.');
  const now = Date.now();
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    token.lastUsedAt = new Date(now);
    // Best effort and off the request's path: a lost lastUsedAt update is harmless.
    db.query('UPDATE token SET last_used_at = now() WHERE id = $1', [token.id]).catch(() => undefined);
  }
  const { account, ...rest } = token;
  return { user: account, token: Object.assign(new Token(), rest) };
}
