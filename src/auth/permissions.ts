import type { Reason } from '../errors';

/**
 * THE permission matrix (RULES.md §2), as data. The shield rules (auth/shield.ts) and every
 * `viewerPermissions` field are derived from these tables, so they cannot drift apart.
 */

export type PlatformGrantee = 'MEMBER' | 'ADMIN';
export type WorkspaceGrantee = 'GUEST' | 'VIEWER' | 'MEMBER' | 'ADMIN' | 'OWNER';
export type ProjectGrantee = 'GUEST' | 'VIEWER' | 'MEMBER' | 'ADMIN';

const EVERYONE = ['GUEST', 'VIEWER', 'MEMBER', 'ADMIN', 'OWNER'] as const;
const VIEWER_UP = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'] as const;
const MEMBER_UP = ['MEMBER', 'ADMIN', 'OWNER'] as const;
const ADMIN_UP = ['ADMIN', 'OWNER'] as const;

/** Account (platform) actions. A guest (not signed in) holds none. */
export const ACCOUNT_PERMISSIONS = {
  'account.view': ['MEMBER', 'ADMIN'],
  'account.edit': ['MEMBER', 'ADMIN'],
  'account.delete': ['MEMBER', 'ADMIN'],
  'workspace.create': ['MEMBER', 'ADMIN'],
  'workspace.restore.any': ['ADMIN'],
  'workspace.purge': ['ADMIN'],
} as const satisfies Record<string, readonly PlatformGrantee[]>;

/**
 * Workspace actions. GUEST exists only on a PUBLIC workspace ("pub" in RULES.md); on a private
 * one an outsider has no role at all and gets NOT_FOUND.
 */
export const WORKSPACE_PERMISSIONS = {
  'workspace.info.view': EVERYONE,
  'workspace.info.edit': ADMIN_UP,
  'workspace.remove': ADMIN_UP,
  'workspace.restore': ['OWNER'],
  'workspace.ownership.transfer': ['OWNER'],
  'workspace.projects.list': EVERYONE,
  'project.create': MEMBER_UP,
  'workspace.people.list': VIEWER_UP,
  'workspace.member.profile.view': VIEWER_UP,
  'workspace.invitation.view': MEMBER_UP,
  'workspace.invitation.create': MEMBER_UP,
  'workspace.invitation.resend': MEMBER_UP,
  'workspace.invitation.revoke': MEMBER_UP,
  'workspace.member.role.change': ADMIN_UP,
  'workspace.member.remove': ADMIN_UP,
  'workspace.me.edit': VIEWER_UP,
  'workspace.me.leave': ['VIEWER', 'MEMBER', 'ADMIN'],
  'workspace.audit.view': ADMIN_UP,
} as const satisfies Record<string, readonly WorkspaceGrantee[]>;

/** The highest role each workspace role may invite (RULES.md §4); nobody invites an owner. */
export const INVITE_CEILING: Partial<Record<WorkspaceGrantee, 'MEMBER' | 'ADMIN'>> = {
  MEMBER: 'MEMBER',
  ADMIN: 'ADMIN',
  OWNER: 'ADMIN',
};

/** Project actions, by effective project role (RULES.md §1). GUEST: public project in a public workspace. */
const P_EVERYONE = ['GUEST', 'VIEWER', 'MEMBER', 'ADMIN'] as const;
const P_MEMBER_UP = ['MEMBER', 'ADMIN'] as const;
export const PROJECT_PERMISSIONS = {
  'project.info.view': P_EVERYONE,
  'project.info.edit': ['ADMIN'],
  'project.remove': ['ADMIN'],
  'project.code.view': P_EVERYONE,
  'project.code.push': P_MEMBER_UP,
  'project.job.view': P_EVERYONE,
  'project.job.create': P_MEMBER_UP,
  'project.job.edit': P_MEMBER_UP,
  'project.job.remove': P_MEMBER_UP,
  'project.variable.view': P_EVERYONE,
  'project.variable.create': P_MEMBER_UP,
  'project.variable.edit': P_MEMBER_UP,
  'project.variable.remove': P_MEMBER_UP,
  'project.run.view': P_EVERYONE,
  'project.run.start': P_MEMBER_UP,
  'project.run.edit': P_MEMBER_UP,
  'project.run.remove': P_MEMBER_UP,
  // On a removed project, before its purgeAt: the one thing a removed project offers.
  'project.restore': ['ADMIN'],
} as const satisfies Record<string, readonly ProjectGrantee[]>;

