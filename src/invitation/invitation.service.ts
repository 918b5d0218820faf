import { In, type EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { createOrClaimAccount, createSession, type NewSession } from '../account/account.service';
import { markEmailVerified } from '../account/email-verification.service';
import { recordAudit } from '../audit/audit.service';
import { INVITE_CEILING, type WorkspaceGrantee } from '../auth/permissions';
import { ensureCooldown } from '../auth/rate-limit';
import { hashSecret, newSecret } from '../auth/secrets';
import { InvitationState, ROLE_RANK, WorkspaceRole } from '../common/enums';
import { isEmail, normalizeEmail } from '../common/validators';
import type { Config } from '../config';
import { conflict, forbidden, notFound } from '../errors';
import { enqueueEmail } from '../mail/outbox';
import { invitationEmail, invitationLink } from '../mail/templates';
import { Membership } from '../membership/membership.entity';
import { Invitation } from './invitation.entity';
import { InvitationPreview, InviteMembersPayload, InviteResult, InviteResultStatus } from './invitation.types';
import { lockLiveWorkspace } from '../workspace/workspace.service';

const DAY_MS = 86_400_000;

const RESULT_MESSAGES: Record<InviteResultStatus, string> = {
  INVITED: 'Invitation sent.',
  INVALID_EMAIL: 'This is not a valid email address.',
  ALREADY_MEMBER: 'This person is already a member of the workspace.',
  ALREADY_INVITED: 'This address already has a pending invitation; you can resend it.',
  DUPLICATE_IN_REQUEST: 'This address appears earlier in the list.',
};

const result = (email: string, status: InviteResultStatus, invitation: Invitation | null = null): InviteResult => ({
  email,
  status,
  message: RESULT_MESSAGES[status],
  invitation,
});

/**
 * Refuses the whole request (FORBIDDEN, ROLE_ABOVE_INVITER) when the role is above what the
 * inviter may give: members invite viewers and members, admins and the owner up to admin, and
 * nobody invites an owner — superusers included.
 */
export function ensureInviteCeiling(inviterRole: WorkspaceGrantee | null, superuser: boolean, role: WorkspaceRole): void {
  const ceiling = superuser ? 'ADMIN' : inviterRole ? INVITE_CEILING[inviterRole] : undefined;
  if (role === WorkspaceRole.OWNER || !ceiling || ROLE_RANK[role] > ROLE_RANK[ceiling]) {
    throw forbidden(
      role === WorkspaceRole.OWNER
        ? 'Nobody can be invited as owner; invite them as admin and transfer ownership later.'
        : `You cannot invite people with a role above ${ceiling ? ceiling.toLowerCase() : 'your own'}.`,
      'ROLE_ABOVE_INVITER',
    );
  }
}

export interface InvitePlan {
  /** One entry per address given, in order; `status` is set for addresses decided without the database. */
  entries: { email: string; normalized: string; status?: InviteResultStatus }[];
  /** The distinct valid addresses (normalized), in order of first appearance. */
  candidates: string[];
}

/** Sorts the addresses of a request into invalid, duplicate and candidate ones (trimmed, ignoring case). */
export function planInvites(emails: string[]): InvitePlan {
  const seen = new Set<string>();
  const entries = emails.map((email) => {
    const normalized = normalizeEmail(email);
    if (!isEmail(email)) return { email, normalized, status: InviteResultStatus.INVALID_EMAIL };
    if (seen.has(normalized)) return { email, normalized, status: InviteResultStatus.DUPLICATE_IN_REQUEST };
    seen.add(normalized);
    return { email, normalized };
  });
  return { entries, candidates: [...seen] };
}

type LockedWorkspace = Awaited<ReturnType<typeof lockLiveWorkspace>>;

/** Locks an invitation row (after its workspace: always in that order, so locks never cross). */
async function lockInvitation(db: EntityManager, where: { id: string; tokenHash?: Buffer }): Promise<Invitation | null> {
  return db.getRepository(Invitation).findOne({
    where: where.tokenHash ? { id: where.id, tokenHash: where.tokenHash } : { id: where.id },
    lock: { mode: 'pessimistic_write' },
  });
}

function queueInvitationEmail(
  db: EntityManager,
  config: Config,
  args: { invitation: Invitation; token: string; workspaceName: string; inviterName: string | null },
) {
  return enqueueEmail(db, {
    kind: 'invitation',
    to: args.invitation.email,
    ...invitationEmail({
      workspaceName: args.workspaceName,
      inviterName: args.inviterName,
      role: args.invitation.role,
      message: args.invitation.message,
      expiresAt: args.invitation.expiresAt,
      link: invitationLink(config.publicUrl, args.token),
    }),
  });
}

/**
 * Invites addresses to a workspace (RULES.md §4): one result per address in input order. The
 * partial unique index invitation_one_pending_key keeps one pending invitation per address, and
 * the insert skips conflicts, so concurrent invitations of one address never fail. Each new
 * invitation gets its audit event and its email in this transaction.
 */
export async function inviteMembers(
  db: EntityManager,
  config: Config,
  actor: Account,
  superuser: boolean,
  input: { workspaceId: string; emails: string[]; role: WorkspaceRole; message?: string | null },
): Promise<InviteMembersPayload> {
  const workspace = await lockLiveWorkspace(db, input.workspaceId);
  const [own]: { role: WorkspaceRole }[] = await db.query('SELECT role FROM membership WHERE workspace_id = $1 AND account_id = $2', [workspace.id, actor.id]);
  if (!own && !superuser) throw notFound('The workspace');
  ensureInviteCeiling(own?.role ?? null, superuser, input.role);

  const plan = planInvites(input.emails);
  const members: { email: string }[] = plan.candidates.length
    ? await db.query('SELECT a.email FROM membership m JOIN account a ON a.id = m.account_id WHERE m.workspace_id = $1 AND a.email = ANY($2::text[])', [
        workspace.id,
        plan.candidates,
      ])
    : [];
  const memberEmails = new Set(members.map((m) => m.email));
  const toInvite = plan.entries.filter((e) => !e.status && !memberEmails.has(e.normalized));

  const message = input.message?.trim() || null;
  const expiresAt = new Date(Date.now() + config.invitationTtlDays * DAY_MS);
  const secrets = toInvite.map(() => newSecret('ati'));
  const inserted: { id: string; email_normalized: string }[] = toInvite.length
    ? await db.query(
        `INSERT INTO invitation (workspace_id, email, email_normalized, role, message, token_hash, expires_at, invited_by_id)
         SELECT $1, e.email, e.normalized, $5, $6, decode(e.hash, 'hex'), $7, $8
           FROM unnest($2::text[], $3::text[], $4::text[]) AS e(email, normalized, hash)
         ON CONFLICT (workspace_id, email_normalized) WHERE stored_state = 'PENDING' DO NOTHING
         RETURNING id, email_normalized`,
        [
          workspace.id,
          toInvite.map((e) => e.email.trim()),
          toInvite.map((e) => e.normalized),
          secrets.map((s) => s.hash.toString('hex')),
          input.role,
          message,
          expiresAt,
          actor.id,
        ],
      )
    : [];
  const created = new Map(inserted.map((r) => [r.email_normalized, r.id]));
  const existingPending = toInvite.filter((e) => !created.has(e.normalized)).map((e) => e.normalized);

  const repo = db.getRepository(Invitation);
  const createdRows = created.size ? await repo.findBy({ id: In([...created.values()]) }) : [];
  const pendingRows = existingPending.length
    ? await repo.findBy({ workspaceId: workspace.id, emailNormalized: In(existingPending), storedState: InvitationState.PENDING })
    : [];
  const createdByEmail = new Map(createdRows.map((i) => [i.emailNormalized, i]));
  const pendingByEmail = new Map(pendingRows.map((i) => [i.emailNormalized, i]));

  for (const [index, entry] of toInvite.entries()) {
    const invitation = createdByEmail.get(entry.normalized);
    if (!invitation) continue;
    await queueInvitationEmail(db, config, { invitation, token: secrets[index].secret, workspaceName: workspace.name, inviterName: actor.name });
    await recordAudit(db, {
      workspaceId: workspace.id,
      actorId: actor.id,
      action: 'invitation.created',
      details: { invitationId: invitation.id, email: invitation.email, role: invitation.role, hasMessage: message !== null },
    });
  }

  const results = plan.entries.map((entry) => {
    if (entry.status) return result(entry.email, entry.status);
    if (memberEmails.has(entry.normalized)) return result(entry.email, InviteResultStatus.ALREADY_MEMBER);
    const invitation = createdByEmail.get(entry.normalized);
    if (invitation) return result(entry.email, InviteResultStatus.INVITED, invitation);
    return result(entry.email, InviteResultStatus.ALREADY_INVITED, pendingByEmail.get(entry.normalized) ?? null);
  });
  return { results, invitedCount: createdByEmail.size };
}

/** Locks an invitation and its live workspace by invitation id (NOT_FOUND when either is gone). */
async function lockById(db: EntityManager, id: string): Promise<{ invitation: Invitation; workspace: LockedWorkspace }> {
  const [row]: { workspace_id: string }[] = await db.query('SELECT workspace_id FROM invitation WHERE id = $1', [id]);
  if (!row) throw notFound('The invitation');
  const workspace = await lockLiveWorkspace(db, row.workspace_id, 'The invitation');
  const invitation = await lockInvitation(db, { id });
  if (!invitation) throw notFound('The invitation');
  return { invitation, workspace };
}

const ensurePending = (invitation: Invitation) => {
  if (invitation.storedState !== InvitationState.PENDING) {
    throw conflict(`This invitation was already ${invitation.storedState.toLowerCase()}.`, 'INVITATION_NOT_PENDING');
  }
};

/**
 * Sends an invitation again with a new token (the old link stops working) and a new expiry;
 * works for expired invitations too. Refused (RATE_LIMITED) within the resend cooldown.
 */
export async function resendInvitation(db: EntityManager, config: Config, actor: Account, id: string): Promise<Invitation> {
  const { invitation, workspace } = await lockById(db, id);
  ensurePending(invitation);
  ensureCooldown(invitation.lastSentAt, config.inviteResendCooldownSeconds, 'This invitation was sent a moment ago; wait before sending it again.');
  const { secret, hash } = newSecret('ati');
  invitation.tokenHash = hash;
  invitation.expiresAt = new Date(Date.now() + config.invitationTtlDays * DAY_MS);
  invitation.lastSentAt = new Date();
  invitation.sentCount += 1;
  const saved = await db.getRepository(Invitation).save(invitation);
  const inviter = invitation.invitedById ? await db.getRepository(Account).findOneBy({ id: invitation.invitedById }) : null;
  await queueInvitationEmail(db, config, { invitation: saved, token: secret, workspaceName: workspace.name, inviterName: inviter?.name ?? actor.name });
  await recordAudit(db, {
    workspaceId: workspace.id,
    actorId: actor.id,
    action: 'invitation.resent',
    details: { invitationId: invitation.id, email: invitation.email, sentCount: saved.sentCount },
  });
  return saved;
}

/** Ends a pending (or expired) invitation from the workspace's side. */
export async function revokeInvitation(db: EntityManager, actor: Account, id: string): Promise<Invitation> {
  const { invitation, workspace } = await lockById(db, id);
  ensurePending(invitation);
  invitation.storedState = InvitationState.REVOKED;
  invitation.respondedAt = new Date();
  const saved = await db.getRepository(Invitation).save(invitation);
  await recordAudit(db, {
    workspaceId: workspace.id,
    actorId: actor.id,
    action: 'invitation.revoked',
    details: { invitationId: invitation.id, email: invitation.email },
  });
  return saved;
}

/** Why invitations were revoked along with a change to the member who sent them (the audit event's `reason`). */
export type InviterChange = 'inviter_removed' | 'inviter_demoted';

/**
 * Revokes the pending (or expired) invitations one person sent in a workspace — all of them, or,
 * with `aboveRole`, those whose role is above what the inviter may still give: an invitation
 * carries its inviter's authority, so it must not outlive it (docs/RULES.md §4). Each gets an
 * `invitation.revoked` event. Runs in the caller's transaction, under its workspace lock.
 */
export async function revokeInvitationsSentBy(
  db: EntityManager,
  args: { workspaceId: string; inviterId: string; actorId: string; reason: InviterChange; newRole?: WorkspaceRole },
): Promise<{ id: string; email: string; role: WorkspaceRole }[]> {
  // With a new role: everything above its invite ceiling (everything, for a role that invites nobody).
  const ceiling = args.newRole ? INVITE_CEILING[args.newRole] : undefined;
  const roles = args.newRole ? Object.values(WorkspaceRole).filter((role) => !ceiling || ROLE_RANK[role] > ROLE_RANK[ceiling]) : Object.values(WorkspaceRole);
  if (!roles.length) return [];
  const revoked: { id: string; email: string; role: WorkspaceRole }[] = await db.query(
    `WITH revoked AS (
       UPDATE invitation SET stored_state = 'REVOKED', responded_at = now(), modified_at = now()
        WHERE workspace_id = $1 AND invited_by_id = $2 AND stored_state = 'PENDING' AND role::text = ANY($3::text[])
        RETURNING id, email, role, created_at
     ) SELECT id, email, role FROM revoked ORDER BY created_at, id`,
    [args.workspaceId, args.inviterId, roles],
  );
  for (const invitation of revoked) {
    await recordAudit(db, {
      workspaceId: args.workspaceId,
      actorId: args.actorId,
      action: 'invitation.revoked',
      details: { invitationId: invitation.id, email: invitation.email, role: invitation.role, reason: args.reason },
    });
  }
  return revoked;
}

/**
 * Finds and locks the invitation of a token, its workspace first. The row is re-read under the
 * lock with the same token hash, so a token replaced by a concurrent resend is unknown here too.
 * Unknown token or removed workspace: NOT_FOUND.
 */
async function lockByToken(db: EntityManager, token: string): Promise<{ invitation: Invitation; workspace: LockedWorkspace }> {
  const tokenHash = hashSecret(token);
  const [row]: { id: string; workspace_id: string }[] = await db.query('SELECT id, workspace_id FROM invitation WHERE token_hash = $1', [tokenHash]);
  if (!row) throw notFound('The invitation');
  const workspace = await lockLiveWorkspace(db, row.workspace_id, 'The invitation');
  const invitation = await lockInvitation(db, { id: row.id, tokenHash });
  if (!invitation) throw notFound('The invitation');
  return { invitation, workspace };
}

/** Pending and not expired, or the reason why not. */
function ensureOpen(invitation: Invitation): void {
  ensurePending(invitation);
  if (invitation.expiresAt.getTime() <= Date.now()) {
    throw conflict('This invitation has expired; ask for a new one.', 'INVITATION_EXPIRED');
  }
}

/**
 * Makes the account a member with the invited role and closes the invitation — at most once per
 * token. Whoever holds the token holds the invited inbox, so the account's address counts as
 * verified from now on (docs/RULES.md §4).
 */
async function join(db: EntityManager, invitation: Invitation, account: Account, extra: Record<string, unknown> = {}): Promise<Membership> {
  const [member]: { id: string }[] = await db.query(
    'INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, account_id) DO NOTHING RETURNING id',
    [invitation.workspaceId, account.id, invitation.role],
  );
  if (!member) throw conflict('You are already a member of this workspace.', 'ALREADY_MEMBER');
  const [closed]: { id: string }[] = await db.query(
    `WITH done AS (
       UPDATE invitation SET stored_state = 'ACCEPTED', responded_at = now(), modified_at = now()
        WHERE id = $1 AND stored_state = 'PENDING' RETURNING id)
     SELECT id FROM done`,
    [invitation.id],
  );
  if (!closed) throw conflict('This invitation was already used.', 'INVITATION_NOT_PENDING');
  await recordAudit(db, {
    workspaceId: invitation.workspaceId,
    actorId: account.id,
    action: 'invitation.accepted',
    details: { invitationId: invitation.id, email: invitation.email, role: invitation.role, memberId: member.id, accountId: account.id, ...extra },
  });
  if (!account.emailVerifiedAt) await markEmailVerified(db, account.id);
  return db.getRepository(Membership).findOneByOrFail({ id: member.id });
}

/** Accepts an invitation as a signed-in account whose email matches the invited address (ignoring case). */
export async function acceptInvitation(db: EntityManager, account: Account, token: string): Promise<Membership> {
  const { invitation } = await lockByToken(db, token);
  ensureOpen(invitation);
  if (normalizeEmail(account.email) !== invitation.emailNormalized) {
    throw forbidden('This invitation was sent to a different email address; sign in with that address to accept it.', 'INVITATION_EMAIL_MISMATCH');
  }
  return join(db, invitation, account);
}

/**
 * Creates the account of the invited address (verified: the token proves the inbox) and accepts
 * the invitation, in one transaction. An unverified account already holding the address is
 * claimed instead (createOrClaimAccount); a verified one is ACCOUNT_EXISTS.
 */
export async function signUpAndAcceptInvitation(
  db: EntityManager,
  config: Config,
  input: { token: string; name: string; password: string },
): Promise<NewSession> {
  const { invitation } = await lockByToken(db, input.token);
  ensureOpen(invitation);
  const { account, claimed } = await createOrClaimAccount(db, { email: invitation.emailNormalized, name: input.name, password: input.password });
  await join(db, invitation, account, claimed ? { claimedUnverifiedAccount: true } : {});
  return createSession(db, account, config.sessionTtlDays);
}

/** Ends an invitation from the invitee's side: whoever holds the token may decline it. */
export async function declineInvitation(db: EntityManager, actor: Account | null, token: string): Promise<void> {
  const { invitation } = await lockByToken(db, token);
  ensureOpen(invitation);
  invitation.storedState = InvitationState.DECLINED;
  invitation.respondedAt = new Date();
  await db.getRepository(Invitation).save(invitation);
  await recordAudit(db, {
    workspaceId: invitation.workspaceId,
    actorId: actor?.id ?? null,
    action: 'invitation.declined',
    details: { invitationId: invitation.id, email: invitation.email },
  });
}

/** `jane@example.com` → `j•••@e•••.com`: enough for its owner to recognise, too little to use. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${email.slice(0, 1)}•••@${host.slice(0, 1)}•••${tld}`;
}

/** The accept page's facts for a token; null for an unknown token or a removed workspace, masked once accepted. */
export async function previewInvitation(db: EntityManager, token: string): Promise<InvitationPreview | null> {
  const [row]: {
    workspace_name: string;
    inviter_name: string | null;
    email: string;
    role: WorkspaceRole;
    stored_state: InvitationState;
    expires_at: Date;
    account_exists: boolean;
  }[] = await db.query(
    `SELECT w.name AS workspace_name, a.name AS inviter_name, i.email, i.role, i.stored_state, i.expires_at,
            EXISTS (SELECT 1 FROM account x WHERE x.email = i.email_normalized AND x.email_verified_at IS NOT NULL) AS account_exists
       FROM invitation i
       JOIN workspace w ON w.id = i.workspace_id AND w.removed_at IS NULL
       LEFT JOIN account a ON a.id = i.invited_by_id
      WHERE i.token_hash = $1`,
    [hashSecret(token)],
  );
  if (!row) return null;
  // An accepted token is spent, and may since have leaked (a forwarded email, a shared screen): it
  // tells its holder that, and no longer who was invited or by whom (the contract keeps the other
  // fields non-null, so the address is masked rather than left out).
  if (row.stored_state === InvitationState.ACCEPTED) {
    return {
      workspaceName: row.workspace_name,
      invitedByName: null,
      email: maskEmail(row.email),
      role: row.role,
      state: InvitationState.ACCEPTED,
      expiresAt: new Date(row.expires_at),
      accountExists: true,
    };
  }
  const expiresAt = new Date(row.expires_at);
  const expired = row.stored_state === InvitationState.PENDING && expiresAt.getTime() <= Date.now();
  return {
    workspaceName: row.workspace_name,
    invitedByName: row.inviter_name,
    email: row.email,
    role: row.role,
    state: expired ? InvitationState.EXPIRED : row.stored_state,
    expiresAt,
    accountExists: row.account_exists,
  };
}

/** Pending, unexpired invitations to an address, in live workspaces, newest first. */
export function pendingInvitationsFor(db: EntityManager, email: string): Promise<Invitation[]> {
  return db
    .getRepository(Invitation)
    .createQueryBuilder('i')
    .innerJoin('i.workspace', 'w', 'w.removed_at IS NULL')
    .where('i.email_normalized = :email AND i.stored_state = :pending AND i.expires_at > now()', {
      email: normalizeEmail(email),
      pending: InvitationState.PENDING,
    })
    .orderBy('i.created_at', 'DESC')
    .addOrderBy('i.id', 'DESC')
    .getMany();
}
