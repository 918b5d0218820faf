import { GraphQLError } from 'graphql';
import { In, type EntityManager } from 'typeorm';
import { recordAudit } from '../audit/audit.service';
import { PersonStatus, ROLE_RANK, WorkspaceRole } from '../common/enums';
import { isUuid } from '../common/ids';
import { forbidden, invalid, notFound } from '../errors';
import { WORKSPACE_PERMISSIONS, type WorkspaceAction } from '../auth/permissions';
import { Invitation } from '../invitation/invitation.entity';
import { revokeInvitationsSentBy } from '../invitation/invitation.service';
import { Project } from '../project/project.entity';
import { Workspace } from '../workspace/workspace.entity';
import { lockLiveWorkspace } from '../workspace/workspace.service';
import { Membership } from './membership.entity';

/** Who is making a membership change. */
export interface Actor {
  id: string;
  isSuperuser: boolean;
}

// ------------------------------------------------------------------ locking and re-checks

/** Whether the actor still holds `action` in the workspace, re-read under the lock (the shield decided before it). */
async function stillMay(db: EntityManager, actor: Actor, workspaceId: string, action: WorkspaceAction): Promise<Membership | null> {
  const mine = await db.getRepository(Membership).findOneBy({ workspaceId, accountId: actor.id });
  const allowed = actor.isSuperuser || (mine !== null && (WORKSPACE_PERMISSIONS[action] as readonly string[]).includes(mine.role));
  if (!allowed) throw forbidden();
  return mine;
}

/** The workspace a membership belongs to (a membership never moves), or NOT_FOUND. */
async function workspaceOfMember(db: EntityManager, memberId: string): Promise<string> {
  if (!isUuid(memberId)) throw notFound('The member');
  const rows: { workspace_id: string }[] = await db.query('SELECT workspace_id FROM membership WHERE id = $1', [memberId]);
  if (!rows.length) throw notFound('The member');
  return rows[0].workspace_id;
}

async function ownerOf(db: EntityManager, workspaceId: string): Promise<Membership> {
  return db.getRepository(Membership).findOneByOrFail({ workspaceId, role: WorkspaceRole.OWNER });
}

// ------------------------------------------------------------------ project hand-over

/**
 * Hands every project `fromAccountId` owns in the workspace to the workspace owner (RULES.md §4),
 * removed ones too so that nothing stays owned by a non-member; returns the live ones.
 */
async function handOverProjects(db: EntityManager, workspaceId: string, fromAccountId: string, toAccountId: string): Promise<Project[]> {
  const moved: { id: string; live: boolean }[] = await db.query(
    `WITH moved AS (
       UPDATE project SET owner_id = $3, modified_at = now()
        WHERE workspace_id = $1 AND owner_id = $2
        RETURNING id, removed_at IS NULL AS live
     ) SELECT id, live FROM moved`,
    [workspaceId, fromAccountId, toAccountId],
  );
  const live = moved.filter((p) => p.live).map((p) => p.id);
  if (!live.length) return [];
  return db.getRepository(Project).find({ where: { id: In(live) }, order: { name: 'ASC', id: 'ASC' } });
}

// ------------------------------------------------------------------ mutations

/**
 * Changes a member's role (RULES.md §4). Not your own (CANNOT_CHANGE_OWN_ROLE), not the owner's
 * (CANNOT_CHANGE_OWNER_ROLE), never to OWNER (USE_TRANSFER_OWNERSHIP). Admins and the owner may set
 * any role up to ADMIN — including promoting a member to admin or demoting another admin — since
 * admins hold every permission but ownership. A demotion revokes the member's pending invitations
 * above their new invite ceiling, in the same transaction.
 */