export type AccountAction = keyof typeof ACCOUNT_PERMISSIONS;
export type WorkspaceAction = keyof typeof WORKSPACE_PERMISSIONS;
export type ProjectAction = keyof typeof PROJECT_PERMISSIONS;
export type Action = AccountAction | WorkspaceAction | ProjectAction;

/**
 * The codes of `table` a role holds (every code for a superuser, none for no role), in matrix
 * order. Worked out once per (table, role): a page of 50 projects asks 50 times.
 */
function codesFor<A extends string, R extends string>(table: Record<A, readonly R[]>, role: R | null, superuser: boolean): readonly A[] {
  let byRole = codeCache.get(table) as Map<string, readonly A[]> | undefined;
  if (!byRole) codeCache.set(table, (byRole = new Map()));
  const key = superuser ? '*' : (role ?? '');
  let codes = byRole.get(key);
  if (!codes) {
    const all = Object.keys(table) as A[];
    codes = Object.freeze(superuser ? all : role ? all.filter((action) => table[action].includes(role)) : []);
    byRole.set(key, codes);
  }
  return codes;
}
const codeCache = new WeakMap<object, Map<string, readonly string[]>>();

/** The workspace permission codes a role holds, in matrix order; every code for a superuser. */
export const workspaceCodes = (role: WorkspaceGrantee | null, superuser = false): readonly WorkspaceAction[] =>
  codesFor(WORKSPACE_PERMISSIONS, role, superuser);

/** The project permission codes a project role holds, in matrix order; every code for a superuser. */
export const projectCodes = (role: ProjectGrantee | null, superuser = false): readonly ProjectAction[] => codesFor(PROJECT_PERMISSIONS, role, superuser);

export const isWorkspaceAction = (a: Action): a is WorkspaceAction => a in WORKSPACE_PERMISSIONS;
export const isProjectAction = (a: Action): a is ProjectAction => a in PROJECT_PERMISSIONS;
export const isAccountAction = (a: Action): a is AccountAction => a in ACCOUNT_PERMISSIONS;

/** Where a root field finds the object its action applies to: the argument path holding its id. */
export type Target =
  | { kind: 'workspace'; id: string; includeRemoved?: boolean }
  | { kind: 'project'; id: string; includeRemoved?: boolean }
  | { kind: 'member' | 'invitation' | 'variable' | 'job' | 'run' | 'accessToken'; id: string };

export interface Operation {
  /** The permission the caller needs; absent for operations open to everyone (sign-up, sign-in…). */
  action?: Action;
  /** The argument path of the target's id, e.g. `input.workspaceId`; needed for workspace and project actions. */
  target?: { kind: Target['kind']; arg: string; includeRemoved?: boolean };
  /** An account action that grants the operation too (a platform admin restoring any workspace). */
  orAccountAction?: AccountAction;
  /** A signed-in caller is needed even though no matrix action applies (accepting an invitation). */
  signedIn?: boolean;
  /** Refusal reasons for roles the matrix leaves out on purpose (the owner cannot leave). */
  deniedReason?: Partial<Record<WorkspaceGrantee, { reason: Reason; message: string }>>;
}

/**
 * Every root field and what it needs. A test fails when the schema has a root field missing
 * here; the shield refuses such a field at run time (fallbackRule: deny).
 */
