import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../db/columns';

/** A fixed-window counter for abuse limits, shared by every server process. */
@Entity('rate_limit')
export class RateLimitCounter {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  @PrimaryColumn({ ...TIMESTAMP })
  windowStart: Date;

  @Column({ type: 'int', default: 0 })
  count: number;
}