export async function changeMemberRole(db: EntityManager, actor: Actor, input: { memberId: string; role: WorkspaceRole }): Promise<Membership> {
  const workspaceId = await workspaceOfMember(db, input.memberId);
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const target = await repo.findOneBy({ id: input.memberId });
  if (!target) throw notFound('The member');
  await stillMay(db, actor, workspaceId, 'workspace.member.role.change');
  if (target.accountId === actor.id) throw forbidden('You cannot change your own role; ask another admin or the owner.', 'CANNOT_CHANGE_OWN_ROLE');
  if (target.role === WorkspaceRole.OWNER) throw forbidden("The owner's role cannot be changed; the owner can transfer ownership.", 'CANNOT_CHANGE_OWNER_ROLE');
  if (input.role === WorkspaceRole.OWNER) throw forbidden('Use transferOwnership to make someone the owner.', 'USE_TRANSFER_OWNERSHIP');
  if (target.role === input.role) return target;
  await repo.update(target.id, { role: input.role });
  // A demotion also lowers what the member's pending invitations may grant.
  const revoked =
    ROLE_RANK[input.role] < ROLE_RANK[target.role]
      ? await revokeInvitationsSentBy(db, { workspaceId, inviterId: target.accountId, actorId: actor.id, reason: 'inviter_demoted', newRole: input.role })
      : [];
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.role_changed',
    details: { memberId: target.id, accountId: target.accountId, from: target.role, to: input.role, revokedInvitationIds: revoked.map((i) => i.id) },
  });
  return repo.findOneByOrFail({ id: target.id });
}

/**
 * Removes a member (RULES.md §4): not yourself (CANNOT_REMOVE_SELF, use leaveWorkspace), not the
 * owner (CANNOT_REMOVE_OWNER). Their projects pass to the owner and the pending invitations they
 * sent in this workspace are revoked, in the same transaction.
 */
export async function removeMember(db: EntityManager, actor: Actor, memberId: string): Promise<{ removedMemberId: string; reassignedProjects: Project[] }> {
  const workspaceId = await workspaceOfMember(db, memberId);
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const target = await repo.findOneBy({ id: memberId });
  if (!target) throw notFound('The member');
  await stillMay(db, actor, workspaceId, 'workspace.member.remove');
  if (target.accountId === actor.id) throw forbidden('You cannot remove yourself; leave the workspace instead.', 'CANNOT_REMOVE_SELF');
  if (target.role === WorkspaceRole.OWNER) throw forbidden('The owner cannot be removed.', 'CANNOT_REMOVE_OWNER');
  const owner = await ownerOf(db, workspaceId);
  await repo.delete(target.id);
  const reassignedProjects = await handOverProjects(db, workspaceId, target.accountId, owner.accountId);
  const revoked = await revokeInvitationsSentBy(db, { workspaceId, inviterId: target.accountId, actorId: actor.id, reason: 'inviter_removed' });
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.removed',
    details: {
      memberId: target.id,
      accountId: target.accountId,
      role: target.role,
      reassignedProjectIds: reassignedProjects.map((p) => p.id),
      revokedInvitationIds: revoked.map((i) => i.id),
    },
  });
  return { removedMemberId: target.id, reassignedProjects };
}

/**
 * The caller leaves a workspace (anyone but the owner: OWNER_CANNOT_LEAVE, re-checked under the
 * lock because a concurrent transfer may just have made them owner). Their projects pass to the owner.
 */
export async function leaveWorkspace(db: EntityManager, actor: Actor, workspaceId: string): Promise<{ workspaceId: string; reassignedProjects: Project[] }> {
  await lockLiveWorkspace(db, workspaceId);
  const repo = db.getRepository(Membership);
  const mine = await repo.findOneBy({ workspaceId, accountId: actor.id });
  if (!mine) throw notFound('Your membership of this workspace');
  if (mine.role === WorkspaceRole.OWNER) {
    throw forbidden('The owner cannot leave the workspace; transfer ownership first.', 'OWNER_CANNOT_LEAVE');
  }
  const owner = await ownerOf(db, workspaceId);
  await repo.delete(mine.id);
  const reassignedProjects = await handOverProjects(db, workspaceId, actor.id, owner.accountId);
  await recordAudit(db, {
    workspaceId,
    actorId: actor.id,
    action: 'member.left',
    details: { memberId: mine.id, accountId: actor.id, role: mine.role, reassignedProjectIds: reassignedProjects.map((p) => p.id) },
  });
  return { workspaceId, reassignedProjects };
}

