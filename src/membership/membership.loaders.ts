import DataLoader from 'dataloader';
import { In } from 'typeorm';
import { defineLoader, type Context } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { WorkspaceRole } from '../common/enums';
import { Account } from '../account/account.entity';
import { Membership } from './membership.entity';

/**
 * All of the caller's memberships, keyed by workspace id, loaded once per request: every role
 * check of the request reads this map, so a page of 100 objects costs one query.
 */
const viewerMembershipMap = defineLoader(
  (ctx) =>
    new DataLoader<'all', Map<string, Membership>>(async (keys) => {
      const rows = ctx.user ? await ctx.db.getRepository(Membership).findBy({ accountId: ctx.user.id }) : [];
      const map = new Map(rows.map((m) => [m.workspaceId, m]));
      return keys.map(() => map);
    }),
);

/** The caller's membership of a workspace, or null. */
export async function viewerMembership(ctx: Context, workspaceId: string): Promise<Membership | null> {
  if (!ctx.user) return null;
  return (await viewerMembershipMap(ctx).load('all')).get(workspaceId) ?? null;
}

/** Memberships by id. */
export const membershipById = defineLoader(
  (ctx) =>
    new DataLoader<string, Membership | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Membership).findBy({ id: In(valid) }) : [];
      return byKeys(ids, rows, (m) => m.id);
    }),
);

/** A workspace's membership of an account, keyed `${workspaceId}:${accountId}`. */
export const membershipByWorkspaceAccount = defineLoader(
  (ctx) =>
    new DataLoader<string, Membership | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(':')).filter(([w, a]) => isUuid(w) && isUuid(a));
      if (!pairs.length) return keys.map(() => null);
      const rows = await ctx.db
        .getRepository(Membership)
        .createQueryBuilder('m')
        .where('(m.workspace_id, m.account_id) IN (SELECT * FROM unnest(:ws::uuid[], :as::uuid[]))', {
          ws: pairs.map((p) => p[0]),
          as: pairs.map((p) => p[1]),
        })
        .getMany();
      return byKeys(keys, rows, (m) => `${m.workspaceId}:${m.accountId}`);
    }),
);

/** The owner's membership of each workspace. */
export const ownerMembership = defineLoader(
  (ctx) =>
    new DataLoader<string, Membership | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Membership).findBy({ workspaceId: In(valid), role: WorkspaceRole.OWNER }) : [];
      return byKeys(ids, rows, (m) => m.workspaceId);
    }),
);

/** Accounts by id (a member's `user`, name and profile). */
export const accountById = defineLoader(
  (ctx) =>
    new DataLoader<string, Account | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await ctx.db.getRepository(Account).findBy({ id: In(valid) }) : [];
      return byKeys(ids, rows, (a) => a.id);
    }),
);

/** The account (id and name) registered with each normalized email address, or null (Invitation.name). */
export const accountByEmail = defineLoader(
  (ctx) =>
    new DataLoader<string, { id: string; name: string } | null>(async (emails) => {
      const rows: { id: string; email: string; name: string }[] = await ctx.db.query('SELECT id, email, name FROM account WHERE email = ANY($1::text[])', [emails]);
      return byKeys(emails, rows, (a) => a.email).map((a) => (a ? { id: a.id, name: a.name } : null));
    }),
);
