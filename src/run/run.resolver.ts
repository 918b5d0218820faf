import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import { CodeVersion } from '../code/code-version.entity';
import { codeVersionById } from '../code/code.loaders';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Job } from '../job/job.entity';
import { jobById } from '../job/job.loaders';
import { Membership } from '../membership/membership.entity';
import { projectById, visibleMember } from '../project/project.loaders';
import { Run } from './run.entity';
import * as runs from './run.service';
import { StartRunInput, UpdateRunInput } from './run.types';

@Resolver(() => Run)
export class RunResolver {
  @Mutation(() => Run, { description: "Starts a run of a job: QUEUED, with the project's latest code version (project members and up)." })
  async startRun(@Arg('input', () => StartRunInput, { description: "The job and the run's input." }) input: StartRunInput, @Ctx() ctx: Context): Promise<Run> {
    runs.checkPayload(input.payload);
    const run = await ctx.db.transaction((tx) => runs.startRun(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return run;
  }

  @Mutation(() => Run, { description: "Changes a run's name or description (project members and up)." })
  async updateRun(@Arg('input', () => UpdateRunInput, { description: 'The changes.' }) input: UpdateRunInput, @Ctx() ctx: Context): Promise<Run> {
    const run = await ctx.db.transaction((tx) => runs.updateRun(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return run;
  }

  @Mutation(() => Boolean, { description: 'Deletes a run for good (project members and up).' })
  async removeRun(@Arg('id', () => ID, { description: 'The run.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.db.transaction((tx) => runs.removeRun(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return true;
  }

  @FieldResolver(() => Job, { description: 'The job the run was started from.' })
  async job(@Root() run: Run, @Ctx() ctx: Context): Promise<Job> {
    const job = await jobById(ctx).load(run.jobId);
    if (!job) throw notFound('The job');
    return job;
  }

  @FieldResolver(() => Membership, { nullable: true, description: 'The member who started the run; null once they left, and for guests.' })
  async createdBy(@Root() run: Run, @Ctx() ctx: Context): Promise<Membership | null> {
    const project = await projectById(ctx).load(run.projectId);
    return project ? visibleMember(ctx, project.workspaceId, run.createdById) : null;
  }

  @FieldResolver(() => CodeVersion, { nullable: true, description: 'The code version the run uses: the latest when it was started.' })
  async codeVersion(@Root() run: Run, @Ctx() ctx: Context): Promise<CodeVersion | null> {
    return run.codeVersionId ? codeVersionById(ctx).load(run.codeVersionId) : null;
  }
}
