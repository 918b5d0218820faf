import { Field, ID, InputType } from 'type-graphql';
import { IsOptional, Matches, MaxLength } from 'class-validator';
import { connectionTypes } from '../common/page';
import { Variable } from './variable.entity';

export const { EdgeType: VariableEdge, ConnectionType: VariableConnection } = connectionTypes('Variable', () => Variable);

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const VARIABLE_VALUE_MAX = 65_536;
const NAME_MESSAGE = 'name must start with a letter or underscore and contain only letters, digits and underscores (at most 255).';
const VALUE_MESSAGE = `value must be at most ${VARIABLE_VALUE_MAX} characters long.`;

@InputType('CreateVariableInput', { description: 'A new project variable.' })
export class CreateVariableInput {
  @Field(() => ID, { description: 'The project.' })
  projectId: string;

  @Field({ description: 'Name matching [A-Za-z_][A-Za-z0-9_]*, at most 255 characters, unique in the project.' })
  @Matches(VARIABLE_NAME, { message: NAME_MESSAGE })
  @MaxLength(255, { message: NAME_MESSAGE })
  name: string;

  @Field({ description: `The value, up to ${VARIABLE_VALUE_MAX} characters.` })
  @MaxLength(VARIABLE_VALUE_MAX, { message: VALUE_MESSAGE })
  value: string;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Masked values are never shown again: they read "****".' })
  isMasked?: boolean | null;
}

@InputType('UpdateVariableInput', { description: 'Changes to a variable; omitted fields stay as they are. Unmasking needs a new value.' })
export class UpdateVariableInput {
  @Field(() => ID, { description: 'The variable.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'New name matching [A-Za-z_][A-Za-z0-9_]*.' })
  @IsOptional()
  @Matches(VARIABLE_NAME, { message: NAME_MESSAGE })
  @MaxLength(255, { message: NAME_MESSAGE })
  name?: string | null;

  @Field(() => String, { nullable: true, description: `New value, up to ${VARIABLE_VALUE_MAX} characters.` })
  @IsOptional()
  @MaxLength(VARIABLE_VALUE_MAX, { message: VALUE_MESSAGE })
  value?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Mask or unmask; unmasking a masked variable needs a new value in the same change.' })
  isMasked?: boolean | null;
}
