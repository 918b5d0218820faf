import type { EntityManager } from 'typeorm';

export interface AuditEntry {
  workspaceId: string;
  actorId: string | null;
  /** Dotted action, e.g. `member.role_changed`. */
  action: string;
  /** Details of the change; never secrets (tokens, passwords, masked values). */
  details?: Record<string, unknown>;
}

/** Writes an audit event; call it with the transaction of the change it records. */
export async function recordAudit(db: EntityManager, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_event (workspace_id, actor_id, action, details) VALUES ($1, $2, $3, $4)', [
    entry.workspaceId,
    entry.actorId,
    entry.action,
    JSON.stringify(entry.details ?? {}),
  ]);
}
