import { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { compilingGateway, type CompilingOptions } from './execution';

/** A small schema with the shapes that matter: lists, nested objects, arguments, errors, null bubbling. */
function testSchema() {
  const Item: GraphQLObjectType = new GraphQLObjectType({
    name: 'Item',
    fields: () => ({
      id: { type: new GraphQLNonNull(GraphQLID) },
      name: { type: GraphQLString, resolve: (item: { n: number }) => `item ${item.n}` },
      coded: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError('Not for you.', { extensions: { code: 'FORBIDDEN' } });
        },
      },
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw new Error('kaboom');
        },
      },
      required: { type: new GraphQLNonNull(GraphQLString), resolve: (item: { n: number }) => (item.n === 2 ? null : 'here') },
      later: { type: GraphQLInt, resolve: async (item: { n: number }) => item.n * 10 },
      children: { type: new GraphQLList(Item), resolve: (item: { n: number }) => (item.n < 2 ? [{ id: `${item.n}-c`, n: item.n + 10 }] : []) },
    }),
  });
  const Filter = new GraphQLInputObjectType({ name: 'Filter', fields: { prefix: { type: GraphQLString, defaultValue: 'item' } } });
  // What the magic-marker payload would run; the test checks it never does.
  const named = {
    type: GraphQLString,
    args: { id: { type: new GraphQLNonNull(GraphQLID) } },
    resolve: (_r: unknown, args: { id: string }) => `named ${args.id.length}`,
  };
  const items = (first: number) => Array.from({ length: first }, (_, n) => ({ id: String(n), n }));
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        items: { type: new GraphQLList(Item), args: { first: { type: new GraphQLNonNull(GraphQLInt) } }, resolve: (_r, args) => items(args.first) },
        filtered: { type: GraphQLString, args: { filter: { type: Filter } }, resolve: (_r, args) => args.filter?.prefix ?? null },
        named,
      },
    }),
    mutation: new GraphQLObjectType({ name: 'Mutation', fields: { touch: { type: GraphQLInt, resolve: () => 1 } } }),
  });
}

async function start(options: CompilingOptions = {}) {
  const gateway = compilingGateway(testSchema(), options);
  const apollo = new ApolloServer({ gateway });
  await apollo.start();
  const run = async (query: string, variables?: Record<string, unknown>) => {
    const response = await apollo.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return JSON.parse(JSON.stringify(response.body.singleResult));
  };
  return { gateway, apollo, run };
}

const LIST = `query L($first: Int!) { items(first: $first) { id name later children { id name later } } }`;

it('runs a query on graphql-js until its second use, compiled after, with the same answer', async () => {
  const { gateway, apollo, run } = await start();
  const first = await run(LIST, { first: 3 });
  expect(gateway.stats).toMatchObject({ interpreted: 1, compiled: 0 });
  const second = await run(LIST, { first: 3 });
  const third = await run(LIST, { first: 4 });
  expect(gateway.stats).toMatchObject({ interpreted: 1, compiled: 2, held: 1 });
  expect(second).toEqual(first);
  expect(first.data.items[0]).toEqual({ id: '0', name: 'item 0', later: 0, children: [{ id: '0-c', name: 'item 10', later: 100 }] });
  expect(third.data.items).toHaveLength(4);
  await apollo.stop();
});

it('answers errors, partial data and null bubbling exactly as graphql-js does', async () => {
  const { gateway, apollo, run } = await start();
  const query = `{ items(first: 3) { id coded broken required } }`;
  const interpreted = await run(query);
  const compiled = await run(query);
  expect(gateway.stats).toMatchObject({ interpreted: 1, compiled: 1 });
  expect(compiled).toEqual(interpreted);
  // Item 2's non-null `required` is null: that item becomes null, the others keep their data.
  expect(interpreted.data.items[2]).toBeNull();
  expect(interpreted.data.items[0]).toEqual({ id: '0', coded: null, broken: null, required: 'here' });
  const codes = interpreted.errors.map((e: { path: unknown[]; extensions: { code: string } }) => `${e.path.join('.')} ${e.extensions.code}`);
  expect(codes).toEqual(expect.arrayContaining(['items.0.coded FORBIDDEN', 'items.0.broken INTERNAL_SERVER_ERROR', 'items.2.required INTERNAL_SERVER_ERROR']));
  expect(interpreted.errors[0].locations).toEqual([{ line: 1, column: 24 }]);
  await apollo.stop();
});

