import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { Workspace } from '../workspace/workspace.entity';
import { CreatedAt } from '../db/columns';
import { Node } from '../common/node';

/** An entry of a workspace's audit log, written in the same transaction as the change it records. */
@ObjectType('AuditEvent', { implements: Node, description: "An entry of a workspace's audit log." })
@Entity('audit_event')
@Index('audit_event_workspace_idx', ['workspaceId', 'createdAt'])
export class AuditEvent {
  @Field(() => ID, { description: 'The event id.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Workspace;

  @Field({ description: 'Dotted action name, e.g. member.role_changed.' })
  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'uuid', nullable: true })
  actorId: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'actor_id' })
  actor?: Account;

  /** Details of the change; never holds secrets (tokens, passwords, masked values). */
  @Column({ type: 'jsonb' })
  details: Record<string, unknown>;

  @Field({ description: 'When the change happened.' })
  @CreatedAt()
  createdAt: Date;
}
