import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { primeEmailVisible, signedIn } from '../account/account.resolver';
import { accessTo, accessToProject, canInWorkspace, decideProjectAccess, projectAccess, projectPermissions, type ProjectAccess } from '../auth/access';
import { CodeVersion } from '../code/code-version.entity';
import { codeVersionPages } from '../code/code.loaders';
import { CodeVersionConnection } from '../code/code.types';
import { ProjectRole } from '../common/enums';
import type { Connection } from '../common/page';
import { clearLoaders, defineLoader, RequestDataLoader, type Context } from '../context';
import { notFound } from '../errors';
import { Job } from '../job/job.entity';
import { jobPages } from '../job/job.loaders';
import { JobConnection } from '../job/job.types';
import { Membership } from '../membership/membership.entity';
import { accountById, membershipByWorkspaceAccount } from '../membership/membership.loaders';
import { Run } from '../run/run.entity';
import { projectRunPages, runStatusFilter } from '../run/run.loaders';
import { RunConnection, RunFilter } from '../run/run.types';
import { Variable } from '../variable/variable.entity';
import { variablePages } from '../variable/variable.loaders';
import { VariableConnection } from '../variable/variable.types';
import { Workspace } from '../workspace/workspace.entity';
import { workspaceById } from '../workspace/workspace.loaders';
import { Project } from './project.entity';
import { projectById, visibleMember } from './project.loaders';
import * as projects from './project.service';
import { listProjects } from './projects.query';
import { CreateProjectInput, ProjectConnection, ProjectFilter, ProjectOrder, UpdateProjectInput } from './project.types';

