import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { LIMITS } from '../hardening/limits';

/**
 * Whether PostgreSQL can store a string as given: no NUL character (text cannot hold one) and no
 * lone UTF-16 surrogate (the driver would silently store U+FFFD, and jsonb refuses the escape).
 */
export const isStorableText = (value: string) => !value.includes('\u0000') && value.isWellFormed();

/** A list or object of the variables still to search, with the way to it (for naming a bad string). */
interface Frame { value: object; depth: number; parent: Frame | undefined; key: string | number }

type VariablesProblem = { kind: 'depth' } | { kind: 'text'; path: (string | number)[] } | null;

/**
 * The first problem in a variables value: nesting deeper than `maxDepth`, or unstorable text (with
 * its path, variable name first). Iterative, because the value is the client's JSON: a recursive
 * walk over 4,000 nested lists overflowed the stack.
 */
function variablesProblem(variables: Record<string, unknown>, maxDepth: number): VariablesProblem {
  const stack: Frame[] = [];
  const pathTo = (parent: Frame | undefined, key: string | number) => {
    const path = [key];
    for (let frame = parent; frame; frame = frame.parent) path.unshift(frame.key);
    return path;
  };
  // Checks a string now, queues a list or object; the caller stops at the first problem.
  const look = (value: unknown, parent: Frame | undefined, key: string | number, depth: number): VariablesProblem => {
    if (typeof value === 'string') return isStorableText(value) ? null : { kind: 'text', path: pathTo(parent, key) };
    if (value !== null && typeof value === 'object') {
      if (depth > maxDepth) return { kind: 'depth' };
      stack.push({ value, depth, parent, key });
    }
    return null;
  };
  for (const name of Object.keys(variables)) {
    const problem = look(variables[name], undefined, name, 1);
    if (problem) return problem;
  }
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, depth } = frame;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = look(value[i], frame, i, depth + 1);
        if (problem) return problem;
      }
    } else {
      for (const key of Object.keys(value)) {
        const problem = look((value as Record<string, unknown>)[key], frame, key, depth + 1);
        if (problem) return problem;
      }
    }
  }
  return null;
}

/** Documents already searched for unstorable literals: Apollo hands the same parsed document to every request with the same text. */
const literalsChecked = new WeakSet<DocumentNode>();

/**
 * A string PostgreSQL cannot store would fail deep in a service as a database error (or be
 * silently altered). This refuses it up front, for every argument of every operation, as
 * BAD_USER_INPUT naming the field: one rule instead of a check in every input class. It also
 * refuses variables nested deeper than LIMITS.maxVariableDepth, before graphql-js (whose
 * coercion recurses) sees them. Runs in the request gate (server.ts), after validation.
 */
export function checkVariables(variables: Record<string, unknown> | undefined, document: DocumentNode): void {
  const problem = variablesProblem(variables ?? {}, LIMITS.maxVariableDepth);
  if (problem?.kind === 'depth') {
    const limit = LIMITS.maxVariableDepth;
    throw new GraphQLError(`The variables nest lists or objects more than ${limit} levels deep.`, {
      extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH', limit, http: { status: 400 } },
    });
  }
  // Named like class-validator's fields: the input's own property (`name`), or the argument for a scalar.
  let field = problem ? (problem.path.length > 1 ? problem.path.slice(1) : problem.path).join('.') : null;
  if (!field && !literalsChecked.has(document)) {
    visit(document, {
      StringValue(node) {
        if (!isStorableText(node.value)) field ??= 'query';
      },
    });
    if (!field) literalsChecked.add(document);
  }
  if (field) {
    throw new GraphQLError(`${field} must not contain NUL characters or unpaired surrogates.`, {
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field, message: `${field} must not contain NUL characters or unpaired surrogates.` }], http: { status: 400 } },
    });
  }
}
