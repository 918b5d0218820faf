import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { CodeVersion } from '../code/code-version.entity';
import { Job } from '../job/job.entity';
import { Project } from '../project/project.entity';
import { CreatedAt, Timestamp } from '../db/columns';
import { RunStatus } from '../common/enums';
import { Node } from '../common/node';

/** One execution of a job. */
@ObjectType('Run', { implements: Node, description: 'One execution of a job.' })
@Entity('run')
@Index('run_project_idx', ['projectId', 'createdAt'])
@Index('run_job_idx', ['jobId', 'createdAt'])
export class Run {
  @Field(() => ID, { description: "The run's unique id." })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;

  @Column({ type: 'uuid' })
  jobId: string;

  @ManyToOne(() => Job, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: Job;

  @Field({ description: 'Name of the run.' })
  @Column({ type: 'varchar', length: 255, default: '' })
  name: string;

  @Field({ description: 'What the run is for.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Field(() => RunStatus, { description: 'Where the run is in its life cycle.' })
  @Column({ type: 'varchar', length: 16, default: RunStatus.QUEUED })
  status: RunStatus;

  @Field(() => String, { nullable: true, description: 'Input of the run, as JSON text.' })
  @Column({ type: 'text', nullable: true })
  payload: string | null;

  @Column({ type: 'uuid', nullable: true })
  createdById: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_id' })
  createdBy?: Account;

  @Column({ type: 'uuid', nullable: true })
  codeVersionId: string | null;

  @ManyToOne(() => CodeVersion, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'code_version_id' })
  codeVersion?: CodeVersion;

  @Field({ description: 'When the run was started.' })
  @CreatedAt()
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When a runner picked the run up.' })
  @Timestamp()
  startedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the run ended.' })
  @Timestamp()
  finishedAt: Date | null;
}
