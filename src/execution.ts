import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  BREAK,
  execute,
  getNamedType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  printSchema,
  typeFromAST,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LruMap } from './common/bounded';

type Gateway = ApolloServerOptionsWithGateway<never>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

export interface CompilingGateway extends Gateway {
  /** Operations executed by each path so far, documents compiled so far, and compiled documents held. */
  stats: { interpreted: number; compiled: number; compilations: number; held: number };
}

export interface CompilingOptions {
  /** Uses of a document (text and operation) before it is compiled; 1 compiles on first use. */
  compileAt?: number;
  /** Compiled documents kept; the least recently used one goes first. */
  maxCompiled?: number;
  /**
   * Runs around each compiled execution (a tracing span, observability/spans.ts): graphql-jit
   * does not call graphql-js's execute, which is what instrumentation sees.
   */
  aroundCompiled?: (operation: OperationDefinitionNode, run: () => Promise<ExecutionResult> | ExecutionResult) => Promise<ExecutionResult>;
}

/** Documents seen fewer than `compileAt` times, counted until the map is full, then forgotten. */
const MAX_COUNTED = 10_000;

/**
 * Executes operations for Apollo: a document runs on graphql-js until its `compileAt`-th use,
 * and from then on as a function compiled for it by graphql-jit (Mercurius does the same), which
 * skips graphql-js's per-field generic work — argument coercion for fields without arguments,
 * type dispatch, path bookkeeping: W1 measured 15–20 % less CPU in-process, with identical
 * answers (for the documents `compilable` lets through; see there what it keeps out and why).
 * Apollo still parses, validates and runs every plugin; only the execution step is swapped,
 * through Apollo's gateway hook, the one place Apollo Server 4+ lets an executor in.
 *
 * Compiling costs about as much as executing a large operation a few times (1–2 ms for W1),
 * so a one-off document never pays it, and the number of compiled functions is bounded.
 * A document graphql-jit cannot compile keeps running on graphql-js.
 */
export function compilingGateway(schema: GraphQLSchema, options: CompilingOptions = {}): CompilingGateway {
  const compileAt = options.compileAt ?? 2;
  const maxCompiled = options.maxCompiled ?? 500;
  const counts = new Map<string, number>();
  /** Key → compiled query, or null when graphql-jit refused the document. */
  const compiled = new LruMap<string, CompiledQuery | null>(maxCompiled);
  const stats = {
    interpreted: 0,
    compiled: 0,
    compilations: 0,
    get held() {
      return compiled.size;
    },
  };

  const compiledFor = (
    key: string,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    operationName: string | undefined,
  ): CompiledQuery | null | undefined => {
    if (operation.operation !== 'query') return undefined;
    const known = compiled.get(key);
    if (known !== undefined) return known;
    const uses = (counts.get(key) ?? 0) + 1;
    if (uses < compileAt) {
      if (counts.size >= MAX_COUNTED) counts.clear();
      counts.set(key, uses);
      return undefined;
    }
    counts.delete(key);
    const entry = compilable(document, operation) ? compile(document, operationName) : null;
    compiled.set(key, entry);
    return entry;
  };

  /**
   * Which documents may be compiled (mutations never are: they are not hot, and each runs once):
   * - no string literal anywhere. graphql-jit writes literal arguments into the code it
   *   generates, and a replacement it runs over them turns a string that starts with its (public,
   *   fixed) date marker into code: `workspace(id: "__MAGIC_DATE__…(any expression)")` ran that
   *   expression on the server. Strings in variables never enter the code, and other literals
   *   (numbers, booleans, enums, null) are written as JSON. W1 passes its ids as variables.
   * - no variable inside a list or object literal, and no variable of an input object type:
   *   graphql-jit coerces variables itself and leaves out input fields' default values there.
   * - no name `__proto__` (an alias of that name loses its field in graphql-jit's answer).
   */
  const compilable = (document: DocumentNode, operation: OperationDefinitionNode): boolean => {
    const variablesOk = (operation.variableDefinitions ?? []).every((definition) => {
      const type = typeFromAST(schema, definition.type as never);
      return type !== undefined && !isInputObjectType(getNamedType(type));
    });
    if (!variablesOk) return false;
    let ok = true;
    let literalDepth = 0;
    const refuse = () => {
      ok = false;
      return BREAK;
    };
    visit(document, {
      StringValue: refuse,
      Name: (node) => (node.value === '__proto__' ? refuse() : undefined),
      Variable: () => (literalDepth > 0 ? refuse() : undefined),
      ObjectValue: { enter: () => void literalDepth++, leave: () => void literalDepth-- },
      ListValue: { enter: () => void literalDepth++, leave: () => void literalDepth-- },
    });
    return ok;
  };

  const compile = (document: DocumentNode, operationName: string | undefined): CompiledQuery | null => {
    stats.compilations++;
    const result = compileQuery(schema, document, operationName);
    return isCompiledQuery(result) ? result : null;
  };

  const executor: Executor = async (request) => {
    const { document, operationName, context } = request;
    // Undefined when Apollo could not pick the operation (several, none named): graphql-js then
    // answers with the error Apollo turns into OPERATION_RESOLUTION_FAILURE.
    const operation = request.operation as OperationDefinitionNode | undefined;
    const variables = request.request.variables;
    const query =
      operation && request.queryHash && compiledFor(`${request.queryHash}\n${operationName ?? ''}`, document, operation, operationName ?? undefined);
    // Bad variables get graphql-js's own messages (clients and Apollo's BAD_USER_INPUT rely on them).
    if (!query || !operation || (operation.variableDefinitions?.length && getVariableValues(schema, operation.variableDefinitions, variables ?? {}).errors)) {
      stats.interpreted++;
      const result = await execute({ schema, document, contextValue: context, variableValues: variables, operationName });
      return result as Awaited<ReturnType<Executor>>;
    }
    stats.compiled++;
    const run = () => query.query(undefined, context, variables ?? {});
    const result: ExecutionResult = await (options.aroundCompiled ? options.aroundCompiled(operation, run) : run());
    if (result.errors) result.errors = result.errors.map(asGraphQLJsError);
    return result as Awaited<ReturnType<Executor>>;
  };

  return {
    stats,
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: async () => ({ schema, executor }),
    stop: async () => undefined,
  };
}

/**
 * graphql-jit builds its own GraphQLError look-alikes, whose `extensions` is undefined when the
 * thrown error had none; graphql-js always sets an object there, and Apollo's error formatting
 * reads `extensions.code` unguarded. So every error gets rebuilt as graphql-js builds it: the
 * same message, path, locations and cause, and the cause's extensions.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions,
  });
  // graphql-js derives locations from AST nodes; graphql-jit computed them already.
  (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}
