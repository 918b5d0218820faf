import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { CreatedAt, Timestamp } from '../db/columns';
import { AccessTokenScope } from '../common/enums';
import { Node } from '../common/node';

export enum TokenKind {
  SESSION = 'SESSION',
  ACCESS = 'ACCESS',
}

/**
 * A bearer credential: a sign-in session or a personal access token. Only the SHA-256 of the
 * secret is stored. As GraphQL `AccessToken` it describes a personal access token.
 */
@ObjectType('AccessToken', { implements: Node, description: 'A personal access token for scripts and third-party integrations.' })
@Entity('token')
@Index('token_account_idx', ['accountId'])
export class Token {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  accountId: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Column({ type: 'varchar', length: 16 })
  kind: TokenKind;

  @Field({ description: 'A name to recognise the token by.' })
  @Column({ type: 'varchar', length: 255, default: '' })
  name: string;

  @Field(() => AccessTokenScope, { description: 'What the token may do.' })
  @Column({ type: 'varchar', length: 8, default: AccessTokenScope.WRITE })
  scope: AccessTokenScope;

  @Index('token_hash_key', { unique: true })
  @Column({ type: 'bytea' })
  tokenHash: Buffer;

  @Field({ description: 'When the token was created.' })
  @CreatedAt()
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the token stops working; null for never.' })
  @Timestamp()
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the token was last used (to the minute).' })
  @Timestamp()
  lastUsedAt: Date | null;

  @Timestamp()
  revokedAt: Date | null;
}
