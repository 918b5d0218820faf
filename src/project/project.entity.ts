import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Account } from '../account/account.entity';
import { Workspace } from '../workspace/workspace.entity';
import { CreatedAt, ModifiedAt, Timestamp } from '../db/columns';
import { Visibility } from '../common/enums';
import { Node } from '../common/node';

/** A data-science project inside a workspace. Removed projects are hidden until purged. */
@ObjectType('Project', { implements: Node, description: 'A data-science project inside a workspace.' })
@Entity('project')
@Index('project_workspace_idx', ['workspaceId', 'name'])
@Index('project_owner_idx', ['workspaceId', 'ownerId'])
@Index('project_purge_idx', ['purgeAt'], { where: 'purge_at IS NOT NULL' })
export class Project {
  @Field(() => ID, { description: "The project's unique id." })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Workspace;

  @Field({ description: 'Name, 1–255 characters.' })
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Field({ description: 'Markdown source.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Field({ description: 'The description rendered from Markdown to sanitized HTML.' })
  @Column({ type: 'text', default: '' })
  descriptionHtml: string;

  @Field(() => Visibility, { description: 'PUBLIC projects of PUBLIC workspaces are visible to everyone.' })
  @Column({ type: 'varchar', length: 8, default: Visibility.PRIVATE })
  visibility: Visibility;

  /** The account owning the project: its creator, or the workspace owner after the creator left. */
  @Column({ type: 'uuid', nullable: true })
  ownerId: string | null;

  @ManyToOne(() => Account, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'owner_id' })
  owner?: Account;

  @Field({ description: 'When the project was created.' })
  @CreatedAt()
  createdAt: Date;

  @Field({ description: 'When the project was last changed.' })
  @ModifiedAt()
  modifiedAt: Date;

  @Field(() => Date, { nullable: true, description: 'Set while the project is removed and can still be restored.' })
  @Timestamp()
  removedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a removed project is deleted for good.' })
  @Timestamp()
  purgeAt: Date | null;
}
