import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { connectionTypes } from '../common/page';
import { AuditEvent } from './audit-event.entity';

export const { EdgeType: AuditEventEdge, ConnectionType: AuditEventConnection } = connectionTypes('AuditEvent', () => AuditEvent);

@InputType('AuditEventFilter', { description: 'Narrows the audit log.' })
export class AuditEventFilter {
  @Field(() => [String], { nullable: true, description: 'Only events with one of these actions, e.g. ["member.role_changed"]; all when omitted.' })
  @ArrayMaxSize(50)
  @MaxLength(64, { each: true })
  actions?: string[] | null;
}
