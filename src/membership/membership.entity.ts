import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Account } from '../account/account.entity';
import { Workspace } from '../workspace/workspace.entity';
import { CreatedAt, ModifiedAt } from '../db/columns';
import { WorkspaceRole } from '../common/enums';
import { Person } from './person.type';
import { Node } from '../common/node';

/**
 * A person's membership of a workspace with their workspace profile. At most one OWNER per
 * workspace is enforced by a partial unique index; "at least one" by a deferred constraint
 * trigger (see the initial migration).
 */
@ObjectType('Member', { implements: [Person, Node], description: "A person's membership of a workspace, with their workspace profile." })
@Entity('membership')
@Unique('membership_workspace_account_key', ['workspaceId', 'accountId'])
@Index('membership_one_owner_key', ['workspaceId'], { unique: true, where: `role = 'OWNER'` })
@Index('membership_account_idx', ['accountId'])
// The people page's keyset orders (see people.query.ts), each served by an index scan.
@Index('membership_people_name_idx', ['workspaceId', 'sortName', 'id'])
@Index('membership_people_email_idx', ['workspaceId', 'sortEmail', 'id'])
@Index('membership_people_role_idx', ['workspaceId', 'role', 'id'])
@Index('membership_people_created_idx', ['workspaceId', 'createdAt', 'id'])
@Index('membership_people_id_idx', ['workspaceId', 'id'])
// Trigram GIN over (name, email) for the people search; written by the migration (TypeORM cannot express it).
@Index('membership_people_search_idx', { synchronize: false })
export class Membership {
  readonly kind = 'member' as const;

  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Workspace;

  @Column({ type: 'uuid' })
  accountId: string;

  /** Loaded when the query that read this membership read its account too (the people and projects pages, membershipByWorkspaceAccount). */
  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Field(() => WorkspaceRole, { description: 'Role in the workspace.' })
  @Column({ type: 'varchar', length: 8 })
  role: WorkspaceRole;

  /** Workspace profile name; shown when `useAccountProfile` is false. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  profileName: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  profileJobTitle: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  profileAvatarUrl: string | null;

  @Field({ description: "True when the account's own name, job title and avatar are shown instead of the workspace profile." })
  @Column({ type: 'boolean', default: true })
  useAccountProfile: boolean;

  @Field({ description: 'When the person joined the workspace.' })
  @CreatedAt()
  createdAt: Date;

  @ModifiedAt()
  modifiedAt: Date;

  /**
   * The shown name (profile name or the account's), lower-cased, and the account's address: the
   * people page's sort and search keys, kept by database triggers on membership and account so
   * the page is ordered by an index of this table alone.
   */
  @Column({ type: 'text', insert: false, update: false })
  sortName: string;

  @Column({ type: 'text', insert: false, update: false })
  sortEmail: string;
}
