import 'reflect-metadata';
import { execute, parse, type GraphQLObjectType } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { Arg, buildSchema, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { directResolvers } from './direct-resolvers';

@ObjectType()
class Thing {
  @Field()
  name: string;

  /** A promise, as a connection's lazy totalCount is. */
  @Field(() => Int)
  later: number | Promise<number>;
}

@Resolver(() => Thing)
class ThingResolver {
  @Query(() => [Thing])
  things(): Thing[] {
    const instance = Object.assign(new Thing(), { name: 'instance', later: Promise.resolve(1) });
    // A plain object: type-graphql converts it to a Thing before calling a field resolver.
    const plain = { name: 'plain', later: 2 } as Thing;
    return [instance, plain];
  }

  @FieldResolver(() => String)
  label(@Root() thing: Thing, @Ctx() ctx: { tag: string }): string {
    return `${thing.name}/${thing instanceof Thing ? 'Thing' : 'plain'}/${ctx.tag}`;
  }

  @FieldResolver(() => String)
  shout(@Root() thing: Thing, @Arg('suffix') suffix: string): string {
    return thing.name.toUpperCase() + suffix;
  }
}

const QUERY = `{ things { name later label shout(suffix: "!") } }`;
const EXPECTED = {
  things: [
    { name: 'instance', later: 1, label: 'instance/Thing/c', shout: 'INSTANCE!' },
    { name: 'plain', later: 2, label: 'plain/Thing/c', shout: 'PLAIN!' },
  ],
};

async function schemas() {
  const build = () => buildSchema({ resolvers: [ThingResolver], validate: false });
  const original = await build();
  const direct = await build();
  const changed = directResolvers(direct);
  return { original, direct, changed };
}

it('swaps property fields and root/context-only methods, and answers exactly as type-graphql does', async () => {
  const { original, direct, changed } = await schemas();
  const fields = (direct.getType('Thing') as GraphQLObjectType).getFields();
  const originalFields = (original.getType('Thing') as GraphQLObjectType).getFields();
  // name, later and label are swapped; shout has an @Arg and keeps type-graphql's resolver.
  expect(changed).toBe(3);
  expect(fields.name.resolve).not.toBe(originalFields.name.resolve);
  expect(fields.label.resolve!.toString()).not.toBe(originalFields.label.resolve!.toString());
  expect(fields.shout.resolve!.toString()).toBe(originalFields.shout.resolve!.toString());

  const document = parse(QUERY);
  for (const schema of [original, direct]) {
    expect(await execute({ schema, document, contextValue: { tag: 'c' } })).toEqual({ data: EXPECTED });
  }
});

it('keeps working under graphql-jit, whose default-resolved fields would not await a promise', async () => {
  const { direct } = await schemas();
  const compiled = compileQuery(direct, parse(QUERY));
  if (!isCompiledQuery(compiled)) throw new Error(JSON.stringify(compiled));
  expect(await compiled.query(undefined, { tag: 'c' }, {})).toEqual({ data: EXPECTED });
});
