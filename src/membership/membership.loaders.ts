import { defineLoader, RequestDataLoader, type Context } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { WorkspaceRole } from '../common/enums';
import { Account } from '../account/account.entity';
import { Membership } from './membership.entity';
import { entitiesByIds, hydrate, PUBLIC_ACCOUNT_COLUMNS, selectColumns } from '../db/rows';

/**
 * All of the caller's memberships, keyed by workspace id, loaded once per request: every role
 * check of the request reads this map, so a page of 100 objects costs one query — or none, when
 * authentication already read them.
 */
const viewerMembershipMap = defineLoader(
  (ctx) =>
    new RequestDataLoader<'all', Map<string, Membership>>(async (keys) => {
      const rows = ctx.user ? await ctx.db.getRepository(Membership).findBy({ accountId: ctx.user.id }) : [];
      const map = new Map(rows.map((m) => [m.workspaceId, m]));
      return keys.map(() => map);
    }),
  (loader, ctx) => {
    const preloaded = ctx.preloadedMemberships;
    if (preloaded) {
      ctx.preloadedMemberships = null;
      loader.prime('all', new Map(preloaded.map((m) => [m.workspaceId, m])));
    }
  },
);

/**
 * Starts the request's membership map from what authentication read. Called before each root
 * field runs (auth/access.ts authorize), so they are taken before any mutation could make them stale.
 */
export function usePreloadedMemberships(ctx: Context): void {
  if (ctx.preloadedMemberships) viewerMembershipMap(ctx);
}

/** The caller's membership of a workspace, or null. */
export async function viewerMembership(ctx: Context, workspaceId: string): Promise<Membership | null> {
  if (!ctx.user) return null;
  return (await viewerMembershipMap(ctx).load('all')).get(workspaceId) ?? null;
}

/**
 * A workspace's membership of an account, keyed `${workspaceId}:${accountId}` (Project.owner,
 * Invitation.invitedBy, Run.createdBy). Reads the accounts (their public columns) in the same
 * statement and primes accountById with them, since a Member's name and profile come from its account.
 */
export const membershipByWorkspaceAccount = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Membership | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(':')).filter(([w, a]) => isUuid(w) && isUuid(a));
      if (!pairs.length) return keys.map(() => null);
      const rows: Record<string, unknown>[] = await ctx.db.query(
        `SELECT ${selectColumns(ctx.db, Membership, 'm', 'm__')}, ${selectColumns(ctx.db, Account, 'a', 'a__', PUBLIC_ACCOUNT_COLUMNS)}
           FROM membership m JOIN account a ON a.id = m.account_id
          WHERE (m.workspace_id, m.account_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      const members = rows.map((row) => {
        const account = hydrate(ctx.db, Account, row, 'a__');
        accountById(ctx).prime(account.id, account);
        const member = hydrate(ctx.db, Membership, row, 'm__');
        member.account = account;
        return member;
      });
      return byKeys(keys, members, (m) => `${m.workspaceId}:${m.accountId}`);
    }),
);

/** The owner's membership of each workspace. */
export const ownerMembership = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Membership | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Membership, ids.filter(isUuid), { by: 'workspace_id', where: `t.role = '${WorkspaceRole.OWNER}'` });
      return byKeys(ids, rows, (m) => m.workspaceId);
    }),
);

/** Accounts by id, their public columns only (a member's `user`, name and profile; an audit event's actor). */
export const accountById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Account | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Account, ids.filter(isUuid), { only: PUBLIC_ACCOUNT_COLUMNS });
      return byKeys(ids, rows, (a) => a.id);
    }),
);

/** The account (id and name) registered with each normalized email address, or null (Invitation.name). */
export const accountByEmail = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, { id: string; name: string } | null>(async (emails) => {
      const rows: { id: string; email: string; name: string }[] = await ctx.db.query('SELECT id, email, name FROM account WHERE email = ANY($1::text[])', [
        emails,
      ]);
      return byKeys(emails, rows, (a) => a.email).map((a) => (a ? { id: a.id, name: a.name } : null));
    }),
);