/**
 * Makes another active member the owner; the old owner becomes an admin (RULES.md §1). The
 * demotion runs before the promotion because the one-owner index is checked per statement.
 */
export async function transferOwnership(db: EntityManager, actor: Actor, input: { workspaceId: string; memberId: string }): Promise<Workspace> {
  await lockLiveWorkspace(db, input.workspaceId);
  await stillMay(db, actor, input.workspaceId, 'workspace.ownership.transfer');
  const repo = db.getRepository(Membership);
  const target = isUuid(input.memberId) ? await repo.findOneBy({ id: input.memberId, workspaceId: input.workspaceId }) : null;
  if (!target) {
    throw new GraphQLError('The member was not found among the active members of this workspace.', {
      extensions: { code: 'NOT_FOUND', reason: 'TARGET_NOT_MEMBER' },
    });
  }
  const owner = await ownerOf(db, input.workspaceId);
  if (target.id === owner.id) throw invalid('memberId', 'This member already owns the workspace.');
  await repo.update(owner.id, { role: WorkspaceRole.ADMIN });
  await repo.update(target.id, { role: WorkspaceRole.OWNER });
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actorId: actor.id,
    action: 'workspace.ownership_transferred',
    details: {
      fromMemberId: owner.id,
      fromAccountId: owner.accountId,
      toMemberId: target.id,
      toAccountId: target.accountId,
      previousRole: target.role,
    },
  });
  return db.getRepository(Workspace).findOneByOrFail({ id: input.workspaceId });
}

/**
 * Changes the caller's own workspace profile. Giving a profile field without `useAccountProfile`
 * switches the workspace profile on, since that is what the person is asking to see.
 */
export async function updateMyMembership(
  db: EntityManager,
  actor: Actor,
  input: { workspaceId: string; name?: string | null; jobTitle?: string | null; avatarUrl?: string | null; useAccountProfile?: boolean | null },
): Promise<Membership> {
  await lockLiveWorkspace(db, input.workspaceId);
  const repo = db.getRepository(Membership);
  const mine = await repo.findOneBy({ workspaceId: input.workspaceId, accountId: actor.id });
  if (!mine) throw notFound('Your membership of this workspace');
  const next: Partial<Membership> = {};
  if (input.name !== undefined) next.profileName = input.name?.trim() || null;
  if (input.jobTitle !== undefined) next.profileJobTitle = input.jobTitle?.trim() || null;
  if (input.avatarUrl !== undefined) next.profileAvatarUrl = input.avatarUrl?.trim() || null;
  if (input.useAccountProfile !== undefined && input.useAccountProfile !== null) next.useAccountProfile = input.useAccountProfile;
  else if (Object.keys(next).length) next.useAccountProfile = false;
  const changed = (Object.keys(next) as (keyof Membership)[]).filter((k) => next[k] !== mine[k]);
  if (!changed.length) return mine;
  await repo.update(mine.id, Object.fromEntries(changed.map((k) => [k, next[k]])));
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actorId: actor.id,
    action: 'member.profile_updated',
    details: { memberId: mine.id, fields: changed },
  });
  return repo.findOneByOrFail({ id: mine.id });
}

/** Status of an invitation as the people list shows it (see Invitation.status). */
export function invitationStatus(invitation: Invitation): PersonStatus {
  switch (invitation.state) {
    case 'PENDING':
      return PersonStatus.INVITED;
    case 'ACCEPTED':
      return PersonStatus.ACTIVE;
    default:
      return PersonStatus.EXPIRED;
  }
}
