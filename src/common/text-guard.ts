import { BREAK, GraphQLError, Kind, visit, type ASTNode, type DocumentNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { LIMITS } from '../hardening/limits';

/**
 * Whether PostgreSQL can store a string as given: no NUL character (text cannot hold one) and no
 * lone UTF-16 surrogate (the driver would silently store U+FFFD, and jsonb refuses the escape).
 */
export const isStorableText = (value: string) => !value.includes('\u0000') && value.isWellFormed();

/** A list or object of the variables still to search, with the way to it (for naming a bad string). */
interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
  text: boolean;
}

type VariablesProblem = { kind: 'depth' } | { kind: 'text'; path: (string | number)[] } | null;

/**
 * The first problem in a variables value: nesting deeper than `maxDepth`, or unstorable text in a
 * variable the operation declares (with its path, variable name first; graphql-js ignores the others).
 * Iterative, because the value is the client's JSON: a recursive walk over 4,000 nested lists
 * overflowed the stack.
 */
function variablesProblem(variables: Record<string, unknown>, operation: OperationDefinitionNode, maxDepth: number): VariablesProblem {
  const declared = (name: string) => operation.variableDefinitions?.some((d) => d.variable.name.value === name) ?? false;
  const stack: Frame[] = [];
  const pathTo = (parent: Frame | undefined, key: string | number) => {
    const path = [key];
    for (let frame = parent; frame; frame = frame.parent) path.unshift(frame.key);
    return path;
  };
  // Checks a string now, queues a list or object; the caller stops at the first problem.
  const look = (value: unknown, parent: Frame | undefined, key: string | number, depth: number, text: boolean): VariablesProblem => {
    if (typeof value === 'string') return !text || isStorableText(value) ? null : { kind: 'text', path: pathTo(parent, key) };
    if (value !== null && typeof value === 'object') {
      if (depth > maxDepth) return { kind: 'depth' };
      stack.push({ value, depth, parent, key, text });
    }
    return null;
  };
  for (const name of Object.keys(variables)) {
    const problem = look(variables[name], undefined, name, 1, declared(name));
    if (problem) return problem;
  }
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { value, depth, text } = frame;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = look(value[i], frame, i, depth + 1, text);
        if (problem) return problem;
      }
    } else {
      for (const key of Object.keys(value)) {
        const problem = look((value as Record<string, unknown>)[key], frame, key, depth + 1, text);
        if (problem) return problem;
      }
    }
  }
  return null;
}

/**
 * The path, from the argument's name, of the first value in the field and directive arguments of
 * `nodes` for which `match` holds: `input.name` for `createProject(input: { name: $t })`.
 */
function argumentPath(nodes: readonly ASTNode[], match: (value: ValueNode) => boolean): (string | number)[] | null {
  let found: (string | number)[] | null = null;
  // Literals nest at most as deep as the token limit lets them, so recursion is safe here.
  const search = (value: ValueNode, path: (string | number)[]): boolean => {
    if (match(value)) {
      found = path;
      return true;
    }
    if (value.kind === Kind.LIST) return value.values.some((item, i) => search(item, [...path, i]));
    if (value.kind === Kind.OBJECT) return value.fields.some((field) => search(field.value, [...path, field.name.value]));
    return false;
  };
  for (const node of nodes) {
    visit(node, {
      Argument: (argument) => (search(argument.value, [argument.name.value]) ? BREAK : false),
      // Defaults are not arguments; the variable's use names them.
      VariableDefinition: () => false,
    });
    if (found) break;
  }
  return found;
}

/** Documents already searched for unstorable literals: Apollo hands the same parsed document to every request with the same text. */
const literalsChecked = new WeakSet<DocumentNode>();

/**
 * A string PostgreSQL cannot store would fail deep in a service as a database error (or be
 * silently altered). This refuses it up front, for every argument of every operation, as
 * BAD_USER_INPUT naming the argument's path in the message (`input.name`, however the client named
 * its variable) and, in `fields`, the input's own property (`name`) as class-validator names it,
 * or the argument for a scalar: one rule instead of a check in every input class. It also
 * refuses variables nested deeper than LIMITS.maxVariableDepth, before graphql-js (whose
 * coercion recurses) sees them. Runs in the request gate (server.ts), after validation.
 */
export function checkVariables(variables: Record<string, unknown> | undefined, document: DocumentNode, operation: OperationDefinitionNode): void {
  const problem = variablesProblem(variables ?? {}, operation, LIMITS.maxVariableDepth);
  if (problem?.kind === 'depth') {
    const limit = LIMITS.maxVariableDepth;
    throw new GraphQLError(`The variables nest lists or objects more than ${limit} levels deep.`, {
      extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_DEPTH', limit, http: { status: 400 } },
    });
  }
  let path: (string | number)[] | null = null;
  if (problem) {
    const [name, ...inside] = problem.path;
    // Where the operation uses it: in its own selections or in a fragment (another operation of the document may have a variable of the same name).
    const scope = [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)];
    const use = argumentPath(scope, (value) => value.kind === Kind.VARIABLE && value.name.value === name);
    // A declared variable is used (validation saw to it), so `use` is found; the name is a fallback.
    path = use ? [...use, ...inside] : problem.path;
  } else if (!literalsChecked.has(document)) {
    path = argumentPath([document], (value) => value.kind === Kind.STRING && !isStorableText(value.value));
    if (!path) {
      // A variable's default value: not an argument, so named after the document.
      visit(document, {
        StringValue(node) {
          if (!isStorableText(node.value)) path ??= ['query'];
        },
      });
    }
    if (!path) literalsChecked.add(document);
  }
  if (path) {
    const where = path.join('.');
    const field = (path.length > 1 ? path.slice(1) : path).join('.');
    throw new GraphQLError(`${where} must not contain NUL characters or unpaired surrogates.`, {
      extensions: {
        code: 'BAD_USER_INPUT',
        fields: [{ field, message: `${field} must not contain NUL characters or unpaired surrogates.` }],
        http: { status: 400 },
      },
    });
  }
}
