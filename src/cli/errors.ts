/**
 * Exit codes of the `atrium` command, one per kind of failure, so scripts can branch on them.
 * The server's refusals map from their `extensions.code` (RULES.md §3).
 */
export const EXIT = {
  OK: 0,
  GENERIC: 1,
  USAGE: 2,
  UNAUTHENTICATED: 3,
  FORBIDDEN: 4,
  NOT_FOUND: 5,
  BAD_USER_INPUT: 6,
  CONFLICT: 7,
  RATE_LIMITED: 8,
  NETWORK: 9,
  CANCELLED: 130,
} as const;

/** The help text's table of exit codes; kept beside EXIT so the two cannot drift. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  any other error (including a server-side internal error)
  2  usage: an unknown command or option, a bad or missing value (also when piped input
     ends before a question is answered, or a question is needed under --no-input)
  3  UNAUTHENTICATED: not signed in, or the token is invalid, expired or revoked
  4  FORBIDDEN: you can see it but may not do this (the reason is printed)
  5  NOT_FOUND: it does not exist, or you may not see it
  6  BAD_USER_INPUT: the server rejected a value (each field is printed)
  7  CONFLICT: the current state forbids it (e.g. already a member)
  8  RATE_LIMITED: too many attempts; the wait is printed
  9  network: the server could not be reached, did not answer GraphQL, or is unavailable
  130 cancelled at a prompt (Ctrl-C)`;

const BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: EXIT.UNAUTHENTICATED,
  FORBIDDEN: EXIT.FORBIDDEN,
  NOT_FOUND: EXIT.NOT_FOUND,
  BAD_USER_INPUT: EXIT.BAD_USER_INPUT,
  CONFLICT: EXIT.CONFLICT,
  RATE_LIMITED: EXIT.RATE_LIMITED,
  SERVICE_UNAVAILABLE: EXIT.NETWORK,
};

/** An error the CLI prints as one readable message (no stack trace) before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.GENERIC,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad or missing flag value: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

export interface ServerError {
  message: string;
  extensions?: { code?: string; reason?: string; fields?: { field: string; message: string }[]; retryAfterSeconds?: number; [k: string]: unknown };
}

/** A refusal from the server, printed with its message, reason and fields as the server wrote them. */
export class ApiError extends CliError {
  readonly code: string | undefined;
  readonly reason: string | undefined;

  constructor(readonly error: ServerError) {
    const ext = error.extensions ?? {};
    const details: string[] = [];
    if (ext.code) details.push(`code: ${ext.code}${ext.reason ? `, reason: ${ext.reason}` : ''}`);
    for (const f of ext.fields ?? []) details.push(`${f.field}: ${f.message}`);
    if (typeof ext.retryAfterSeconds === 'number') details.push(`retry after ${ext.retryAfterSeconds} seconds`);
    if (ext.code === 'GRAPHQL_VALIDATION_FAILED') details.push('This server does not offer what this command asks for (is it an older version?).');
    super(error.message, (ext.code ? BY_CODE[ext.code] : undefined) ?? EXIT.GENERIC, details);
    this.name = 'ApiError';
    this.code = ext.code;
    this.reason = ext.reason;
  }
}
