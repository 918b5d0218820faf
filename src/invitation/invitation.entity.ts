import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { Workspace } from '../workspace/workspace.entity';
import { CreatedAt, ModifiedAt, Timestamp } from '../db/columns';
import { InvitationState, WorkspaceRole } from '../common/enums';
import { Person } from '../membership/person.type';
import { Node } from '../common/node';

/**
 * An invitation to join a workspace. The stored `state` is PENDING, ACCEPTED, DECLINED or
 * REVOKED; EXPIRED is derived from `expiresAt`. At most one PENDING invitation per
 * (workspace, normalized address) is enforced by a partial unique index.
 */
@ObjectType('Invitation', { implements: [Person, Node], description: 'An invitation to join a workspace.' })
@Entity('invitation')
@Index('invitation_one_pending_key', ['workspaceId', 'emailNormalized'], { unique: true, where: `stored_state = 'PENDING'` })
@Index('invitation_email_idx', ['emailNormalized'], { where: `stored_state = 'PENDING'` })
// The people page's keyset orders over pending invitations (see people.query.ts); by address: invitation_one_pending_key.
@Index('invitation_people_role_idx', ['workspaceId', 'role', 'id'], { where: `stored_state = 'PENDING'` })
@Index('invitation_people_created_idx', ['workspaceId', 'createdAt', 'id'], { where: `stored_state = 'PENDING'` })
@Index('invitation_people_id_idx', ['workspaceId', 'id'], { where: `stored_state = 'PENDING'` })
export class Invitation {
  readonly kind = 'invitation' as const;

  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Workspace;

  @Field({ description: 'The invited address, as given.' })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** Trimmed and lower-cased address, for comparisons. */
  @Column({ type: 'varchar', length: 320 })
  emailNormalized: string;

  @Field(() => WorkspaceRole, { description: 'The role the invitee gets on accepting.' })
  @Column({ type: 'varchar', length: 8 })
  role: WorkspaceRole;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Column({ type: 'varchar', length: 16, default: InvitationState.PENDING })
  storedState: InvitationState;

  @Index('invitation_token_key', { unique: true })
  @Column({ type: 'bytea' })
  tokenHash: Buffer;

  @Field({ description: 'When the current link stops working.' })
  @Timestamp({ nullable: false })
  expiresAt: Date;

  @Field({ description: 'When the invitation email was last sent.' })
  @Timestamp({ nullable: false, default: () => 'now()' })
  lastSentAt: Date;

  @Field(() => Int, { description: 'How many times the invitation email was sent.' })
  @Column({ type: 'int', default: 1 })
  sentCount: number;

  @Column({ type: 'uuid', nullable: true })
  invitedById: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'invited_by_id' })
  invitedBy?: Account;

  @Field({ description: 'When the invitation was created.' })
  @CreatedAt()
  createdAt: Date;

  @ModifiedAt()
  modifiedAt: Date;

  @Timestamp()
  respondedAt: Date | null;

  /** The state as the API shows it: a PENDING invitation past its expiry is EXPIRED. */
  @Field(() => InvitationState, { description: 'PENDING, ACCEPTED, DECLINED, REVOKED, or EXPIRED once a pending link is past its expiry.' })
  get state(): InvitationState {
    return this.storedState === InvitationState.PENDING && this.expiresAt.getTime() <= Date.now() ? InvitationState.EXPIRED : this.storedState;
  }
}
