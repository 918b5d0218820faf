import { registerEnumType } from 'type-graphql';

export enum Visibility {
  PRIVATE = 'PRIVATE',
  PUBLIC = 'PUBLIC',
}
export enum WorkspaceRole {
  VIEWER = 'VIEWER',
  MEMBER = 'MEMBER',
  ADMIN = 'ADMIN',
  OWNER = 'OWNER',
}
export enum ProjectRole {
  VIEWER = 'VIEWER',
  MEMBER = 'MEMBER',
  ADMIN = 'ADMIN',
}
export enum PlatformRole {
  MEMBER = 'MEMBER',
  ADMIN = 'ADMIN',
}
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
export enum AccessTokenScope {
  READ = 'READ',
  WRITE = 'WRITE',
}
export enum PersonStatus {
  ACTIVE = 'ACTIVE',
  INVITED = 'INVITED',
  EXPIRED = 'EXPIRED',
}
export enum InvitationState {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
export enum RunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

registerEnumType(Visibility, { name: 'Visibility', description: 'Who can see a workspace or project besides its members.' });
registerEnumType(WorkspaceRole, { name: 'WorkspaceRole', description: 'A role in a workspace, ordered VIEWER < MEMBER < ADMIN < OWNER.' });
registerEnumType(ProjectRole, { name: 'ProjectRole', description: 'An effective role on a project, derived from the workspace role and project ownership.' });
registerEnumType(PlatformRole, { name: 'PlatformRole', description: 'A role on the whole platform.' });
registerEnumType(SortDirection, { name: 'SortDirection', description: 'Sort order.' });
registerEnumType(AccessTokenScope, { name: 'AccessTokenScope', description: 'READ tokens may run queries only; WRITE tokens may also run mutations.' });
registerEnumType(PersonStatus, {
  name: 'PersonStatus',
  description: 'Where a person stands in a workspace: an active member, or invited (pending or expired).',
});
registerEnumType(InvitationState, { name: 'InvitationState', description: 'The life cycle of an invitation.' });
registerEnumType(RunStatus, { name: 'RunStatus', description: 'The life cycle of a run.' });

/** Workspace roles in ascending order of power, GUEST first; used to compare roles. */
export const ROLE_RANK: Record<WorkspaceRole | 'GUEST', number> = { GUEST: 0, VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 };
