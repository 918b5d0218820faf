import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAt, ModifiedAt, Timestamp } from '../db/columns';
import { PlatformRole } from '../common/enums';
import { Node } from '../common/node';

/**
 * An account. As GraphQL `User` it is someone else's public face; the secret columns
 * (password hash) have no `@Field` and so never leave the server. `email` is resolved by
 * a field resolver because its visibility depends on the caller.
 */
@ObjectType('User', { implements: Node, description: 'A person with an account.' })
@Entity('account')
export class Account {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** Stored trimmed and lower-cased, so uniqueness ignores case. */
  @Index('account_email_key', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Field(() => String, { nullable: true, description: 'Job title shown on the profile.' })
  @Column({ type: 'varchar', length: 255, nullable: true })
  jobTitle: string | null;

  @Field(() => String, { nullable: true, description: 'URL of the profile picture.' })
  @Column({ type: 'varchar', length: 2048, nullable: true })
  avatarUrl: string | null;

  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 16, default: PlatformRole.MEMBER })
  platformRole: PlatformRole;

  @Column({ type: 'boolean', default: false })
  isSuperuser: boolean;

  /**
   * When the account proved it holds its address (the verification link, or an invitation's
   * token); null until then. An unverified account sees no invitations (docs/RULES.md §4).
   */
  @Timestamp()
  emailVerifiedAt: Date | null;

  @Field({ description: 'When the account was created.' })
  @CreatedAt()
  createdAt: Date;

  @ModifiedAt()
  modifiedAt: Date;
}
