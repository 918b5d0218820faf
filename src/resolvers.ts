import { AccountResolver, UserResolver } from './account/account.resolver';
import { AuditResolver } from './audit/audit.resolver';
import { CodeResolver } from './code/code.resolver';
import { InvitationResolver } from './invitation/invitation.resolver';
import { JobResolver } from './job/job.resolver';
import { MembershipResolver } from './membership/membership.resolver';
import { ProjectResolver } from './project/project.resolver';
import { RunResolver } from './run/run.resolver';
import { VariableResolver } from './variable/variable.resolver';
import { WorkspaceResolver } from './workspace/workspace.resolver';

/** Every resolver class, one per feature folder (a feature may export several). */
export const RESOLVERS = [
  AccountResolver, UserResolver, WorkspaceResolver, MembershipResolver, InvitationResolver,
  ProjectResolver, VariableResolver, JobResolver, RunResolver, CodeResolver, AuditResolver,
] as const;
