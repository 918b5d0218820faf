import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Membership } from '../membership/membership.entity';
import { Project } from '../project/project.entity';
import { projectById, visibleMember } from '../project/project.loaders';
import { CodeVersion } from './code-version.entity';
import * as code from './code.service';
import { PushCodeInput } from './code.types';
import { codeStorage } from './storage';

@Resolver(() => CodeVersion)
export class CodeResolver {
  @Mutation(() => CodeVersion, {
    description: "Pushes a new version of a project's code: a base64-encoded archive up to MAX_CODE_BYTES (project members and up).",
  })
  async pushCode(
    @Arg('input', () => PushCodeInput, { description: 'The archive and its description.' }) input: PushCodeInput,
    @Ctx() ctx: Context,
  ): Promise<CodeVersion> {
    const version = await code.pushCode(ctx.db, codeStorage(ctx.config, ctx.db), signedIn(ctx), input, ctx.config.maxCodeBytes);
    clearLoaders(ctx);
    return version;
  }

  @FieldResolver(() => Membership, { nullable: true, description: 'The member who pushed the version; null once they left, and for guests.' })
  async createdBy(@Root() version: CodeVersion, @Ctx() ctx: Context): Promise<Membership | null> {
    const project = await projectById(ctx).load(version.projectId);
    return project ? visibleMember(ctx, project.workspaceId, version.createdById) : null;
  }

  @FieldResolver(() => Project, { description: 'The project the version belongs to.' })
  async project(@Root() version: CodeVersion, @Ctx() ctx: Context): Promise<Project> {
    const project = await projectById(ctx).load(version.projectId);
    if (!project) throw notFound('The project');
    return project;
  }
}
