import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from './account.entity';
import { CreatedAt, Timestamp } from '../db/columns';

/** A single-use email verification token, as sent in the sign-up email; only its SHA-256 is stored. */
@Entity('email_verification')
export class EmailVerification {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('email_verification_account_idx')
  @Column({ type: 'uuid' })
  accountId: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Index('email_verification_hash_key', { unique: true })
  @Column({ type: 'bytea' })
  tokenHash: Buffer;

  @Timestamp({ nullable: false })
  expiresAt: Date;

  @Timestamp()
  usedAt: Date | null;

  @CreatedAt()
  createdAt: Date;
}
