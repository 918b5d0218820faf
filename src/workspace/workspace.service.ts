import { IsNull, type EntityManager } from 'typeorm';
import { notFound } from '../errors';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { Visibility, WorkspaceRole } from '../common/enums';
import { renderMarkdown } from '../common/markdown';
import { Membership } from '../membership/membership.entity';
import { Workspace } from './workspace.entity';

/** Creates a workspace with its creator as the one owner, in one transaction. */
export async function createWorkspace(
  db: EntityManager,
  actor: Account,
  input: { name: string; description?: string | null; visibility?: Visibility | null },
): Promise<Workspace> {
  const repo = db.getRepository(Workspace);
  const description = input.description ?? '';
  const workspace = await repo.save(
    repo.create({
      name: input.name.trim(),
      description,
      descriptionHtml: renderMarkdown(description),
      visibility: input.visibility ?? Visibility.PRIVATE,
    }),
  );
  await db.getRepository(Membership).insert({ workspaceId: workspace.id, accountId: actor.id, role: WorkspaceRole.OWNER });
  await recordAudit(db, {
    workspaceId: workspace.id,
    actorId: actor.id,
    action: 'workspace.created',
    details: { name: workspace.name, visibility: workspace.visibility },
  });
  return workspace;
}

/** Changes name, description or visibility, under a row lock, and records what changed. */
export async function updateWorkspace(
  db: EntityManager,
  actor: Account,
  input: { id: string; name?: string | null; description?: string | null; visibility?: Visibility | null },
): Promise<Workspace> {
  const repo = db.getRepository(Workspace);
  // Under the lock, the workspace may have been removed or purged since the permission check.
  const workspace = await repo.findOne({ where: { id: input.id, removedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  if (!workspace) throw notFound('The workspace');
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (input.name != null && input.name.trim() !== workspace.name) {
    changes.name = { from: workspace.name, to: input.name.trim() };
    workspace.name = input.name.trim();
  }
  if (input.description != null && input.description !== workspace.description) {
    changes.description = { from: workspace.description.length, to: input.description.length };
    workspace.description = input.description;
    workspace.descriptionHtml = renderMarkdown(input.description);
  }
  if (input.visibility != null && input.visibility !== workspace.visibility) {
    changes.visibility = { from: workspace.visibility, to: input.visibility };
    workspace.visibility = input.visibility;
  }
  if (Object.keys(changes).length === 0) return workspace;
  const saved = await repo.save(workspace);
  await recordAudit(db, { workspaceId: workspace.id, actorId: actor.id, action: 'workspace.updated', details: { changes } });
  return saved;
}

/**
 * Serializes the people changes of a workspace (memberships, invitations): each takes this row lock
 * first and only then reads roles, so its rules are decided on the state it will commit on. NO KEY
 * UPDATE conflicts with itself and with FOR UPDATE, but not with the KEY SHARE locks that foreign
 * keys take, so inserting audit events or projects elsewhere in the workspace never waits on it.
 * A removed (or purged) workspace is NOT_FOUND.
 */
export async function lockLiveWorkspace(db: EntityManager, workspaceId: string, what = 'The workspace'): Promise<{ id: string; name: string }> {
  const [row]: { id: string; name: string }[] = await db.query('SELECT id, name FROM workspace WHERE id = $1 AND removed_at IS NULL FOR NO KEY UPDATE', [
    workspaceId,
  ]);
  if (!row) throw notFound(what);
  return row;
}
