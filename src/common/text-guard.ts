import { GraphQLError, visit, type DocumentNode } from 'graphql';

/**
 * Whether PostgreSQL can store a string as given: no NUL character (text cannot hold one) and no
 * lone UTF-16 surrogate (the driver would silently store U+FFFD, and jsonb refuses the escape).
 */
export const isStorableText = (value: string) => !value.includes('\u0000') && value.isWellFormed();

/** Where unstorable text hides in a variables value: the dotted path, or null when there is none. */
function unstorablePath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorablePath(value[i], `${path}.${i}`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = unstorablePath(inner, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/** Documents already searched for unstorable literals: Apollo hands the same parsed document to every request with the same text. */
const literalsChecked = new WeakSet<DocumentNode>();

/**
 * A string PostgreSQL cannot store would fail deep in a service as a database error (or be
 * silently altered). This refuses it up front, for every argument of every operation, as
 * BAD_USER_INPUT naming the field: one rule instead of a check in every input class. Runs in
 * the request gate (server.ts), after validation.
 */
export function checkStorableText(variables: Record<string, unknown> | undefined, document: DocumentNode): void {
  // Named like class-validator's fields: the input's own property (`name`), or the argument for a scalar.
  let field = unstorablePath(variables ?? {}, '')?.replace(/^[^.]+\.(?=.)/, '') ?? null;
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
