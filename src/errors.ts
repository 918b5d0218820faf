import { GraphQLError } from 'graphql';

/** RULES.md §3 error codes. */
export type ErrorCode = 'UNAUTHENTICATED' | 'NOT_FOUND' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'CONFLICT' | 'RATE_LIMITED';

/** RULES.md §3 business-rule reasons, carried in `extensions.reason`. */
export type Reason =
  | 'OWNER_CANNOT_LEAVE'
  | 'CANNOT_CHANGE_OWN_ROLE'
  | 'CANNOT_CHANGE_OWNER_ROLE'
  | 'CANNOT_REMOVE_SELF'
  | 'CANNOT_REMOVE_OWNER'
  | 'USE_TRANSFER_OWNERSHIP'
  | 'ROLE_ABOVE_INVITER'
  | 'INVITATION_EMAIL_MISMATCH'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_NOT_PENDING'
  | 'ALREADY_MEMBER'
  | 'ACCOUNT_EXISTS'
  | 'OWNS_WORKSPACES'
  | 'WORKSPACE_NOT_REMOVED'
  | 'RESTORE_WINDOW_PASSED'
  | 'READ_ONLY_TOKEN'
  // Reasons beyond RULES.md's list, for limits and conflicts it leaves open.
  | 'NAME_TAKEN'
  | 'TARGET_NOT_MEMBER'
  | 'PROJECT_NOT_REMOVED'
  | 'QUERY_TOO_COMPLEX'
  | 'MAX_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_DIRECTIVES'
  | 'MAX_TOKENS'
  | 'MAX_COST';

export interface FieldProblem {
  field: string;
  message: string;
}

const error = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

export const unauthenticated = (message = 'You need to sign in to do this.') => error('UNAUTHENTICATED', message);

/** The same answer whether the object is missing or merely invisible to the caller. */
export const notFound = (what = 'The object') => error('NOT_FOUND', `${what} was not found.`);

export const forbidden = (message = 'You do not have permission to do this.', reason?: Reason) => error('FORBIDDEN', message, reason ? { reason } : {});

export const conflict = (message: string, reason?: Reason) => error('CONFLICT', message, reason ? { reason } : {});

export const badInput = (fields: FieldProblem[], message = fields.map((f) => f.message).join(' ')) =>
  error('BAD_USER_INPUT', message || 'The input is not valid.', { fields });

/** Shorthand for a single-field input problem. */
export const invalid = (field: string, message: string) => badInput([{ field, message }]);

export const rateLimited = (retryAfterSeconds: number, message = 'Too many attempts; try again later.') =>
  error('RATE_LIMITED', message, { retryAfterSeconds });