export const OPERATIONS: Record<string, Operation> = {
  // Queries: each checks its own objects, so a guest gets null or NOT_FOUND, never an error for asking.
  'Query.me': {},
  'Query.workspaces': {},
  'Query.workspace': { action: 'workspace.info.view', target: { kind: 'workspace', arg: 'id' } },
  'Query.project': { action: 'project.info.view', target: { kind: 'project', arg: 'id' } },
  'Query.invitationPreview': {},
  // Relay's look-ups check each object as the operation that shows it does (node/node.service.ts).
  'Query.node': {},
  'Query.nodes': {},

  'Mutation.signUp': {},
  'Mutation.signIn': {},
  'Mutation.signOut': { signedIn: true },
  'Mutation.updateMe': { action: 'account.edit' },
  'Mutation.changePassword': { action: 'account.edit' },
  'Mutation.deleteMe': { action: 'account.delete' },
  'Mutation.requestPasswordReset': {},
  'Mutation.resetPassword': {},
  'Mutation.verifyEmail': {},
  'Mutation.resendVerificationEmail': { action: 'account.edit' },
  'Mutation.createAccessToken': { action: 'account.edit' },
  'Mutation.revokeAccessToken': { action: 'account.edit' },

  'Mutation.createWorkspace': { action: 'workspace.create' },
  'Mutation.updateWorkspace': { action: 'workspace.info.edit', target: { kind: 'workspace', arg: 'input.id' } },
  'Mutation.removeWorkspace': { action: 'workspace.remove', target: { kind: 'workspace', arg: 'id' } },
  'Mutation.restoreWorkspace': {
    action: 'workspace.restore',
    orAccountAction: 'workspace.restore.any',
    target: { kind: 'workspace', arg: 'id', includeRemoved: true },
  },
  'Mutation.purgeWorkspace': { action: 'workspace.purge', target: { kind: 'workspace', arg: 'id', includeRemoved: true } },

  'Mutation.inviteMembers': { action: 'workspace.invitation.create', target: { kind: 'workspace', arg: 'input.workspaceId' } },
  'Mutation.resendInvitation': { action: 'workspace.invitation.resend', target: { kind: 'invitation', arg: 'id' } },
  'Mutation.revokeInvitation': { action: 'workspace.invitation.revoke', target: { kind: 'invitation', arg: 'id' } },
  'Mutation.acceptInvitation': { signedIn: true },
  'Mutation.signUpAndAcceptInvitation': {},
  'Mutation.declineInvitation': {},

  'Mutation.changeMemberRole': { action: 'workspace.member.role.change', target: { kind: 'member', arg: 'input.memberId' } },
  'Mutation.removeMember': { action: 'workspace.member.remove', target: { kind: 'member', arg: 'memberId' } },
  'Mutation.leaveWorkspace': {
    action: 'workspace.me.leave',
    target: { kind: 'workspace', arg: 'workspaceId' },
    deniedReason: { OWNER: { reason: 'OWNER_CANNOT_LEAVE', message: 'The owner cannot leave the workspace; transfer ownership first.' } },
  },
  'Mutation.transferOwnership': { action: 'workspace.ownership.transfer', target: { kind: 'workspace', arg: 'input.workspaceId' } },
  'Mutation.updateMyMembership': { action: 'workspace.me.edit', target: { kind: 'workspace', arg: 'input.workspaceId' } },

  'Mutation.createProject': { action: 'project.create', target: { kind: 'workspace', arg: 'input.workspaceId' } },
  'Mutation.updateProject': { action: 'project.info.edit', target: { kind: 'project', arg: 'input.id' } },
  'Mutation.removeProject': { action: 'project.remove', target: { kind: 'project', arg: 'id' } },
  'Mutation.restoreProject': { action: 'project.restore', target: { kind: 'project', arg: 'id', includeRemoved: true } },

  'Mutation.createVariable': { action: 'project.variable.create', target: { kind: 'project', arg: 'input.projectId' } },
  'Mutation.updateVariable': { action: 'project.variable.edit', target: { kind: 'variable', arg: 'input.id' } },
  'Mutation.removeVariable': { action: 'project.variable.remove', target: { kind: 'variable', arg: 'id' } },
  'Mutation.createJob': { action: 'project.job.create', target: { kind: 'project', arg: 'input.projectId' } },
  'Mutation.updateJob': { action: 'project.job.edit', target: { kind: 'job', arg: 'input.id' } },
  'Mutation.removeJob': { action: 'project.job.remove', target: { kind: 'job', arg: 'id' } },
  'Mutation.startRun': { action: 'project.run.start', target: { kind: 'job', arg: 'input.jobId' } },
  'Mutation.updateRun': { action: 'project.run.edit', target: { kind: 'run', arg: 'input.id' } },
  'Mutation.removeRun': { action: 'project.run.remove', target: { kind: 'run', arg: 'id' } },
  'Mutation.pushCode': { action: 'project.code.push', target: { kind: 'project', arg: 'input.projectId' } },
};

/**
 * Fields of object types that need a permission on their parent (a Workspace or Project).
 * Denied → FORBIDDEN; the parent itself was already visible, so nothing leaks. A project action
 * on a Workspace field must be held on every project there, whoever owns it: that is, by the
 * workspace role alone (RULES.md §1), not by owning one project.
 */
export const FIELD_PERMISSIONS: Record<string, WorkspaceAction | ProjectAction> = {
  'Workspace.people': 'workspace.people.list',
  'Workspace.auditEvents': 'workspace.audit.view',
  'Workspace.projects': 'workspace.projects.list',
  // The list of what one may restore: admins and the owner, who may restore every one of them.
  'Workspace.removedProjects': 'project.restore',
  'Project.variables': 'project.variable.view',
  'Project.jobs': 'project.job.view',
  'Project.runs': 'project.run.view',
  'Project.codeVersions': 'project.code.view',
  'Job.runs': 'project.run.view',
};