it('keeps graphql-js messages and BAD_USER_INPUT for bad variables of a compiled query', async () => {
  const { gateway, apollo, run } = await start({ compileAt: 1 });
  await run(LIST, { first: 1 });
  const bad = await run(LIST, { first: 'many' });
  expect(bad.errors).toEqual([
    expect.objectContaining({
      message: expect.stringMatching(/^Variable "\$first" got invalid value "many"; Int cannot represent non-integer value/),
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    }),
  ]);
  expect(gateway.stats).toMatchObject({ compiled: 1, interpreted: 1 });
  await apollo.stop();
});

it('never compiles mutations, nor queries with input object variables (whose field defaults graphql-jit would drop)', async () => {
  const { gateway, apollo, run } = await start({ compileAt: 1 });
  for (let i = 0; i < 3; i++) {
    expect(await run(`mutation { touch }`)).toEqual({ data: { touch: 1 } });
    expect(await run(`query F($f: Filter) { filtered(filter: $f) }`, { f: {} })).toEqual({ data: { filtered: 'item' } });
  }
  expect(gateway.stats).toMatchObject({ compiled: 0, interpreted: 6 });
  await apollo.stop();
});

it('holds at most maxCompiled documents, dropping the least recently used', async () => {
  const { gateway, apollo, run } = await start({ compileAt: 1, maxCompiled: 2 });
  const q = (n: number) => `{ items(first: ${n}) { id } }`;
  await run(q(1));
  await run(q(2));
  await run(q(1)); // q(1) is now the most recently used
  await run(q(3)); // evicts q(2)
  expect(gateway.stats).toMatchObject({ held: 2, compiled: 4, compilations: 3 });
  await run(q(1));
  expect(gateway.stats).toMatchObject({ held: 2, compilations: 3 });
  await run(q(2));
  expect(gateway.stats).toMatchObject({ held: 2, compilations: 4 });
  await apollo.stop();
});

it('never compiles a document with a string literal: graphql-jit writes literals into code, and its date marker made one run', async () => {
  const { gateway, apollo, run } = await start({ compileAt: 1 });
  const marker = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d';
  const g = globalThis as { atriumInjected?: number };
  delete g.atriumInjected;
  const payload = `${marker}(globalThis.atriumInjected=1)`;
  for (let i = 0; i < 3; i++) {
    expect(await run(`{ named(id: "${payload}") }`)).toEqual({ data: { named: `named ${payload.length}` } });
    expect(await run(`{ named(id: """${payload}""") }`)).toEqual({ data: { named: `named ${payload.length}` } });
  }
  expect(g.atriumInjected).toBeUndefined();
  // The same value as a variable never enters the generated code, so that document compiles.
  expect(await run(`query N($id: ID!) { named(id: $id) }`, { id: payload })).toEqual({ data: { named: `named ${payload.length}` } });
  expect(g.atriumInjected).toBeUndefined();
  expect(gateway.stats).toMatchObject({ interpreted: 6, compiled: 1 });
  await apollo.stop();
});

it("runs variables inside object literals on graphql-js, which applies the input fields' defaults", async () => {
  const { gateway, apollo, run } = await start({ compileAt: 1 });
  for (let i = 0; i < 2; i++) {
    expect(await run(`query F($p: String) { filtered(filter: { prefix: $p }) }`)).toEqual({ data: { filtered: 'item' } });
    expect(await run(`query F($p: String) { filtered(filter: { prefix: $p }) }`, { p: 'x' })).toEqual({ data: { filtered: 'x' } });
  }
  expect(gateway.stats).toMatchObject({ compiled: 0, interpreted: 4 });
  await apollo.stop();
});

it('answers a document whose operation Apollo cannot pick as Apollo does, not with an internal error', async () => {
  const { apollo } = await start({ compileAt: 1 });
  for (const operationName of [undefined, 'C']) {
    const response = await apollo.executeOperation({ query: `query A { items(first: 1) { id } } query B { items(first: 2) { id } }`, operationName });
    expect(response.http.status).toBe(400);
    expect(response.body.kind === 'single' && response.body.singleResult.errors?.[0].extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
  }
  await apollo.stop();
});
