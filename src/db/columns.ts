import { Column, ColumnOptions, CreateDateColumn, UpdateDateColumn } from 'typeorm';

/**
 * Timestamps are stored with millisecond precision so that a JavaScript Date round-trips exactly;
 * keyset pagination compares them, and a lost microsecond would skip or repeat rows.
 */
export const TIMESTAMP = { type: 'timestamptz', precision: 3 } as const;

export const CreatedAt = () => CreateDateColumn({ ...TIMESTAMP, default: () => 'now()' });
export const ModifiedAt = () => UpdateDateColumn({ ...TIMESTAMP, default: () => 'now()' });
export const Timestamp = (options: ColumnOptions = {}) => Column({ ...TIMESTAMP, nullable: true, ...options });
