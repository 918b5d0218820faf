import { In, type EntityManager } from 'typeorm';
import type { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { isUuid } from '../common/ids';
import { conflict, notFound } from '../errors';
import { codeFilesOfWorkspaces } from './purge.job';
import { Workspace } from './workspace.entity';

const DAY_MS = 86_400_000;

/** The workspace row, locked for the rest of the transaction (membership changes and the purge job take the same lock). */
async function lockWorkspace(db: EntityManager, id: string): Promise<Workspace> {
  const workspace = isUuid(id) ? await db.getRepository(Workspace).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
  if (!workspace) throw notFound('The workspace');
  return workspace;
}

/**
 * Removes a workspace (RULES.md §4): from this commit on it is NOT_FOUND for every query and
 * mutation inside it; it stays restorable until `purgeAt`, `retentionDays` from now. A workspace
 * removed meanwhile by a concurrent request is NOT_FOUND, as the shield would have answered.
 */
export async function removeWorkspace(db: EntityManager, actor: Account, id: string, retentionDays: number): Promise<Workspace> {
  const workspace = await lockWorkspace(db, id);
  if (workspace.removedAt) throw notFound('The workspace');
  workspace.removedAt = new Date();
  workspace.purgeAt = new Date(workspace.removedAt.getTime() + retentionDays * DAY_MS);
  const saved = await db.getRepository(Workspace).save(workspace);
  await recordAudit(db, {
    workspaceId: workspace.id,
    actorId: actor.id,
    action: 'workspace.removed',
    details: { name: workspace.name, purgeAt: saved.purgeAt!.toISOString() },
  });
  return saved;
}

/**
 * Brings a removed workspace back as it was. Refused while it is live (WORKSPACE_NOT_REMOVED)
 * and once `purgeAt` has passed, even if the purge job has not run yet (RESTORE_WINDOW_PASSED).
 */
export async function restoreWorkspace(db: EntityManager, actor: Account, id: string): Promise<Workspace> {
  const workspace = await lockWorkspace(db, id);
  if (!workspace.removedAt) throw conflict('The workspace is not removed.', 'WORKSPACE_NOT_REMOVED');
  if (workspace.purgeAt && workspace.purgeAt.getTime() <= Date.now()) {
    throw conflict('The workspace can no longer be restored: its restore period has ended.', 'RESTORE_WINDOW_PASSED');
  }
  const removedAt = workspace.removedAt;
  workspace.removedAt = null;
  workspace.purgeAt = null;
  const saved = await db.getRepository(Workspace).save(workspace);
  await recordAudit(db, { workspaceId: workspace.id, actorId: actor.id, action: 'workspace.restored', details: { removedAt: removedAt.toISOString() } });
  return saved;
}

/**
 * Deletes a removed workspace and everything in it for good (foreign keys cascade to memberships,
 * invitations, projects and their resources, and the audit log). A live one is refused: removal
 * comes first, so that its admins see it in the audit log. Answers the stored code archives to
 * delete once the transaction has committed.
 */
export async function purgeWorkspace(db: EntityManager, id: string): Promise<{ codeFiles: string[] }> {
  const workspace = await lockWorkspace(db, id);
  if (!workspace.removedAt) throw conflict('Only a removed workspace can be purged; remove it first.', 'WORKSPACE_NOT_REMOVED');
  const codeFiles = await codeFilesOfWorkspaces(db, [workspace.id]);
  await db.query('DELETE FROM workspace WHERE id = $1', [workspace.id]);
  return { codeFiles };
}

/** Removed workspaces each account owns that can still be restored, most recently removed first. */
export async function removedWorkspacesOwnedBy(db: EntityManager, accountIds: readonly string[]): Promise<Map<string, Workspace[]>> {
  const rows: { accountId: string; id: string }[] = await db.query(
    `SELECT m.account_id AS "accountId", w.id
       FROM workspace w JOIN membership m ON m.workspace_id = w.id AND m.role = 'OWNER'
      WHERE m.account_id = ANY($1::uuid[]) AND w.removed_at IS NOT NULL AND w.purge_at > now()
      ORDER BY w.removed_at DESC, w.id`,
    [accountIds],
  );
  const workspaces = rows.length ? await db.getRepository(Workspace).findBy({ id: In(rows.map((r) => r.id)) }) : [];
  const byId = new Map(workspaces.map((w) => [w.id, w]));
  const result = new Map<string, Workspace[]>(accountIds.map((id) => [id, []]));
  for (const row of rows) {
    const workspace = byId.get(row.id);
    if (workspace) result.get(row.accountId)!.push(workspace);
  }
  return result;
}
