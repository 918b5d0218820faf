import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { Account } from '../account/account.entity';
import type { Connection } from '../common/page';
import { paginate, SortKey } from '../common/pagination';
import type { Context } from '../context';
import { Workspace } from '../workspace/workspace.entity';
import { AuditEvent } from './audit-event.entity';
import { accountById } from '../membership/membership.loaders';
import { AuditEventConnection, AuditEventFilter } from './audit.types';

/** Newest first; the id breaks ties between events of the same millisecond. */
const NEWEST_FIRST: SortKey<AuditEvent>[] = [
  { expr: 'e.created_at', direction: 'DESC', value: (e) => e.createdAt },
  { expr: 'e.id', direction: 'DESC', value: (e) => e.id },
];

@Resolver(() => AuditEvent)
export class AuditResolver {
  @FieldResolver(() => Account, { nullable: true, description: 'Who made the change; null for the system or a deleted account.' })
  actor(@Root() event: AuditEvent, @Ctx() ctx: Context): Promise<Account | null> | null {
    return event.actorId ? accountById(ctx).load(event.actorId) : null;
  }

  @FieldResolver(() => String, { description: 'Free-form details of the change, as JSON text.' })
  data(@Root() event: AuditEvent): string {
    return JSON.stringify(event.details ?? {});
  }
}

@Resolver(() => Workspace)
export class WorkspaceAuditResolver {
  /** The shield allows this field to admins and the owner only (FIELD_PERMISSIONS 'workspace.audit.view'). */
  @FieldResolver(() => AuditEventConnection, {
    nullable: true,
    description: "The workspace's audit log, newest first (admins and the owner); null for anyone else, with a FORBIDDEN error.",
  })
  auditEvents(
    @Root() workspace: Workspace,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 0–100 (default 20).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string,
    @Arg('last', () => Int, { nullable: true, description: 'Page size going backward, 0–100 (default 20); with before, not with first or after.' })
    last?: number,
    @Arg('before', () => String, { nullable: true, description: 'The startCursor of the next page, to page backward before it.' }) before?: string,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Narrows the events.' }) filter?: AuditEventFilter,
  ): Promise<Connection<AuditEvent>> {
    const qb = ctx.db.getRepository(AuditEvent).createQueryBuilder('e').where('e.workspace_id = :ws', { ws: workspace.id });
    if (filter?.actions?.length) qb.andWhere('e.action = ANY(:actions)', { actions: filter.actions });
    return paginate(qb, NEWEST_FIRST, { first, after, last, before });
  }
}
