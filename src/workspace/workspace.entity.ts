import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { CreatedAt, ModifiedAt, Timestamp } from '../db/columns';
import { Visibility } from '../common/enums';
import { Node } from '../common/node';

/** A workspace: the unit of membership. Removed workspaces keep their rows until purged. */
@ObjectType('Workspace', { implements: Node, description: 'A place where a team keeps its projects and people.' })
@Entity('workspace')
@Index('workspace_purge_idx', ['purgeAt'], { where: 'purge_at IS NOT NULL' })
@Index('workspace_public_idx', ['visibility'], { where: `visibility = 'PUBLIC' AND removed_at IS NULL` })
export class Workspace {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Name, 1–255 characters.' })
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Field({ description: 'Markdown source.' })
  @Column({ type: 'text', default: '' })
  description: string;

  @Field({ description: 'The description rendered from Markdown to sanitized HTML.' })
  @Column({ type: 'text', default: '' })
  descriptionHtml: string;

  @Field(() => Visibility, { description: 'PUBLIC workspaces are visible to everyone, as guests.' })
  @Column({ type: 'varchar', length: 8, default: Visibility.PRIVATE })
  visibility: Visibility;

  @Field({ description: 'When the workspace was created.' })
  @CreatedAt()
  createdAt: Date;

  @Field({ description: 'When the workspace was last changed.' })
  @ModifiedAt()
  modifiedAt: Date;

  @Field(() => Date, { nullable: true, description: 'Set while the workspace is removed and can still be restored.' })
  @Timestamp()
  removedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a removed workspace is deleted for good.' })
  @Timestamp()
  purgeAt: Date | null;
}
