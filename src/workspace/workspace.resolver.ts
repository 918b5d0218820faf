import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import { accessTo, canInWorkspace, workspaceAccess, workspacePermissions } from '../auth/access';
import { WorkspaceRole } from '../common/enums';
import type { Connection } from '../common/page';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Membership } from '../membership/membership.entity';
import { ownerMembership } from '../membership/membership.loaders';
import { workspaceById } from './workspace.loaders';
import { listWorkspaces } from './workspaces.query';
import { Workspace } from './workspace.entity';
import * as workspaces from './workspace.service';
import { CreateWorkspaceInput, UpdateWorkspaceInput, WorkspaceConnection, WorkspaceFilter, WorkspaceOrder } from './workspace.types';

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
  async workspaces(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => WorkspaceFilter, { nullable: true }) filter?: WorkspaceFilter,
    @Arg('orderBy', () => WorkspaceOrder, { nullable: true }) orderBy?: WorkspaceOrder,
  ): Promise<Connection<Workspace>> {
    const page = await listWorkspaces(ctx.db.manager, { first, after, last, before, filter, orderBy, viewerId: ctx.user?.id ?? null });
    // The fields of the listed workspaces look them up by id (their access, their projects).
    for (const edge of page.edges) workspaceById(ctx).prime(edge.node.id, edge.node);
    return page;
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

  @FieldResolver(() => WorkspaceRole, { nullable: true, description: "The caller's role here; null for a guest." })
  async viewerRole(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<WorkspaceRole | null> {
    return (await accessTo(ctx, workspace))?.membership?.role ?? null;
  }

  @FieldResolver(() => [String], { description: 'The permission codes (such as workspace.info.edit) the caller holds here.' })
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
