import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit } from 'graphql';

/** Where a NUL character hides in a variables value: the dotted path, or null when there is none. */
function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}.${i}`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nulPath(inner, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL text cannot hold a NUL character, so a string with one would fail deep in a service
 * as a database error. This refuses it up front, for every argument of every operation, as
 * BAD_USER_INPUT naming the field: one rule instead of a check in every input class.
 */
export const rejectNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        let field = nulPath(request.variables ?? {}, '');
        if (!field) {
          visit(document, {
            StringValue(node) {
              if (node.value.includes('\u0000')) field ??= 'query';
            },
          });
        }
        if (field) {
          throw new GraphQLError(`${field} must not contain NUL characters.`, {
            extensions: { code: 'BAD_USER_INPUT', fields: [{ field, message: `${field} must not contain NUL characters.` }], http: { status: 400 } },
          });
        }
      },
    };
  },
};
