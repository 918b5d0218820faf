import 'reflect-metadata';
import { GraphQLScalarType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { applyPermissions } from './auth/shield';
import { RESOLVERS } from './resolvers';

/** The contract's `DateTime`: ISO-8601 strings with offset, serialized in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeISOResolver.toConfig(),
  name: 'DateTime',
  description: 'A date and time in ISO-8601 format with offset, e.g. 2026-01-31T12:00:00.000Z.',
});

/** The schema as type-graphql builds it from the code, before permissions are applied. */
export async function buildBareSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS as unknown as [Function, ...Function[]],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: { forbidUnknownValues: false, stopAtFirstError: true },
    emitSchemaFile: false,
  });
}

/** The executable schema: the code's schema with the permission matrix applied (auth/shield.ts). */
export async function buildAtriumSchema(): Promise<GraphQLSchema> {
  return applyPermissions(await buildBareSchema());
}

/** The committed `schema.graphql` text. */
export async function printAtriumSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildBareSchema())) + '\n';
}
