import type { EntityManager } from 'typeorm';
import { defineLoader, RequestDataLoader, type Context } from '../context';
import { viewerMembership } from '../membership/membership.loaders';

export interface AuditEntry {
  workspaceId: string;
  actorId: string | null;
  /** Dotted action, e.g. `member.role_changed`. */
  action: string;
  /** Details of the change; never secrets (tokens, passwords, masked values). */
  details?: Record<string, unknown>;
}

/**
 * Writes an audit event; call it with the transaction of the change it records. The time is the
 * statement's clock, not the transaction start, so several events of one change keep their order.
 */
export async function recordAudit(db: EntityManager, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_event (workspace_id, actor_id, action, details, created_at) VALUES ($1, $2, $3, $4, clock_timestamp())', [
    entry.workspaceId,
    entry.actorId,
    entry.action,
    JSON.stringify(entry.details ?? {}),
  ]);
}

/**
 * One `superuser.access` event per (workspace, operation) and request: the loader's cache is the
 * de-duplication, and a page touching many workspaces writes its events in one statement.
 */
const superuserAccessLog = defineLoader(
  (ctx) =>
    new RequestDataLoader<string, true>(async (keys) => {
      const pairs = keys.map((k) => {
        const at = k.indexOf(':');
        return { workspaceId: k.slice(0, at), operation: k.slice(at + 1) };
      });
      await ctx.db.query(
        `INSERT INTO audit_event (workspace_id, actor_id, action, details, created_at)
         SELECT w.id, $1, 'superuser.access', jsonb_build_object('operation', x.operation, 'requestId', $4::text), clock_timestamp()
           FROM unnest($2::uuid[], $3::text[]) AS x(workspace_id, operation)
           JOIN workspace w ON w.id = x.workspace_id`,
        [ctx.user!.id, pairs.map((p) => p.workspaceId), pairs.map((p) => p.operation), ctx.requestId],
      );
      return keys.map(() => true as const);
    }),
);

/**
 * RULES.md §1: every action a superuser takes in a workspace they are not a member of is written to
 * that workspace's audit log, so its admins see it. Does nothing for anyone else, and for a
 * superuser who is a member (their actions are ordinary ones). `operation` is the root field,
 * e.g. `Mutation.updateWorkspace`.
 */
export async function recordSuperuserAccess(ctx: Context, workspaceId: string, operation: string): Promise<void> {
  if (!ctx.user?.isSuperuser) return;
  if (await viewerMembership(ctx, workspaceId)) return;
  await superuserAccessLog(ctx).load(`${workspaceId}:${operation}`);
}
