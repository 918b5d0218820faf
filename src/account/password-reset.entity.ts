import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from './account.entity';
import { CreatedAt, Timestamp } from '../db/columns';

/** A single-use password reset token; only its SHA-256 is stored. */
@Entity('password_reset')
export class PasswordReset {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('password_reset_account_idx')
  @Column({ type: 'uuid' })
  accountId: string;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Index('password_reset_hash_key', { unique: true })
  @Column({ type: 'bytea' })
  tokenHash: Buffer;

  @Timestamp({ nullable: false })
  expiresAt: Date;

  @Timestamp()
  usedAt: Date | null;

  @CreatedAt()
  createdAt: Date;
}
