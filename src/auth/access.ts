import { GraphQLError } from 'graphql';
import { defineLoader, RequestDataLoader, type Context, type RequestLoader } from '../context';
import { byKeys, isUuid } from '../common/ids';
import { PlatformRole, ProjectRole, Visibility, WorkspaceRole } from '../common/enums';
import { forbidden, notFound, unauthenticated } from '../errors';
import { recordSuperuserAccess } from '../audit/audit.service';
import { usePreloadedMemberships, viewerMembership } from '../membership/membership.loaders';
import type { Membership } from '../membership/membership.entity';
import { anyProjectById, projectById } from '../project/project.loaders';
import type { Project } from '../project/project.entity';
import { anyWorkspaceById, workspaceById } from '../workspace/workspace.loaders';
import type { Workspace } from '../workspace/workspace.entity';
import {
  ACCOUNT_PERMISSIONS,
  AccountAction,
  Action,
  isAccountAction,
  isProjectAction,
  isWorkspaceAction,
  Operation,
  PROJECT_PERMISSIONS,
  ProjectAction,
  ProjectGrantee,
  projectCodes,
  Target,
  WORKSPACE_PERMISSIONS,
  WorkspaceAction,
  WorkspaceGrantee,
  workspaceCodes,
} from './permissions';

/** What the caller is in a workspace. `role` null means the workspace does not exist for them. */
export interface WorkspaceAccess {
  workspace: Workspace;
  membership: Membership | null;
  role: WorkspaceGrantee | null;
  /** Superusers may do everything, member or not. */
  superuser: boolean;
}

export interface ProjectAccess {
  project: Project;
  workspace: WorkspaceAccess;
  role: ProjectGrantee | null;
  superuser: boolean;
}

const isSuperuser = (ctx: Context) => Boolean(ctx.user?.isSuperuser);

/** The caller's standing in a workspace they can see, or null when it does not exist for them (RULES.md §1). */
export async function workspaceAccess(ctx: Context, workspaceId: string, includeRemoved = false): Promise<WorkspaceAccess | null> {
  if (!includeRemoved) return liveWorkspaceAccess(ctx).load(workspaceId);
  const workspace = await anyWorkspaceById(ctx).load(workspaceId);
  return workspace && accessTo(ctx, workspace);
}

/**
 * The caller's standing in live workspaces by id, decided once per workspace and request: every
 * item of a page (a project's owner, a run's author) asks about the same workspace.
 */
const liveWorkspaceAccess = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, WorkspaceAccess | null>((ids) =>
      Promise.all(
        ids.map(async (id) => {
          const workspace = await workspaceById(ctx).load(id);
          return workspace && accessWith(ctx, workspace, await viewerMembership(ctx, workspace.id));
        }),
      ),
    ),
);

/** The caller's standing in an already loaded workspace. */
export async function accessTo(ctx: Context, workspace: Workspace): Promise<WorkspaceAccess | null> {
  const access = accessWith(ctx, workspace, await viewerMembership(ctx, workspace.id));
  // What the items of its pages will ask about (a live workspace's standing only: that is what the loader holds).
  if (!workspace.removedAt) liveWorkspaceAccess(ctx).prime(workspace.id, access);
  return access;
}

function accessWith(ctx: Context, workspace: Workspace, membership: Membership | null): WorkspaceAccess | null {
  const role: WorkspaceGrantee | null = membership ? membership.role : workspace.visibility === Visibility.PUBLIC ? 'GUEST' : null;
  const superuser = isSuperuser(ctx);
  if (!role && !superuser) return null;
  return { workspace, membership, role, superuser };
}

/** The effective project role (RULES.md §1): derived from the workspace role and project ownership, never stored. */
export function projectRoleOf(ws: WorkspaceAccess, project: Project, userId: string | undefined): ProjectGrantee | null {
  switch (ws.role) {
    case WorkspaceRole.OWNER:
    case WorkspaceRole.ADMIN:
      return ProjectRole.ADMIN;
    case WorkspaceRole.MEMBER:
      return project.ownerId && project.ownerId === userId ? ProjectRole.ADMIN : ProjectRole.MEMBER;
    case WorkspaceRole.VIEWER:
      return ProjectRole.VIEWER;
    case 'GUEST':
      return project.visibility === Visibility.PUBLIC ? 'GUEST' : null;
    default:
      return null;
  }
}

/**
 * The caller's standing on a project they can see, or null when it does not exist for them.
 * `includeRemoved` also finds a removed project (in a live workspace), for its restoration.
 */
export async function projectAccess(ctx: Context, projectId: string, includeRemoved = false): Promise<ProjectAccess | null> {
  const project = await (includeRemoved ? anyProjectById : projectById)(ctx).load(projectId);
  if (!project) return null;
  return accessToProject(ctx, project);
}

/**
 * The caller's standing on projects, decided a set at a time (a page's worth): each workspace is
 * looked up once, and every project's role follows from the caller's role there. Keyed by the
 * project's id; a page that already holds the workspace's access decides its projects at once
 * (decideProjectAccess).
 */
