import { Kind, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { LIMIT_REASONS } from './hardening/limits';

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  // Automatic persisted queries are off (server.ts), so PERSISTED_QUERY_NOT_FOUND is never sent.
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The nodes graphql-js's ValuesOfCorrectTypeRule reports on: an argument value (or a field of an
 * input literal) the schema refuses. No other validation rule reports on a value, so a validation
 * error on one of these is bad input, not a document asking for what the schema lacks.
 */
const VALUE_KINDS: ReadonlySet<string> = new Set([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  Kind.OBJECT_FIELD,
]);

/** PostgreSQL and driver faults that mean "the database is unreachable", not "the request is wrong". */
const UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down|in recovery mode)|terminating connection|canceling statement due to (statement|lock) timeout|sorry, too many clients|is not queryable/i;
/** SQLSTATEs with the same meaning: admin shutdown, crash shutdown, cannot connect now, connection failures, statement or lock timeout, too many connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '57014', '55P03', '53300']);

/** Graphql-js's own limits, reported like the others (hardening/limits.ts): tokens, introspection depth, validation budget. */
const TOO_MANY_TOKENS = /Document contains more th(?:an|at) (\d+) tokens/;
const INTROSPECTION_TOO_DEEP = 'Maximum introspection depth exceeded';
const VALIDATION_ABORTED = 'Validation aborted.';
/** "Did you mean …?" suggestions reveal field and type names; production hides them. */
const SUGGESTION = /\s*Did you mean .*\?\s*$/s;

/**
 * Text PostgreSQL cannot store (a NUL character, an invalid byte sequence): the input's fault, so
 * BAD_USER_INPUT rather than an internal error. A safety net — validators should refuse it first,
 * naming the field.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * TypeORM's word for a connection that died in the middle of a transaction (the database restarted):
 * nothing was committed, so the client may retry.
 */
const RELEASED_RUNNER = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

/**
 * The database refusing a change the services' locks and checks did not foresee — a constraint
 * (unique, one owner, foreign key) or a concurrency loser it aborted (serialization failure,
 * deadlock). The transaction rolled back, nothing was written: the state forbids it; try again.
 */
const CONFLICT_SQLSTATES = new Set(['23505', '23503', '40001', '40P01']);
/** Check violations that are product invariants (the deferred one-owner trigger); any other CHECK failing is a bug. */
const INVARIANT_CHECKS = new Set(['workspace_has_one_owner']);

function isConflict(error: { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } } | undefined): boolean {
  const code = String(error?.code ?? error?.driverError?.code);
  const constraint = String(error?.constraint ?? error?.driverError?.constraint);
  return CONFLICT_SQLSTATES.has(code) || (code === '23514' && INVARIANT_CHECKS.has(constraint));
}

export interface FormatErrorOptions {
  /** Stack traces and raw internal messages in responses (NODE_ENV=development only). */
  development: boolean;
  /** Strips "Did you mean" suggestions (NODE_ENV=production). */
  production?: boolean;
  /** Called with every unexpected error (logged by the server with its request id). */
  log?: (e: unknown) => void;
}

/** How the server treats an error: passed through, database unavailable, or an internal fault. */
export function classifyError(error: unknown): 'public' | 'unavailable' | 'internal' {
  const original = unwrapResolverError(error) as { message?: string; code?: string; extensions?: Record<string, unknown>; validationErrors?: unknown };
  const code = (error as { extensions?: Record<string, unknown> })?.extensions?.code as string | undefined;
  if (original?.extensions?.validationErrors ?? original?.validationErrors) return 'public';
  if (code === 'SERVICE_UNAVAILABLE') return 'unavailable';
  if (UNSTORABLE_TEXT.has(String(original?.code))) return 'public';
  if (code && PUBLIC_CODES.has(code)) return 'public';
  const message = String(original?.message ?? (error as Error)?.message ?? '');
  if (UNAVAILABLE.test(message) || UNAVAILABLE_SQLSTATES.has(String(original?.code))) return 'unavailable';
  if (RELEASED_RUNNER.has(String((original as { name?: string })?.name))) return 'unavailable';
  return 'internal';
}

