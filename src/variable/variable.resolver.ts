import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { signedIn } from '../account/account.resolver';
import { clearLoaders, type Context } from '../context';
import { notFound } from '../errors';
import { Project } from '../project/project.entity';
import { projectById } from '../project/project.loaders';
import { Variable } from './variable.entity';
import * as variables from './variable.service';
import { CreateVariableInput, UpdateVariableInput } from './variable.types';

@Resolver(() => Variable)
export class VariableResolver {
  @Mutation(() => Variable, { description: 'Adds a variable to a project (project members and up).' })
  async createVariable(
    @Arg('input', () => CreateVariableInput, { description: 'The new variable.' }) input: CreateVariableInput,
    @Ctx() ctx: Context,
  ): Promise<Variable> {
    const variable = await variables.withUniqueName(() => ctx.db.transaction((tx) => variables.createVariable(tx, signedIn(ctx), input)));
    clearLoaders(ctx);
    return variable;
  }

  @Mutation(() => Variable, { description: 'Changes a variable (project members and up).' })
  async updateVariable(
    @Arg('input', () => UpdateVariableInput, { description: 'The changes.' }) input: UpdateVariableInput,
    @Ctx() ctx: Context,
  ): Promise<Variable> {
    const variable = await variables.withUniqueName(() => ctx.db.transaction((tx) => variables.updateVariable(tx, signedIn(ctx), input)));
    clearLoaders(ctx);
    return variable;
  }

  @Mutation(() => Boolean, { description: 'Deletes a variable for good (project members and up).' })
  async removeVariable(@Arg('id', () => ID, { description: 'The variable.' }) id: string, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.db.transaction((tx) => variables.removeVariable(tx, signedIn(ctx), id));
    clearLoaders(ctx);
    return true;
  }

  @FieldResolver(() => String, { description: 'The value; for a masked variable always the mask "****".' })
  value(@Root() variable: Variable): string {
    return variable.isMasked ? variables.MASK : variable.value;
  }

  @FieldResolver(() => Project, { description: 'The project the variable belongs to.' })
  async project(@Root() variable: Variable, @Ctx() ctx: Context): Promise<Project> {
    const project = await projectById(ctx).load(variable.projectId);
    if (!project) throw notFound('The project');
    return project;
  }
}
