import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import type { Connection } from '../common/page';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Project } from '../project/project.entity';
import { projectById } from '../project/project.loaders';
import { Run } from '../run/run.entity';
import { jobRunPages } from '../run/run.loaders';
import { RunConnection } from '../run/run.types';
import { Job } from './job.entity';
import * as jobs from './job.service';
import { CreateJobInput, UpdateJobInput } from './job.types';

@Resolver(() => Job)
export class JobResolver {
  @Mutation(() => Job, { description: 'Adds a job to a project (project members and up).' })
  async createJob(@Arg('input', () => CreateJobInput, { description: 'The new job.' }) input: CreateJobInput, @Ctx() ctx: Context): Promise<Job> {
    const job = await jobs.withUniqueName(() => ctx.db.transaction((tx) => jobs.createJob(tx, signedIn(ctx), input)));
    clearLoaders(ctx);
    return job;
  }

  @Mutation(() => Job, { description: 'Changes a job (project members and up).' })
  async updateJob(@Arg('input', () => UpdateJobInput, { description: 'The changes.' }) input: UpdateJobInput, @Ctx() ctx: Context): Promise<Job> {
    const job = await jobs.withUniqueName(() => ctx.db.transaction((tx) => jobs.updateJob(tx, signedIn(ctx), input)));
    clearLoaders(ctx);
    return job;
  }

  @Mutation(() => Boolean, { description: 'Deletes a job and its runs for good (project members and up).' })
  async removeJob(@Arg('id', () => ID, { description: 'The job.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.db.transaction((tx) => jobs.removeJob(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return true;
  }

  @FieldResolver(() => Project, { description: 'The project the job belongs to.' })
  async project(@Root() job: Job, @Ctx() ctx: Context): Promise<Project> {
    const project = await projectById(ctx).load(job.projectId);
    if (!project) throw notFound('The project');
    return project;
  }

  @FieldResolver(() => RunConnection, { description: 'Runs of this job, newest first.' })
  runs(
    @Root() job: Job,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<Run>> {
    return jobRunPages(ctx, { parentId: job.id, first, after, last, before });
  }
}
