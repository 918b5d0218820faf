import { canInWorkspace, workspaceAccess, workspaceAccessNow, type WorkspaceAccess } from '../auth/access';
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
 * Projects' owners as the page that listed the projects read them (WorkspaceProjectsResolver.projects):
 * with only the columns the selection needs, so they stay with their projects.
 */
const LISTED_OWNER = Symbol('listed owner');

type Listed = { [LISTED_OWNER]?: Membership | null };

/** (A symbol property, not a WeakMap: a module-wide WeakMap of short-lived keys measured 4 % of W1.) */
export const attachOwner = (project: Project, owner: Membership | null): void => void ((project as Listed)[LISTED_OWNER] = owner);

/** The owner a page read with this project (null: not a member), or undefined. */
export const attachedOwner = (project: Project): Membership | null | undefined => (project as Listed)[LISTED_OWNER];

/**
 * The Member of `accountId` in a workspace, for fields such as Project.owner and Run.createdBy:
 * null when the account is not (or no longer) a member, and null for callers who may not see
 * people there (guests). Costs no query per item: access and memberships come from loaders.
 */
export function visibleMember(
  ctx: Context,
  workspaceId: string,
  accountId: string | null,
  /** The member as the page that listed the item read it (attachedOwner), if it did. */
  listed?: Membership | null,
): Membership | null | Promise<Membership | null> {
  if (!accountId) return null;
  const access = workspaceAccessNow(ctx, workspaceId);
  if (access === undefined) return workspaceAccess(ctx, workspaceId).then((known) => memberIfVisible(ctx, known, workspaceId, accountId, listed));
  return memberIfVisible(ctx, access, workspaceId, accountId, listed);
}

/** Answers synchronously when the page that listed the item already read the member (the projects page's owners). */
function memberIfVisible(
  ctx: Context, access: WorkspaceAccess | null, workspaceId: string, accountId: string, listed: Membership | null | undefined,
): Membership | null | Promise<Membership | null> {
  if (!access || !canInWorkspace(access, 'workspace.people.list')) return null;
  if (listed !== undefined) return listed;
  const key = `${workspaceId}:${accountId}`;
  const member = membershipByWorkspaceAccount.peek(ctx, key);
  return member !== undefined ? member : membershipByWorkspaceAccount(ctx).load(key);
}