interface ValidationErrorLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

function flatten(errors: ValidationErrorLike[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {})
      .slice(0, 1)
      .map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Shapes every error a client sees (RULES.md §3): known codes pass, class-validator failures become
 * BAD_USER_INPUT with `fields`, and anything else becomes a generic INTERNAL_SERVER_ERROR with no
 * stack trace or SQL — unless `development` is on.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: FormatErrorOptions): GraphQLFormattedError {
  const { development, production = false, log = () => undefined } = options;
  const original = unwrapResolverError(error) as {
    message?: string;
    code?: string;
    extensions?: Record<string, unknown>;
    validationErrors?: ValidationErrorLike[];
  };
  const validation = (original?.extensions?.validationErrors ?? original?.validationErrors) as ValidationErrorLike[] | undefined;
  const base = { message: production ? formatted.message.replace(SUGGESTION, '') : formatted.message, locations: formatted.locations, path: formatted.path };
  if (Array.isArray(validation)) {
    const fields = flatten(validation);
    return { ...base, message: fields.map((f) => f.message).join(' ') || 'The input is not valid.', extensions: { code: 'BAD_USER_INPUT', fields } };
  }
  const code = formatted.extensions?.code as string | undefined;
  const reason = formatted.extensions?.reason as string | undefined;
  if (reason && LIMIT_REASONS.has(reason)) {
    // A query limit (hardening/limits.ts): Apollo reports it as a validation failure; clients see BAD_USER_INPUT.
    const { stacktrace, code: _code, ...extensions } = formatted.extensions ?? {};
    return { ...base, extensions: { code: 'BAD_USER_INPUT', ...extensions, ...(development ? { stacktrace } : {}) } };
  }
  const tokens = code === 'GRAPHQL_PARSE_FAILED' ? TOO_MANY_TOKENS.exec(formatted.message) : null;
  if (tokens) {
    return {
      ...base,
      message: `The document has more than ${tokens[1]} tokens.`,
      extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_TOKENS', limit: Number(tokens[1]) },
    };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message === INTROSPECTION_TOO_DEEP) {
    return { ...base, message: 'The introspection query nests lists too deeply.', extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH' } };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message === VALIDATION_ABORTED) {
    return {
      ...base,
      message: 'The query is too complex to validate: it repeats the same fields too often.',
      extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_COST' },
    };
  }
  if (code === 'GRAPHQL_VALIDATION_FAILED' && VALUE_KINDS.has(String((error as { nodes?: { kind?: string }[] })?.nodes?.[0]?.kind))) {
    // The same value sent as a variable fails coercion, which Apollo reports as BAD_USER_INPUT:
    // `first: 99999999999` and `first: $n` with 99999999999 get the same code (and status, 400).
    const { stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...base, extensions: { ...extensions, code: 'BAD_USER_INPUT', ...(development ? { stacktrace } : {}) } };
  }
  if (code && PUBLIC_CODES.has(code)) {
    const { stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...base, extensions: development ? { ...extensions, stacktrace } : extensions };
  }
  if (UNSTORABLE_TEXT.has(String(original?.code))) {
    return { ...base, message: 'Text must not contain NUL characters or invalid Unicode.', extensions: { code: 'BAD_USER_INPUT', fields: [] } };
  }
  if (isConflict(original as Parameters<typeof isConflict>[0])) {
    return { ...base, message: 'Someone changed this at the same time; nothing was saved. Try again.', extensions: { code: 'CONFLICT' } };
  }
  if (classifyError(error) === 'unavailable') {
    return { ...base, message: 'The database is unavailable; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  log(error);
  if (development) return formatted;
  return { ...base, message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
