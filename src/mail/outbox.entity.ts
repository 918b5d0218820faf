import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAt, Timestamp } from '../db/columns';

/**
 * An email waiting to be delivered. Written in the same transaction as the change that causes
 * it; the mail worker delivers it with retries and backoff.
 */
@Entity('outbox_email')
@Index('outbox_email_due_idx', ['nextAttemptAt'], { where: 'sent_at IS NULL' })
export class OutboxEmail {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: string;

  @Column({ type: 'varchar', length: 320 })
  toAddress: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text' })
  textBody: string;

  @Column({ type: 'text' })
  htmlBody: string;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Timestamp({ nullable: false, default: () => 'now()' })
  nextAttemptAt: Date;

  @Timestamp()
  sentAt: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @CreatedAt()
  createdAt: Date;
}
