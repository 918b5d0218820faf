import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { MaxLength } from 'class-validator';
import { SortDirection, Visibility } from '../common/enums';
import { connectionTypes } from '../common/page';
import { SingleLine, TrimmedLength } from '../common/validators';
import { Workspace } from './workspace.entity';

export const { EdgeType: WorkspaceEdge, ConnectionType: WorkspaceConnection } = connectionTypes('Workspace', () => Workspace);

export const DESCRIPTION_MAX = 10_000;

@InputType('WorkspaceFilter', { description: 'Narrows the workspace list.' })
export class WorkspaceFilter {
  @Field(() => Boolean, {
    nullable: true,
    description: 'true: only workspaces the caller is a member of; false: only public ones the caller is not a member of.',
  })
  isMember?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive match on the name.' })
  @MaxLength(255)
  search?: string | null;
}

export enum WorkspaceOrderField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  MODIFIED_AT = 'MODIFIED_AT',
}
registerEnumType(WorkspaceOrderField, { name: 'WorkspaceOrderField', description: 'What to sort workspaces by.' });

@InputType('WorkspaceOrder', { description: 'Sort order of the workspace list; ties break by id.' })
export class WorkspaceOrder {
  @Field(() => WorkspaceOrderField, { description: 'The sort key.' })
  field: WorkspaceOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'The direction.' })
  direction: SortDirection;
}

@InputType('CreateWorkspaceInput', { description: 'A new workspace; the caller becomes its owner.' })
export class CreateWorkspaceInput {
  @Field({ description: 'Name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name: string;

  @Field(() => String, { nullable: true, defaultValue: '', description: 'Markdown, up to 10,000 characters.' })
  @MaxLength(DESCRIPTION_MAX)
  description?: string | null;

  @Field(() => Visibility, { nullable: true, defaultValue: Visibility.PRIVATE, description: 'PRIVATE by default.' })
  visibility?: Visibility | null;
}

@InputType('UpdateWorkspaceInput', { description: 'Changes to a workspace; omitted fields stay as they are.' })
export class UpdateWorkspaceInput {
  @Field(() => ID, { description: 'The workspace.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Name, 1–255 characters.' })
  @TrimmedLength(1, 255)
  @SingleLine()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Markdown, up to 10,000 characters.' })
  @MaxLength(DESCRIPTION_MAX)
  description?: string | null;

  @Field(() => Visibility, { nullable: true, description: 'PRIVATE or PUBLIC.' })
  visibility?: Visibility | null;
}