/** A project the caller can see, or NOT_FOUND whether or not it exists. */
export async function visibleProject(ctx: Context, id: string): Promise<Project> {
  const access = await projectAccess(ctx, id);
  if (!access) throw notFound('The project');
  return access.project;
}

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => Project, { nullable: true, description: 'A project the caller can view; NOT_FOUND otherwise, whether or not it exists.' })
  project(@Arg('id', () => ID, { description: 'The project.' }) id: string, @Ctx() ctx: Context): Promise<Project> {
    return visibleProject(ctx, id);
  }

  @Mutation(() => Project, { description: 'Creates a project in a workspace (members and up); the caller becomes its owner.' })
  async createProject(
    @Arg('input', () => CreateProjectInput, { description: 'The new project.' }) input: CreateProjectInput,
    @Ctx() ctx: Context,
  ): Promise<Project> {
    const project = await ctx.db.transaction((tx) => projects.createProject(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return project;
  }

  @Mutation(() => Project, {
    description: "Changes the name, description or visibility (project admins: workspace admins and the owner, and the project's owner).",
  })
  async updateProject(
    @Arg('input', () => UpdateProjectInput, { description: 'The changes.' }) input: UpdateProjectInput,
    @Ctx() ctx: Context,
  ): Promise<Project> {
    const project = await ctx.db.transaction((tx) => projects.updateProject(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return project;
  }

  @Mutation(() => Boolean, { description: 'Removes a project: it disappears at once and is deleted for good after the retention period.' })
  async removeProject(@Arg('id', () => ID, { description: 'The project.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.db.transaction((tx) => projects.removeProject(tx, signedIn(ctx), id, ctx.config.workspaceRetentionDays));
    clearLoaders(ctx);
    return true;
  }

  @Mutation(() => Project, { description: 'Restores a removed project before its purgeAt (project admins).' })
  async restoreProject(@Arg('id', () => ID, { description: 'The removed project.' }) id: string, @Ctx() ctx: Context): Promise<Project> {
    const project = await ctx.db.transaction((tx) => projects.restoreProject(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return project;
  }

  @FieldResolver(() => Workspace, { description: 'The workspace the project belongs to.' })
  async workspace(@Root() project: Project, @Ctx() ctx: Context): Promise<Workspace> {
    const workspace = await workspaceById(ctx).load(project.workspaceId);
    if (!workspace) throw notFound('The workspace');
    return workspace;
  }

  @FieldResolver(() => Membership, {
    nullable: true,
    description: 'The member who owns the project: its creator, or the workspace owner after the creator left. Null for guests.',
  })
  owner(@Root() project: Project, @Ctx() ctx: Context): Promise<Membership | null> {
    return visibleMember(ctx, project.workspaceId, project.ownerId);
  }

  @FieldResolver(() => ProjectRole, { nullable: true, description: "The caller's effective project role; null for a guest." })
  viewerRole(@Root() project: Project, @Ctx() ctx: Context): Promise<ProjectRole | null> {
    return accessToProject(ctx, project).then(viewerProjectRole);
  }

  @FieldResolver(() => [String], { description: 'The permission codes (such as project.info.edit) the caller holds on this project.' })
  viewerPermissions(@Root() project: Project, @Ctx() ctx: Context): Promise<readonly string[]> {
    return accessToProject(ctx, project).then(projectPermissions);
  }

  @FieldResolver(() => VariableConnection, { description: 'The variables, by name.' })
  variables(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<Variable>> {
    return variablePages(ctx, { parentId: project.id, first, after, last, before });
  }

  @FieldResolver(() => JobConnection, { description: 'The jobs, by name.' })
  jobs(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<Job>> {
    return jobPages(ctx, { parentId: project.id, first, after, last, before });
  }

  @FieldResolver(() => RunConnection, { description: "Runs of all the project's jobs, newest first." })
  runs(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => RunFilter, { nullable: true, description: 'Narrows the list.' }) filter?: RunFilter,
  ): Promise<Connection<Run>> {
    return projectRunPages(ctx, { parentId: project.id, first, after, last, before, filter: runStatusFilter(filter?.statuses) });
  }

  @FieldResolver(() => CodeVersionConnection, { description: 'Pushed code versions, newest first.' })
  codeVersions(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<CodeVersion>> {
    return codeVersionPages(ctx, { parentId: project.id, first, after, last, before });
  }
}

/** Project.viewerRole: the caller's project role; a guest has none to show. */
function viewerProjectRole(access: ProjectAccess | null): ProjectRole | null {
  const role = access?.role ?? null;
  return role === 'GUEST' ? null : (role as ProjectRole | null);
}

/** Workspace.removedProjects, per workspace. */
const removedProjectsOf = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, Project[]>(async (workspaceIds) => {
      const byWorkspace = await projects.removedProjectsIn(ctx.db, workspaceIds);
      return workspaceIds.map((id) => byWorkspace.get(id) ?? []);
    }),
);

/** Workspace.projects: the live projects of a workspace the caller may see there; Workspace.removedProjects: the ones to restore. */
@Resolver(() => Workspace)
export class WorkspaceProjectsResolver {
  @FieldResolver(() => [Project], {
    nullable: true,
    description: 'Removed projects that can still be restored (admins and the owner).',
  })
  removedProjects(@Root() workspace: Workspace, @Ctx() ctx: Context): Promise<Project[]> {
    // The shield has checked that the caller may restore every project here.
    return removedProjectsOf(ctx).load(workspace.id);
  }

  @FieldResolver(() => ProjectConnection, { description: 'Projects of the workspace: all live ones for members, only PUBLIC ones for guests.' })
  async projects(
    @Root() workspace: Workspace,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => ProjectFilter, { nullable: true, description: 'Narrows the list.' }) filter?: ProjectFilter,
    @Arg('orderBy', () => ProjectOrder, { nullable: true, description: 'Sort order; by name ascending by default.' }) orderBy?: ProjectOrder,
  ): Promise<Connection<Project>> {
    const access = await accessTo(ctx, workspace);
    if (!access) throw notFound('The workspace');
    const seesPeople = canInWorkspace(access, 'workspace.people.list');
    const { page, owners } = await listProjects(ctx.db.manager, workspace.id, {
      first,
      after,
      last,
      before,
      filter,
      orderBy,
      publicOnly: !access.membership && !access.superuser,
      withOwners: seesPeople,
    });
    // What the Project fields will ask for is in the page already: hand it to their loaders.
    // The page's workspace (only a live one is workspaceById's to hold), its projects, the
    // caller's standing on each (decided here at once), and the owners with their accounts.
    if (!workspace.removedAt) workspaceById(ctx).prime(workspace.id, workspace);
    const listed = page.edges.map((edge) => edge.node);
    for (const project of listed) projectById(ctx).prime(project.id, project);
    decideProjectAccess(ctx, access, listed);
    // Members of a live workspace the caller belongs to share it with the caller (email visibility).
    const sharesThisWorkspace = access.membership !== null && !workspace.removedAt;
    for (const [accountId, owner] of owners) {
      membershipByWorkspaceAccount(ctx).prime(`${workspace.id}:${accountId}`, owner);
      if (!owner?.account) continue;
      accountById(ctx).prime(accountId, owner.account);
      if (sharesThisWorkspace) primeEmailVisible(ctx, accountId, true);
    }
    return page;
  }
}
