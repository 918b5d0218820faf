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

/**
 * The schema's and the root types' own descriptions: the playground's docs pane opens on them.
 * type-graphql has no option for either, so they are set on the schema it built.
 */
const SCHEMA_DESCRIPTION =
  'Atrium: workspaces, the people in them (members and invitations), and their data-science projects, code versions and runs. ' +
  'Sign up or sign in to get a session token and send it as `Authorization: Bearer <token>`; without one you are a guest, who sees public workspaces only. ' +
  'Errors carry a code in `extensions.code` (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT, CONFLICT, RATE_LIMITED) and, for business rules, a reason in `extensions.reason`.';
const ROOT_DESCRIPTIONS = {
  query: 'Reads. Start with `me` (who the token signs in as) and `workspaces`.',
  mutation: 'Changes. `signUp` and `signIn` answer a session token for the Authorization header; most others need one.',
};

/** The schema as type-graphql builds it from the code, before permissions are applied. */
export async function buildBareSchema(): Promise<GraphQLSchema> {
  const built = await buildSchema({
    resolvers: RESOLVERS as unknown as [Function, ...Function[]],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: { forbidUnknownValues: false, stopAtFirstError: true },
    emitSchemaFile: false,
  });
  const query = built.getQueryType();
  const mutation = built.getMutationType();
  if (query) query.description ??= ROOT_DESCRIPTIONS.query;
  if (mutation) mutation.description ??= ROOT_DESCRIPTIONS.mutation;
  return new GraphQLSchema({ ...built.toConfig(), description: SCHEMA_DESCRIPTION });
}

/** The executable schema: the code's schema with the permission matrix applied (auth/shield.ts). */
export async function buildAtriumSchema(): Promise<GraphQLSchema> {
  return applyPermissions(await buildBareSchema());
}

/** The committed `schema.graphql` text. */
export async function printAtriumSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildBareSchema())) + '\n';
}
