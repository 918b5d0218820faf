import type { DataSource } from 'typeorm';
import { Account } from '../account/account.entity';
import { unauthenticated } from '../errors';
import { Membership } from '../membership/membership.entity';
import { hydrate, jsonColumns, selectColumns } from '../db/rows';
import { hashSecret } from './secrets';
import { Token } from './token.entity';
import { queryRows } from '../db/query';

/** How often `lastUsedAt` is written, at most: a busy token must not cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

let sessionSql: string | undefined;

/**
 * The token, its account and all the account's memberships in one statement: every request that
 * checks a role needs the memberships, so they ride along instead of costing a query of their own.
 */
function sessionQuery(db: DataSource): string {
  return (sessionSql ??= `
    SELECT ${selectColumns(db, Token, 't', 't__')}, ${selectColumns(db, Account, 'a', 'a__')},
           (SELECT coalesce(json_agg(${jsonColumns(db, Membership, 'm')}), '[]'::json)
              FROM membership m WHERE m.account_id = a.id) AS memberships
      FROM token t JOIN account a ON a.id = t.account_id
     WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`);
}

/**
 * Resolves the `Authorization` header to an account. No header: a guest. A header that is not a
 * valid, live bearer token: UNAUTHENTICATED — never guest access. Cookies are never read.
 */
export interface Authentication {
  user: Account | null;
  token: Token | null;
  /** The caller's memberships, read in the same statement, so role checks cost no query. */
  memberships: Membership[] | null;
}

export async function authenticate(db: DataSource, header: string | undefined): Promise<Authentication> {
  if (header === undefined || header.trim() === '') return { user: null, token: null, memberships: null };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  const rows: Record<string, unknown>[] = await queryRows(db, sessionQuery(db), [hashSecret(match[1])]);
  if (!rows.length) throw unauthenticated('The token is invalid, expired or revoked.');
  const token = hydrate(db, Token, rows[0], 't__');
  const account = hydrate(db, Account, rows[0], 'a__');
  const now = Date.now();
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    token.lastUsedAt = new Date(now);
    // Best effort and off the request's path: a lost lastUsedAt update is harmless.
    db.query('UPDATE token SET last_used_at = now() WHERE id = $1', [token.id]).catch(() => undefined);
  }
  const memberships = (rows[0].memberships as Record<string, unknown>[]).map((m) => hydrate(db, Membership, m));
  return { user: account, token, memberships };
}
