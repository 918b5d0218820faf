import { AccountResolver, UserResolver } from './account/account.resolver';
import { AuditResolver, WorkspaceAuditResolver } from './audit/audit.resolver';
import { CodeResolver } from './code/code.resolver';
import { InvitationResolver, MyInvitationsResolver } from './invitation/invitation.resolver';
import { PasswordResetResolver } from './account/password-reset.resolver';
import { EmailVerificationResolver } from './account/email-verification.resolver';
import { JobResolver } from './job/job.resolver';
import { NodeResolver } from './node/node.resolver';
import { MembershipResolver, MeMembershipsResolver, WorkspacePeopleResolver } from './membership/membership.resolver';
import { InvitationPersonResolver } from './membership/person.resolver';
import { ProjectResolver, WorkspaceProjectsResolver } from './project/project.resolver';
import { RunResolver } from './run/run.resolver';
import { VariableResolver } from './variable/variable.resolver';
import { WorkspaceResolver } from './workspace/workspace.resolver';
import { RemovedWorkspacesResolver, WorkspaceRemovalResolver } from './workspace/workspace-removal.resolver';

/** Every resolver class, one per feature folder (a feature may export several). */
export const RESOLVERS = [
  AccountResolver,
  UserResolver,
  WorkspaceResolver,
  MembershipResolver,
  MeMembershipsResolver,
  WorkspacePeopleResolver,
  InvitationPersonResolver,
  InvitationResolver,
  MyInvitationsResolver,
  PasswordResetResolver,
  EmailVerificationResolver,
  ProjectResolver,
  WorkspaceProjectsResolver,
  VariableResolver,
  JobResolver,
  RunResolver,
  CodeResolver,
  AuditResolver,
  WorkspaceAuditResolver,
  WorkspaceRemovalResolver,
  RemovedWorkspacesResolver,
  NodeResolver,
] as const;