const projectAccessOf = defineLoader(
  (ctx) =>
    new RequestDataLoader<Project, ProjectAccess | null, string>(
      async (projects) => {
        const workspaces = new Map<string, Promise<WorkspaceAccess | null>>();
        for (const p of projects) if (!workspaces.has(p.workspaceId)) workspaces.set(p.workspaceId, workspaceAccess(ctx, p.workspaceId));
        return Promise.all(
          projects.map(async (project) => {
            const ws = await workspaces.get(project.workspaceId)!;
            return ws && projectAccessIn(ctx, ws, project);
          }),
        );
      },
      { cacheKeyFn: (project) => project.id },
    ),
);

/** The caller's standing on a loaded project, or null when it does not exist for them. */
export function accessToProject(ctx: Context, project: Project): Promise<ProjectAccess | null> {
  return projectAccessOf(ctx).load(project);
}

/** Decides the caller's standing on every project of a page at once, from their access to the projects' workspace. */
export function decideProjectAccess(ctx: Context, ws: WorkspaceAccess, projects: readonly Project[]): void {
  const loader = projectAccessOf(ctx);
  for (const project of projects) loader.prime(project, projectAccessIn(ctx, ws, project));
}

function projectAccessIn(ctx: Context, ws: WorkspaceAccess, project: Project): ProjectAccess | null {
  const role = projectRoleOf(ws, project, ctx.user?.id);
  if (!role && !ws.superuser) return null;
  return { project, workspace: ws, role, superuser: ws.superuser };
}

export const canInWorkspace = (access: WorkspaceAccess, action: WorkspaceAction) =>
  access.superuser || (access.role !== null && (WORKSPACE_PERMISSIONS[action] as readonly string[]).includes(access.role));

export const canInProject = (access: ProjectAccess, action: ProjectAction) =>
  access.superuser || (access.role !== null && (PROJECT_PERMISSIONS[action] as readonly string[]).includes(access.role));

/**
 * Whether the caller holds a project action on every project of a workspace, whoever owns it:
 * by the workspace role alone, as on a project of someone else (RULES.md §1).
 */
export function canOnEveryProject(access: WorkspaceAccess, action: ProjectAction): boolean {
  if (access.superuser) return true;
  const role = projectRoleOf(access, { ownerId: null, visibility: Visibility.PRIVATE } as Project, undefined);
  return role !== null && (PROJECT_PERMISSIONS[action] as readonly string[]).includes(role);
}

export function canOnPlatform(ctx: Context, action: AccountAction): boolean {
  if (!ctx.user) return false;
  if (ctx.user.isSuperuser) return true;
  return (ACCOUNT_PERMISSIONS[action] as readonly string[]).includes(ctx.user.platformRole ?? PlatformRole.MEMBER);
}

/** `viewerPermissions` of a workspace; a removed workspace offers nothing but its restoration. */
export function workspacePermissions(access: WorkspaceAccess | null): readonly WorkspaceAction[] {
  if (!access) return [];
  const codes = workspaceCodes(access.role, access.superuser);
  return access.workspace.removedAt ? codes.filter((code) => code === 'workspace.restore') : codes;
}

/** `viewerPermissions` of a project; a removed project offers nothing but its restoration. */
export function projectPermissions(access: ProjectAccess | null): readonly ProjectAction[] {
  if (!access) return [];
  const codes = projectCodes(access.role, access.superuser);
  return access.project.removedAt ? codes.filter((code) => code === 'project.restore') : codes;
}

/** Maps child objects (members, invitations, variables, jobs, runs, tokens) to the workspace or project they belong to. */
const PARENT_QUERIES: Record<Exclude<Target['kind'], 'workspace' | 'project'>, string> = {
  member: 'SELECT id, workspace_id AS parent FROM membership WHERE id = ANY($1::uuid[])',
  invitation: 'SELECT id, workspace_id AS parent FROM invitation WHERE id = ANY($1::uuid[])',
  variable: 'SELECT id, project_id AS parent FROM variable WHERE id = ANY($1::uuid[])',
  job: 'SELECT id, project_id AS parent FROM job WHERE id = ANY($1::uuid[])',
  run: 'SELECT id, project_id AS parent FROM run WHERE id = ANY($1::uuid[])',
  accessToken: 'SELECT id, account_id AS parent FROM token WHERE id = ANY($1::uuid[])',
};

const parentLoaders = Object.fromEntries(
  Object.entries(PARENT_QUERIES).map(([kind, sql]) => [
    kind,
    defineLoader(
      (ctx) =>
        new RequestDataLoader<string, string | null>(async (ids) => {
          const valid = ids.filter(isUuid);
          const rows: { id: string; parent: string }[] = valid.length ? await ctx.db.query(sql, [valid]) : [];
          return byKeys(ids, rows, (r) => r.id).map((r) => r?.parent ?? null);
        }),
    ),
  ]),
) as Record<keyof typeof PARENT_QUERIES, RequestLoader<string, string | null>>;

