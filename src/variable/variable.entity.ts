import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Project } from '../project/project.entity';
import { CreatedAt, ModifiedAt } from '../db/columns';
import { Node } from '../common/node';

/** A project variable. A masked variable's value never leaves the server. */
@ObjectType('Variable', { implements: Node, description: "A named value available to a project's runs." })
@Entity('variable')
@Unique('variable_project_name_key', ['projectId', 'name'])
export class Variable {
  @Field(() => ID, { description: "The variable's unique id." })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: Project;

  @Field({ description: 'Name matching [A-Za-z_][A-Za-z0-9_]*, unique in the project.' })
  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** The real value; the GraphQL `value` field masks it. */
  @Column({ type: 'text' })
  value: string;

  @Field({ description: 'Whether the value is hidden from everyone.' })
  @Column({ type: 'boolean', default: false })
  isMasked: boolean;

  @Field({ description: 'When the variable was created.' })
  @CreatedAt()
  createdAt: Date;

  @Field({ description: 'When the variable was last changed.' })
  @ModifiedAt()
  modifiedAt: Date;
}
