import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED', 'NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** PostgreSQL and driver faults that mean "the database is unreachable", not "the request is wrong". */
const UNAVAILABLE = /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection/i;

interface ValidationErrorLike { property: string; constraints?: Record<string, string>; children?: ValidationErrorLike[] }

function flatten(errors: ValidationErrorLike[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).slice(0, 1).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Shapes every error a client sees (SPEC.md §3): known codes pass, class-validator failures become
 * BAD_USER_INPUT with `fields`, and anything else becomes a generic INTERNAL_SERVER_ERROR with no
 * stack trace or SQL — unless `development` is on.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, development: boolean, log: (e: unknown) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error) as { message?: string; code?: string; extensions?: Record<string, unknown>; validationErrors?: ValidationErrorLike[] };
  const validation = (original?.extensions?.validationErrors ?? original?.validationErrors) as ValidationErrorLike[] | undefined;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (Array.isArray(validation)) {
    const fields = flatten(validation);
    return { ...base, message: fields.map((f) => f.message).join(' ') || 'The input is not valid.', extensions: { code: 'BAD_USER_INPUT', fields } };
  }
  const code = formatted.extensions?.code as string | undefined;
  if (code && PUBLIC_CODES.has(code)) {
    const { stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...base, extensions: development ? { ...extensions, stacktrace } : extensions };
  }
  const message = String(original?.message ?? formatted.message);
  if (UNAVAILABLE.test(message) || ['57P01', '57P03', '08006', '08001'].includes(String(original?.code))) {
    return { ...base, message: 'The database is unavailable; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  log(error);
  if (development) return formatted;
  return { ...base, message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
