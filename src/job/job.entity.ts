import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Project } from '../project/project.entity';
import { CreatedAt, ModifiedAt } from '../db/columns';
import { Node } from '../common/node';

/** A job: a named command that runs are started from. */
@ObjectType('Job', { implements: Node, description: 'A named command that runs are started from.' })
@Entity('job')
@Unique('job_project_name_key', ['projectId', 'name'])
export class Job {
  @Field(() => ID, { description: "The job's unique id." })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;

  @Field({ description: 'Name, unique in the project.' })
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Field({ description: 'What the job does.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Field({ description: 'The command a runner executes.' })
  @Column({ type: 'text' })
  command: string;

  @Field({ description: 'When the job was created.' })
  @CreatedAt()
  createdAt: Date;

  @Field({ description: 'When the job was last changed.' })
  @ModifiedAt()
  modifiedAt: Date;
}
