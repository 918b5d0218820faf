import type { DataSource, EntityManager } from 'typeorm';
import { Account } from '../account/account.entity';
import { recordAudit } from '../audit/audit.service';
import { Visibility } from '../common/enums';
import { renderMarkdown } from '../common/markdown';
import { PROJECT_PERMISSIONS, WORKSPACE_PERMISSIONS } from '../auth/permissions';
import { isUuid } from '../common/ids';
import { entitiesByIds } from '../db/rows';
import { conflict, forbidden, notFound } from '../errors';
import { Project } from './project.entity';

/**
 * Creates a project owned by its creator. The workspace row is locked FOR SHARE, which waits for
 * membership changes (they lock it FOR NO KEY UPDATE) without serializing concurrent creations,
 * and the creator's role is re-read under it: so a creator removed or demoted a moment ago cannot
 * leave behind a project owned by a non-member.
 */
export async function createProject(
  db: EntityManager,
  actor: Account,
  input: { workspaceId: string; name: string; description?: string | null; visibility?: Visibility | null },
): Promise<Project> {
  const [live] = await db.query('SELECT id FROM workspace WHERE id = $1 AND removed_at IS NULL FOR SHARE', [input.workspaceId]);
  if (!live) throw notFound('The workspace');
  // The shield decided on the role before the lock; re-read it in a new statement (a fresh
  // snapshot under READ COMMITTED), so a change committed while we waited counts.
  const [mine] = await db.query('SELECT role FROM membership WHERE workspace_id = $1 AND account_id = $2', [input.workspaceId, actor.id]);
  const mayCreate = actor.isSuperuser || (mine !== undefined && (WORKSPACE_PERMISSIONS['project.create'] as readonly string[]).includes(mine.role));
  if (!mayCreate) throw forbidden();
  const repo = db.getRepository(Project);
  const project = await repo.save(
    repo.create({
      workspaceId: input.workspaceId,
      name: input.name.trim(),
      description: input.description ?? '',
      descriptionHtml: renderMarkdown(input.description ?? ''),
      visibility: input.visibility ?? Visibility.PRIVATE,
      ownerId: actor.id,
    }),
  );
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'project.created',
    details: { projectId: project.id, name: project.name, visibility: project.visibility },
  });
  return project;
}

/** Loads a live project under a row lock, or NOT_FOUND (it was removed since the permission check). */
export async function lockProject(db: EntityManager, id: string, mode: 'pessimistic_write' | 'pessimistic_read' = 'pessimistic_write'): Promise<Project> {
  const project = await db.getRepository(Project).findOne({ where: { id }, lock: { mode } });
  if (!project || project.removedAt) throw notFound('The project');
  return project;
}

/** Changes name, description or visibility under a row lock, and records what changed. */
export async function updateProject(
  db: EntityManager,
  actor: Account,
  input: { id: string; name?: string | null; description?: string | null; visibility?: Visibility | null },
): Promise<Project> {
  const project = await lockProject(db, input.id);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (input.name != null && input.name.trim() !== project.name) {
    changes.name = { from: project.name, to: input.name.trim() };
    project.name = input.name.trim();
  }
  if (input.description != null && input.description !== project.description) {
    changes.description = { from: project.description.length, to: input.description.length };
    project.description = input.description;
    project.descriptionHtml = renderMarkdown(input.description);
  }
  if (input.visibility != null && input.visibility !== project.visibility) {
    changes.visibility = { from: project.visibility, to: input.visibility };
    project.visibility = input.visibility;
  }
  if (Object.keys(changes).length === 0) return project;
  const saved = await db.getRepository(Project).save(project);
  await recordAudit(db, { workspaceId: project.workspaceId, actorId: actor.id, action: 'project.updated', details: { projectId: project.id, changes } });
  return saved;
}

/**
 * Hides a project at once; the purge job deletes it for good after the retention period
 * (the same as for workspaces).
 */
export async function removeProject(db: EntityManager, actor: Account, id: string, retentionDays: number): Promise<Project> {
  const project = await lockProject(db, id);
  const now = new Date();
  project.removedAt = now;
  project.purgeAt = new Date(now.getTime() + retentionDays * 24 * 60 * 60 * 1000);
  const saved = await db.getRepository(Project).save(project);
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'project.removed',
    details: { projectId: project.id, name: project.name, purgeAt: project.purgeAt.toISOString() },
  });
  return saved;
}

/**
 * Brings a removed project back as it was, with everything in it (RULES.md §4). Refused while it
 * is live (PROJECT_NOT_REMOVED) and once `purgeAt` has passed, even if the purge job has not run
 * yet (RESTORE_WINDOW_PASSED). The workspace row is locked FOR SHARE before the project row, in the
 * order membership changes take them (they move project ownership under the workspace lock), and
 * the caller's project role is re-read under it: a creator removed or demoted a moment ago cannot
 * restore. The purge job skips a row this holds, and a row it deleted first is NOT_FOUND here.
 */
export async function restoreProject(db: EntityManager, actor: Account, id: string): Promise<Project> {
  const [found]: { workspace_id: string }[] = isUuid(id) ? await db.query('SELECT workspace_id FROM project WHERE id = $1', [id]) : [];
  if (!found) throw notFound('The project');
  const [live] = await db.query('SELECT id FROM workspace WHERE id = $1 AND removed_at IS NULL FOR SHARE', [found.workspace_id]);
  if (!live) throw notFound('The project');
  const project = await db.getRepository(Project).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!project) throw notFound('The project');
  if (!actor.isSuperuser) {
    const [mine] = await db.query('SELECT role FROM membership WHERE workspace_id = $1 AND account_id = $2', [project.workspaceId, actor.id]);
    const role = !mine
      ? null
      : mine.role === 'OWNER' || mine.role === 'ADMIN' || (mine.role === 'MEMBER' && project.ownerId === actor.id)
        ? 'ADMIN'
        : mine.role;
    if (!role || !(PROJECT_PERMISSIONS['project.restore'] as readonly string[]).includes(role)) {
      throw project.removedAt ? notFound('The project') : forbidden();
    }
  }
  if (!project.removedAt) throw conflict('The project is not removed.', 'PROJECT_NOT_REMOVED');
  if (project.purgeAt && project.purgeAt.getTime() <= Date.now()) {
    throw conflict('The project can no longer be restored: its restore period has ended.', 'RESTORE_WINDOW_PASSED');
  }
  const removedAt = project.removedAt;
  project.removedAt = null;
  project.purgeAt = null;
  const saved = await db.getRepository(Project).save(project);
  await recordAudit(db, {
    workspaceId: project.workspaceId,
    actorId: actor.id,
    action: 'project.restored',
    details: { projectId: project.id, name: project.name, removedAt: removedAt.toISOString() },
  });
  return saved;
}

/** The removed projects of each workspace that can still be restored, most recently removed first. */
export async function removedProjectsIn(db: EntityManager | DataSource, workspaceIds: readonly string[]): Promise<Map<string, Project[]>> {
  const rows = await entitiesByIds(db, Project, workspaceIds.filter(isUuid), { by: 'workspace_id', where: 't.removed_at IS NOT NULL AND t.purge_at > now()' });
  rows.sort((a, b) => b.removedAt!.getTime() - a.removedAt!.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const result = new Map<string, Project[]>(workspaceIds.map((id) => [id, []]));
  for (const project of rows) result.get(project.workspaceId)?.push(project);
  return result;
}
