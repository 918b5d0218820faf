import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import { accessTo, canInWorkspace, workspaceAccess, workspacePermissions } from '../auth/access';
import { SortDirection, Visibility, WorkspaceRole } from '../common/enums';
import type { Connection } from '../common/page';
import { likeEscape, paginate, SortKey } from '../common/pagination';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Membership } from '../membership/membership.entity';
import { ownerMembership } from '../membership/membership.loaders';
import { Workspace } from './workspace.entity';
import * as workspaces from './workspace.service';
import { CreateWorkspaceInput, UpdateWorkspaceInput, WorkspaceConnection, WorkspaceFilter, WorkspaceOrder, WorkspaceOrderField } from './workspace.types';

const SORTS: Record<WorkspaceOrderField, (dir: 'ASC' | 'DESC') => SortKey<Workspace>[]> = {
  NAME: (direction) => [{ expr: 'lower(w.name)', direction, value: (w) => w.name.toLowerCase() }],
  CREATED_AT: (direction) => [{ expr: 'w.created_at', direction, value: (w) => w.createdAt }],
  MODIFIED_AT: (direction) => [{ expr: 'w.modified_at', direction, value: (w) => w.modifiedAt }],
};

/** Loads a workspace the caller can see, or NOT_FOUND. */
export async function visibleWorkspace(ctx: Context, id: string): Promise<Workspace> {
  const access = await workspaceAccess(ctx, id);
  if (!access) throw notFound('The workspace');
  return access.workspace;
}

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Query(() => Workspace, { nullable: true, description: 'A workspace the caller can view; NOT_FOUND otherwise, whether or not it exists.' })
  workspace(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Workspace> {
    return visibleWorkspace(ctx, id);
  }

  @Query(() => WorkspaceConnection, { description: 'Workspaces the caller can view: their memberships and public workspaces.' })
  workspaces(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => WorkspaceFilter, { nullable: true }) filter?: WorkspaceFilter,
    @Arg('orderBy', () => WorkspaceOrder, { nullable: true }) orderBy?: WorkspaceOrder,
  ): Promise<Connection<Workspace>> {
    const qb = ctx.db
      .getRepository(Workspace)
      .createQueryBuilder('w')
      .leftJoin(Membership, 'm', 'm.workspace_id = w.id AND m.account_id = :me', { me: ctx.user?.id ?? null })
      .where('w.removed_at IS NULL');
    if (filter?.isMember === true) qb.andWhere('m.id IS NOT NULL');
    else if (filter?.isMember === false) qb.andWhere('m.id IS NULL AND w.visibility = :pub', { pub: Visibility.PUBLIC });
    else qb.andWhere('(m.id IS NOT NULL OR w.visibility = :pub)', { pub: Visibility.PUBLIC });
    if (filter?.search?.trim()) qb.andWhere(`w.name ILIKE :search ESCAPE '\\'`, { search: `%${likeEscape(filter.search.trim())}%` });
    const direction = orderBy?.direction ?? SortDirection.ASC;
    const keys = [...SORTS[orderBy?.field ?? WorkspaceOrderField.NAME](direction), { expr: 'w.id', direction, value: (w: Workspace) => w.id }];
    return paginate(qb, keys, { first, after, last, before });
  }

  @Mutation(() => Workspace, { description: 'Creates a workspace; the caller becomes its owner.' })
  async createWorkspace(@Arg('input', () => CreateWorkspaceInput) input: CreateWorkspaceInput, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await ctx.db.transaction((tx) => workspaces.createWorkspace(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return workspace;
  }

  @Mutation(() => Workspace, { description: 'Changes the name, description or visibility (admins and the owner).' })
  async updateWorkspace(@Arg('input', () => UpdateWorkspaceInput) input: UpdateWorkspaceInput, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await ctx.db.transaction((tx) => workspaces.updateWorkspace(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return workspace;
  }

  @FieldResolver(() => WorkspaceRole, { nullable: true, description: 'The caller\'s role here; null for a guest.' })
  async viewerRole(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<WorkspaceRole | null> {
    return (await accessTo(ctx, workspace))?.membership?.role ?? null;
  }

  @FieldResolver(() => [String], { description: 'The permission codes (SPEC.md §2) the caller holds here.' })
  async viewerPermissions(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<readonly string[]> {
    return workspacePermissions(await accessTo(ctx, workspace));
  }

  @FieldResolver(() => Membership, { nullable: true, description: "The caller's own membership and workspace profile; null for a guest." })
  async viewerMembership(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<Membership | null> {
    return (await accessTo(ctx, workspace))?.membership ?? null;
  }

  @FieldResolver(() => Membership, { nullable: true, description: 'The owner; null for guests, who never see people.' })
  async owner(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<Membership | null> {
    const access = await accessTo(ctx, workspace);
    if (!access || !canInWorkspace(access, 'workspace.people.list')) return null;
    return ownerMembership(ctx).load(workspace.id);
  }
}

/** Escapes LIKE wildcards in user input. */