/** Records a child's parent that a statement of the request already read (node look-ups), so authorize reads it no more. */
export function primeParent(ctx: Context, kind: keyof typeof PARENT_QUERIES, id: string, parent: string): void {
  parentLoaders[kind](ctx).prime(id, parent);
}

/** The workspace or project id a child object belongs to, or null when it does not exist. */
export function parentOf(ctx: Context, kind: keyof typeof PARENT_QUERIES, id: string): Promise<string | null> {
  return parentLoaders[kind](ctx).load(id);
}

const PROJECT_CHILDREN = new Set(['variable', 'job', 'run']);

/** The permission needed to know a workspace's child exists at all. */
const CHILD_VIEW: Partial<Record<Target['kind'], WorkspaceAction>> = {
  member: 'workspace.people.list',
  invitation: 'workspace.invitation.view',
};

function readPath(args: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), args);
}

const SUBJECT: Record<Target['kind'], string> = {
  workspace: 'The workspace',
  project: 'The project',
  member: 'The member',
  invitation: 'The invitation',
  variable: 'The variable',
  job: 'The job',
  run: 'The run',
  accessToken: 'The access token',
};

/**
 * Decides whether the caller may run a root operation, from the matrix alone. Answers `true` or
 * the refusal to send (never throws, so a fault cannot pass for a refusal): UNAUTHENTICATED
 * when a signed-in caller is needed, NOT_FOUND when the target is missing or invisible,
 * FORBIDDEN when the role lacks the action. Business rules are the services' job.
 */
export async function authorize(ctx: Context, op: Operation, args: Record<string, unknown>, operation = 'unknown'): Promise<true | GraphQLError> {
  // Before any resolver (and so any write) of this root field: the memberships authentication read.
  usePreloadedMemberships(ctx);
  const action: Action | undefined = op.action;
  const isView = action === undefined || action === 'workspace.info.view' || action === 'project.info.view';
  const needsAccount = Boolean(op.signedIn) || !isView;
  if (!op.target) {
    if (needsAccount && !ctx.user) return unauthenticated();
    if (action && isAccountAction(action) && !canOnPlatform(ctx, action)) return forbidden();
    return true;
  }
  const rawId = readPath(args, op.target.arg);
  const id = typeof rawId === 'string' ? rawId : '';
  const kind = op.target.kind;
  let workspaceId: string | null = null;
  let projectId: string | null = null;
  if (kind === 'workspace') workspaceId = id;
  else if (kind === 'project') projectId = id;
  else if (kind === 'accessToken') return ctx.user ? true : unauthenticated();
  else {
    const parent = await parentOf(ctx, kind, id);
    if (!parent) return needsAccount && !ctx.user ? unauthenticated() : notFound(SUBJECT[kind]);
    if (PROJECT_CHILDREN.has(kind)) projectId = parent;
    else workspaceId = parent;
  }

  // Everything but viewing needs a signed-in caller, and says so before revealing anything about the target.
  if (needsAccount && !ctx.user) return unauthenticated();

  if (projectId !== null) {
    const access = await projectAccess(ctx, projectId, kind === 'project' && op.target.includeRemoved);
    if (!access) return notFound(SUBJECT[kind]);
    // A removed project exists only for those who may restore it, as a removed workspace does for its owner.
    if (access.project.removedAt && !canInProject(access, 'project.restore')) return notFound(SUBJECT[kind]);
    if (action && isProjectAction(action) && !canInProject(access, action)) return forbidden();
    if (action && isWorkspaceAction(action) && !canInWorkspace(access.workspace, action)) return forbidden();
    await recordSuperuserAccess(ctx, access.workspace.workspace.id, operation);
    return true;
  }

  const includeRemoved = op.target.includeRemoved ?? false;
  const access = await workspaceAccess(ctx, workspaceId!, includeRemoved);
  const childView = CHILD_VIEW[kind];
  // What the caller may see: a removed workspace only by its owner (to restore it) and superusers;
  // a member or invitation only by those who may list them — so FORBIDDEN never confirms an id.
  const visible =
    access !== null &&
    (!access.workspace.removedAt || access.membership?.role === WorkspaceRole.OWNER || access.superuser) &&
    (!childView || canInWorkspace(access, childView));
  const platformAction = action && isAccountAction(action) ? action : op.orAccountAction;
  if (platformAction && canOnPlatform(ctx, platformAction)) {
    // Platform admins act on any workspace (restore, purge): it only has to exist.
    if (!(await anyWorkspaceById(ctx).load(workspaceId!))) return notFound(SUBJECT[kind]);
    await recordSuperuserAccess(ctx, workspaceId!, operation);
    return true;
  }
  if (!visible) return notFound(SUBJECT[kind]);
  if (action && isAccountAction(action)) return forbidden();
  if (action && isWorkspaceAction(action) && !canInWorkspace(access, action)) {
    const denial = access.role ? op.deniedReason?.[access.role] : undefined;
    return denial ? forbidden(denial.message, denial.reason) : forbidden();
  }
  await recordSuperuserAccess(ctx, access.workspace.id, operation);
  return true;
}
