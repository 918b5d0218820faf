import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { Project } from '../project/project.entity';
import { CreatedAt } from '../db/columns';
import { Node } from '../common/node';

/** One pushed archive of a project's code; the bytes live in the code storage, keyed by `storageKey`. */
@ObjectType('CodeVersion', { implements: Node, description: "One pushed version of a project's code." })
@Entity('code_version')
@Index('code_version_project_idx', ['projectId', 'createdAt'])
export class CodeVersion {
  @Field(() => ID, { description: "The code version's unique id." })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;

  @Field({ description: 'Name of the archive file.' })
  @Column({ type: 'varchar', length: 255 })
  filename: string;

  @Field(() => Int, { description: 'Size of the archive in bytes.' })
  @Column({ type: 'int' })
  sizeBytes: number;

  @Field({ description: 'SHA-256 of the archive, hex-encoded.' })
  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Field({ description: 'What changed.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'varchar', length: 255 })
  storageKey: string;

  @Column({ type: 'uuid', nullable: true })
  createdById: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_id' })
  createdBy?: Account;

  @Field({ description: 'When the version was pushed.' })
  @CreatedAt()
  createdAt: Date;
}
