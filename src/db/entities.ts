import { Account } from '../account/account.entity';
import { EmailVerification } from '../account/email-verification.entity';
import { PasswordReset } from '../account/password-reset.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { RateLimitCounter } from '../auth/rate-limit.entity';
import { Token } from '../auth/token.entity';
import { CodeBlob } from '../code/code-blob.entity';
import { CodeVersion } from '../code/code-version.entity';
import { Invitation } from '../invitation/invitation.entity';
import { Job } from '../job/job.entity';
import { OutboxEmail } from '../mail/outbox.entity';
import { Membership } from '../membership/membership.entity';
import { Project } from '../project/project.entity';
import { Run } from '../run/run.entity';
import { Variable } from '../variable/variable.entity';
import { Workspace } from '../workspace/workspace.entity';

/** Every TypeORM entity; the data source and the migration check both use this list. */
export const ENTITIES = [
  Account,
  PasswordReset,
  EmailVerification,
  Token,
  RateLimitCounter,
  Workspace,
  Membership,
  Invitation,
  Project,
  Variable,
  Job,
  Run,
  CodeVersion,
  CodeBlob,
  AuditEvent,
  OutboxEmail,
];
