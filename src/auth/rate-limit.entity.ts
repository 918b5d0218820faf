import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

/**
 * One counted request (or `count` units of one) against an abuse limit, shared by every server
 * process. A limit sums the rows of its key younger than its window (auth/rate-limit.ts).
 */
@Entity('rate_limit')
@Index('rate_limit_key_at_idx', ['key', 'at'])
@Index('rate_limit_at_idx', ['at'])
export class RateLimitCounter {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  key: string;

  @Column({ ...TIMESTAMP })
  at: Date;

  @Column({ type: 'int', default: 1 })
  count: number;
}
