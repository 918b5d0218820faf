import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Account } from '../account/account.entity';
import { signedIn } from '../account/account.resolver';
import { accessTo, accessToProject, accessToProjectNow, canInWorkspace, projectAccess, projectPermissions, type ProjectAccess } from '../auth/access';
import { CodeVersion } from '../code/code-version.entity';
import { codeVersionPages } from '../code/code.loaders';
import { CodeVersionConnection } from '../code/code.types';
import { ProjectRole, SortDirection, Visibility } from '../common/enums';
import type { Connection } from '../common/page';
import { likeEscape, paginate, SortKey } from '../common/pagination';
import { ALL_COLUMNS, columnsRead, selectedFields, type ColumnReads } from '../common/selection';
import { clearLoaders, defineLoader, RequestDataLoader, type Context } from '../context';
import { notFound } from '../errors';
import { Job } from '../job/job.entity';
import { jobPages } from '../job/job.loaders';
import { JobConnection } from '../job/job.types';
import { Membership } from '../membership/membership.entity';
import { accountById, membershipByWorkspaceAccount } from '../membership/membership.loaders';
import { MEMBER_ALWAYS, MEMBER_READS } from '../membership/membership.resolver';
import { columnsLess, hydrate, PUBLIC_ACCOUNT_COLUMNS, selectColumns } from '../db/rows';
import { Run } from '../run/run.entity';
import { projectRunPages, runStatusFilter } from '../run/run.loaders';
import { RunConnection, RunFilter } from '../run/run.types';
import { Variable } from '../variable/variable.entity';
import { variablePages } from '../variable/variable.loaders';
import { VariableConnection } from '../variable/variable.types';
import { Workspace } from '../workspace/workspace.entity';
import { workspaceById } from '../workspace/workspace.loaders';
import { decodeTypedCursor } from './child-pages';
import { Project } from './project.entity';
import { attachedOwner, attachOwner, projectById, visibleMember } from './project.loaders';
import * as projects from './project.service';
import { CreateProjectInput, ProjectConnection, ProjectFilter, ProjectOrder, ProjectOrderField, UpdateProjectInput } from './project.types';

const SORTS: Record<ProjectOrderField, { column: string; keys: (dir: 'ASC' | 'DESC') => SortKey<Project>[] }> = {
  NAME: { column: 'name', keys: (direction) => [{ expr: 'lower(p.name)', direction, value: (p) => p.name.toLowerCase() }] },
  CREATED_AT: { column: 'created_at', keys: (direction) => [{ expr: 'p.created_at', direction, value: (p) => p.createdAt }] },
  MODIFIED_AT: { column: 'modified_at', keys: (direction) => [{ expr: 'p.modified_at', direction, value: (p) => p.modifiedAt }] },
};

/**
 * The project columns each Project field reads, for the projects page, which reads only what the
 * client's selection needs (columnsRead). A field missing here makes it read every column, as do
 * the child lists, whose permission rules look the project up by id (projectById, which holds
 * whole projects only).
 */
export const PROJECT_READS: ColumnReads<'project'> = {
  __typename: {},
  id: {},
  visibility: {},
  owner: {},
  workspace: {},
  viewerRole: {},
  viewerPermissions: {},
  name: { project: ['name'] },
  description: { project: ['description'] },
  descriptionHtml: { project: ['description_html'] },
  createdAt: { project: ['created_at'] },
  modifiedAt: { project: ['modified_at'] },
  removedAt: { project: ['removed_at'] },
  purgeAt: { project: ['purge_at'] },
  variables: { project: ALL_COLUMNS },
  jobs: { project: ALL_COLUMNS },
  runs: { project: ALL_COLUMNS },
  codeVersions: { project: ALL_COLUMNS },
};

