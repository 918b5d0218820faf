import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One piece of a stored code archive (code/storage.ts, PostgresCodeStorage): the archive under
 * `storageKey` is its pieces in `seq` order. No foreign key to code_version: the bytes are stored
 * before the version's row is written, and deleted after a purge has deleted it.
 */
@Entity('code_blob')
export class CodeBlob {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  storageKey: string;

  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'bytea' })
  data: Buffer;
}
