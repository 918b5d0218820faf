import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { SortDirection, Visibility } from '../common/enums';
import { connectionTypes } from '../common/page';
import { SingleLine, TrimmedLength } from '../common/validators';
import { Project } from './project.entity';

export const { EdgeType: ProjectEdge, ConnectionType: ProjectConnection } = connectionTypes('Project', () => Project);

export const PROJECT_DESCRIPTION_MAX = 10_000;

@InputType('ProjectFilter', { description: 'Narrows the project list.' })
export class ProjectFilter {
  @Field(() => Visibility, { nullable: true, description: 'Only projects with this visibility.' })
  visibility?: Visibility | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive match on the name.' })
  @IsOptional()
  @MaxLength(255, { message: 'search must be at most 255 characters long.' })
  search?: string | null;
}

export enum ProjectOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  MODIFIED_AT = 'MODIFIED_AT',
}
registerEnumType(ProjectOrderField, {
  name: 'ProjectOrderField',
  description: 'What to sort projects by.',
  valuesConfig: {
    NAME: { description: 'The name, ignoring case.' },
    CREATED_AT: { description: 'When the project was created.' },
    MODIFIED_AT: { description: 'When the project was last changed.' },
  },
});

@InputType('ProjectOrder', { description: 'Sort order of the project list; ties break by id.' })
export class ProjectOrder {
  @Field(() => ProjectOrderField, { description: 'The sort key.' })
  field: ProjectOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'The direction.' })
  direction: SortDirection;
}

@InputType('CreateProjectInput', { description: 'A new project; the caller becomes its owner.' })
export class CreateProjectInput {
  @Field(() => ID, { description: 'The workspace the project belongs to.' })
  workspaceId: string;

  @Field({ description: 'Name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;

  @Field(() => String, { nullable: true, defaultValue: '', description: 'Markdown, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(PROJECT_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;

  @Field(() => Visibility, { nullable: true, defaultValue: Visibility.PRIVATE, description: 'PRIVATE by default.' })
  visibility?: Visibility | null;
}

@InputType('UpdateProjectInput', { description: 'Changes to a project; omitted fields stay as they are.' })
export class UpdateProjectInput {
  @Field(() => ID, { description: 'The project.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Markdown, up to 10,000 characters.' })
  @IsOptional()
  @MaxLength(PROJECT_DESCRIPTION_MAX, { message: 'description must be at most 10000 characters long.' })
  description?: string | null;

  @Field(() => Visibility, { nullable: true, description: 'PRIVATE or PUBLIC.' })
  visibility?: Visibility | null;
}
