import { canInWorkspace, workspaceAccess } from '../auth/access';
import { defineLoader, RequestDataLoader, type Context } from '../context';
import type { Membership } from '../membership/membership.entity';
import { membershipByWorkspaceAccount } from '../membership/membership.loaders';
import { byKeys, isUuid } from '../common/ids';
import { entitiesByIds } from '../db/rows';
import { Project } from './project.entity';

/** Live (not removed) projects by id. Whether their workspace is live is the access check's business. */
export const projectById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Project | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Project, ids.filter(isUuid), { where: 't.removed_at IS NULL' });
      return byKeys(ids, rows, (p) => p.id);
    }),
);

/** Projects by id, removed ones included (restoreProject). */
export const anyProjectById = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Project | null>(async (ids) => {
      const rows = await entitiesByIds(ctx.db, Project, ids.filter(isUuid));
      return byKeys(ids, rows, (p) => p.id);
    }),
);

/**
 * The Member of `accountId` in a workspace, for fields such as Project.owner and Run.createdBy:
 * null when the account is not (or no longer) a member, and null for callers who may not see
 * people there (guests). Costs no query per item: access and memberships come from loaders, which
 * the pages that list such items prime.
 */
export async function visibleMember(ctx: Context, workspaceId: string, accountId: string | null): Promise<Membership | null> {
  if (!accountId) return null;
  const access = await workspaceAccess(ctx, workspaceId);
  if (!access || !canInWorkspace(access, 'workspace.people.list')) return null;
  return membershipByWorkspaceAccount(ctx).load(`${workspaceId}:${accountId}`);
}