/** What every listed project carries: its keys and what the caller's project role depends on (access.ts projectRoleOf). */
const PROJECT_ALWAYS = { project: ['id', 'workspace_id', 'owner_id', 'visibility'] } as const;

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
  async createProject(@Arg('input', () => CreateProjectInput, { description: 'The new project.' }) input: CreateProjectInput, @Ctx() ctx: Context): Promise<Project> {
    const project = await ctx.db.transaction((tx) => projects.createProject(tx, signedIn(ctx), input));
    clearLoaders(ctx);
    return project;
  }

  @Mutation(() => Project, { description: 'Changes the name, description or visibility (project admins: workspace admins and the owner, and the project\'s owner).' })
  async updateProject(@Arg('input', () => UpdateProjectInput, { description: 'The changes.' }) input: UpdateProjectInput, @Ctx() ctx: Context): Promise<Project> {
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

  @FieldResolver(() => Membership, { nullable: true, description: 'The member who owns the project: its creator, or the workspace owner after the creator left. Null for guests.' })
  owner(@Root() project: Project, @Ctx() ctx: Context): Membership | null | Promise<Membership | null> {
    return visibleMember(ctx, project.workspaceId, project.ownerId, attachedOwner(project));
  }

  @FieldResolver(() => ProjectRole, { nullable: true, description: "The caller's effective project role; null for a guest." })
  viewerRole(@Root() project: Project, @Ctx() ctx: Context): ProjectRole | null | Promise<ProjectRole | null> {
    const access = accessToProjectNow(ctx, project);
    return access !== undefined ? viewerProjectRole(access) : accessToProject(ctx, project).then(viewerProjectRole);
  }

  @FieldResolver(() => [String], { description: 'The permission codes (SPEC.md §2) the caller holds on this project.' })
  viewerPermissions(@Root() project: Project, @Ctx() ctx: Context): readonly string[] | Promise<readonly string[]> {
    const access = accessToProjectNow(ctx, project);
    return access !== undefined ? projectPermissions(access) : accessToProject(ctx, project).then(projectPermissions);
  }

  @FieldResolver(() => VariableConnection, { description: 'The variables, by name.' })
  variables(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
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
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
  ): Promise<Connection<Job>> {
    return jobPages(ctx, { parentId: project.id, first, after, last, before });
  }

  @FieldResolver(() => RunConnection, { description: 'Runs of all the project\'s jobs, newest first.' })
  runs(
    @Root() project: Project,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
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
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
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

/**
 * Hands a project's owner, read with the page (see WorkspaceProjectsResolver.projects), to
 * Project.owner: attached to the project, and to the loaders other fields share only when read in
 * full (`complete`).
 */
function primeOwner(ctx: Context, project: Project, raw: Record<string, unknown>, complete: { member: boolean; account: boolean }): void {
  if (!project.ownerId) return;
  const key = `${project.workspaceId}:${project.ownerId}`;
  if (!raw.om__id) {
    attachOwner(project, null);
    membershipByWorkspaceAccount(ctx).prime(key, null);
    return;
  }
  const account = hydrate(ctx.db, Account, raw, 'oa__');
  account.id = project.ownerId;
  const member = hydrate(ctx.db, Membership, raw, 'om__');
  member.workspaceId = project.workspaceId;
  member.accountId = project.ownerId;
  member.account = account;
  attachOwner(project, member);
  if (complete.account) accountById(ctx).prime(account.id, account);
  if (complete.member && complete.account) membershipByWorkspaceAccount(ctx).prime(key, member);
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
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' }) last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => ProjectFilter, { nullable: true, description: 'Narrows the list.' }) filter?: ProjectFilter,
    @Arg('orderBy', () => ProjectOrder, { nullable: true, description: 'Sort order; by name ascending by default.' }) orderBy?: ProjectOrder,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Connection<Project>> {
    const access = await accessTo(ctx, workspace);
    if (!access) throw notFound('The workspace');
    // The page's fields look their workspace up by id: hand them this one (only a live one is workspaceById's to hold).
    if (!workspace.removedAt) workspaceById(ctx).prime(workspace.id, workspace);
    const qb = ctx.db.getRepository(Project).createQueryBuilder('p').where('p.workspace_id = :ws AND p.removed_at IS NULL', { ws: workspace.id });
    const publicOnly = !access.membership && !access.superuser;
    const search = filter?.search?.trim();
    if (publicOnly) qb.andWhere('p.visibility = :pub', { pub: Visibility.PUBLIC });
    if (filter?.visibility) qb.andWhere('p.visibility = :vis', { vis: filter.visibility });
    if (search) qb.andWhere(`p.name ILIKE :search ESCAPE '\\'`, { search: `%${likeEscape(search)}%` });
    const direction = orderBy?.direction ?? SortDirection.ASC;
    const field = orderBy?.field ?? ProjectOrderField.NAME;
    if (after) decodeTypedCursor(after, [field === ProjectOrderField.NAME ? 'text' : 'timestamp', 'uuid']);
    if (before) decodeTypedCursor(before, [field === ProjectOrderField.NAME ? 'text' : 'timestamp', 'uuid'], 'before');
    const keys = [...SORTS[field].keys(direction), { expr: 'p.id', direction, value: (p: Project) => p.id }];
    const read = info && columnsRead(info, ['edges', 'node'], 'Project', PROJECT_READS, PROJECT_ALWAYS).project;
    // A narrowly read page leaves out the workspace's id, which every row would repeat (see columnsLess).
    const columns = read && [...new Set([...columnsLess(ctx.db, Project, read, ['workspace_id']), SORTS[field].column])];
    // Look-ahead: when the page's owners are asked for (and the caller may see people), they come in
    // the same statement, members and their public account columns, attached to their projects for
    // Project.owner (attachOwner) — read in full when the projects are (they then enter projectById
    // with their owners, and any field of the request may meet them there).
    const withOwners = info !== undefined && canInWorkspace(access, 'workspace.people.list') && selectedFields(info, ['edges', 'node'], 'Project').has('owner');
    const owners = !withOwners ? undefined : columns ? columnsRead(info, ['edges', 'node', 'owner'], 'Member', MEMBER_READS, MEMBER_ALWAYS) : { membership: undefined, account: undefined };
    // What `select` adds to the statement (paginate keys the conditions, sort and page itself).
    const ownerAccount = owners?.account ?? PUBLIC_ACCOUNT_COLUMNS;
    const complete = { member: owners?.membership === undefined, account: owners?.account === undefined };
    const shape = owners ? `projects+owners:${owners.membership?.join(',') ?? '*'}:${ownerAccount.join(',')}` : 'projects';
    const page = await paginate(qb, keys, { first, after, last, before }, {
      shape,
      columns,
      select: owners && ((pageQuery) => {
        // Not read: an owner's workspace and account ids, which are the project's (primeOwner sets them).
        const memberRead = columnsLess(ctx.db, Membership, owners.membership, ['workspace_id', 'account_id']);
        const accountRead = columnsLess(ctx.db, Account, ownerAccount, ['id']);
        pageQuery
          .leftJoin(Membership, 'om', 'om.workspace_id = p.workspace_id AND om.account_id = p.owner_id')
          .addSelect(selectColumns(ctx.db, Membership, 'om', 'om__', memberRead));
        if (accountRead.length) pageQuery.leftJoin(Account, 'oa', 'oa.id = om.account_id').addSelect(selectColumns(ctx.db, Account, 'oa', 'oa__', accountRead));
      }),
      onRow: (project, raw) => {
        project.workspaceId = workspace.id; // unread on a narrow page; the same value when read
        if (owners) primeOwner(ctx, project, raw, complete);
      },
    });
    // The listed projects are the ones field permissions and resolvers will ask about (whole ones
    // only: projectById answers project(id) too).
    if (!columns) for (const edge of page.edges) projectById(ctx).prime(edge.node.id, edge.node);
    return page;
  }
}
