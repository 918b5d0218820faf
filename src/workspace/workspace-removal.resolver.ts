import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Account } from '../account/account.entity';
import { signedIn } from '../account/account.resolver';
import { Me } from '../account/account.types';
import { clearLoaders, defineLoader, RequestDataLoader, type Context } from '../context';
import { codeStorage } from '../code/storage';
import { deleteCodeFiles } from './purge.job';
import { Workspace } from './workspace.entity';
import * as removal from './workspace-removal.service';

/** `Me.removedWorkspaces`, per account. */
const removedWorkspacesOf = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Workspace[]>(async (accountIds) => {
      const byAccount = await removal.removedWorkspacesOwnedBy(ctx.db.manager, accountIds);
      return accountIds.map((id) => byAccount.get(id) ?? []);
    }),
);

/** Removing, restoring and purging workspaces (RULES.md §4). The shield has checked the matrix. */
@Resolver()
export class WorkspaceRemovalResolver {
  @Mutation(() => Workspace, { description: 'Removes the workspace (admins and the owner); it can be restored until purgeAt.' })
  async removeWorkspace(@Arg('id', () => ID, { description: 'The workspace.' }) id: string, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await ctx.db.transaction((tx) => removal.removeWorkspace(tx, signedIn(ctx), id, ctx.config.workspaceRetentionDays));
    clearLoaders(ctx);
    return workspace;
  }

  @Mutation(() => Workspace, { description: 'Restores a removed workspace before its purgeAt (its owner, or a platform admin).' })
  async restoreWorkspace(@Arg('id', () => ID, { description: 'The removed workspace.' }) id: string, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await ctx.db.transaction((tx) => removal.restoreWorkspace(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return workspace;
  }

  @Mutation(() => Boolean, { description: 'Deletes a removed workspace for good, now. Platform admins only.' })
  async purgeWorkspace(@Arg('id', () => ID, { description: 'The removed workspace.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    const { codeFiles } = await ctx.db.transaction((tx) => removal.purgeWorkspace(tx, id));
    clearLoaders(ctx);
    await deleteCodeFiles(codeStorage(ctx.config, ctx.db), codeFiles);
    return true;
  }
}

@Resolver(() => Me)
export class RemovedWorkspacesResolver {
  @FieldResolver(() => [Workspace], { description: 'Workspaces this account owns that were removed and can still be restored.' })
  removedWorkspaces(@Root() me: Account, @Ctx() ctx: Context): Promise<Workspace[]> {
    return removedWorkspacesOf(ctx).load(me.id);
  }
}
