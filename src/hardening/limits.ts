import { ApolloArmor } from '@escape.tech/graphql-armor';
import type express from 'express';
import {
  BREAK,
  GraphQLError,
  Kind,
  getVariableValues,
  parse,
  visit,
  type DocumentNode,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
  type ValidationRule,
} from 'graphql';
import { DEFAULT_PAGE } from '../common/pagination';
import type { RefusalMemory } from './refusals';

/**
 * Query limits. Generous for any real front end (the dashboard query costs about 1,000, is 6 deep
 * and has no aliases), small enough that a refusal costs microseconds and an accepted query cannot
 * ask for millions of rows.
 */
export const LIMITS = {
  /** Lexical tokens in the document: graphql-js stops parsing at this count, so huge documents are refused in O(limit). */
  maxTokens: 3_000,
  /**
   * Field nesting, fragments followed. Introspection is exempt here; Apollo applies graphql-js's
   * MaxIntrospectionDepthRule to it (nested `fields`/`interfaces`/… lists), reported as MAX_DEPTH too.
   */
  maxDepth: 12,
  /** Aliased fields per operation (`__typename` aliases are free). */
  maxAliases: 30,
  /** Directives per operation. */
  maxDirectives: 30,
  /** Estimated cost, see estimateCost(). */
  maxCost: 25_000,
  /**
   * One response name repeated in one selection set, fragment spreads in one selection set, and
   * fragment definitions. graphql-js compares such fields pairwise (OverlappingFieldsCanBeMerged),
   * and nested repeats multiply: 10 × 10 repeats cost it a quarter second, 500 fragments spread
   * densely more; its own budget gives up only after that. So these are refused before validation.
   */
  maxRepeatedField: 5,
  maxSpreadsPerSelection: 10,
  maxFragments: 50,
  /**
   * Lists and objects nested in one variable's value (`[[1]]` is 2). No input of the schema nests
   * more than a few; the bound keeps every walk over client JSON short (common/text-guard.ts).
   */
  maxVariableDepth: 32,
} as const;

export type LimitReason = 'MAX_TOKENS' | 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES' | 'MAX_COST';
export const LIMIT_REASONS: ReadonlySet<string> = new Set<LimitReason>(['MAX_TOKENS', 'MAX_DEPTH', 'MAX_ALIASES', 'MAX_DIRECTIVES', 'MAX_COST']);

const refusal = (reason: LimitReason, message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason, ...extra, http: { status: 400 } } });

/** Turns an armor rejection into our error: a validation error carrying `reason` (errors-format.ts makes it BAD_USER_INPUT). */
const report = (reason: LimitReason, limit: number) => (ctx: ValidationContext | null, error: GraphQLError) => {
  ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { reason, limit } }));
};

/** graphql-armor's depth, alias and directive limits as validation rules, with our reasons. */
export function armorValidationRules(): ValidationRule[] {
  const armor = new ApolloArmor({
    // Cost is ours (estimateCost): armor's ignores `first: $variable` and default page sizes.
    costLimit: { enabled: false },
    // Tokens are limited by graphql-js's own parser option (parseOptions below), which aborts the
    // parse early; armor's version throws from a plugin hook, which Apollo turns into a 500.
    maxTokens: { enabled: false },
    // Suggestions are removed in errors-format.ts (production only), where the whole sentence can go.
    blockFieldSuggestion: { enabled: false },
    maxDepth: {
      n: LIMITS.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [report('MAX_DEPTH', LIMITS.maxDepth)],
    },
    maxAliases: { n: LIMITS.maxAliases, propagateOnRejection: false, onReject: [report('MAX_ALIASES', LIMITS.maxAliases)] },
    maxDirectives: { n: LIMITS.maxDirectives, propagateOnRejection: false, onReject: [report('MAX_DIRECTIVES', LIMITS.maxDirectives)] },
  });
  return armor.protect().validationRules;
}

/**
 * Apollo's `parseOptions`: graphql-js refuses documents with more tokens before building them.
 * (Validation has a budget of its own: graphql-js aborts the overlapping-fields check of a document
 * that repeats a selection thousands of times — "Validation aborted.", reported as MAX_COST.)
 */
export const parseOptions = { maxTokens: LIMITS.maxTokens, noLocation: false };

/**
 * Estimated cost of an operation: 1 per field, and a connection's whole subtree is multiplied by
 * its page size — `first` or `last` as a literal or a variable (`variables` as coerced, defaults applied),
 * or the default page size when omitted or null. So
 * `projects(first: 50) { edges { node { id name } } }` costs 50 × 4 and two nested lists of 100
 * cost 100 × 100 × …; `nodes(ids:)` multiplies by the number of ids. Fragment costs are memoized, so a document of fragments spreading
 * fragments costs linear time to measure. Introspection fields are free (bounded by graphql-js's
 * introspection depth rule instead).
 */
export function estimateCost(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  rootType: GraphQLCompositeType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | (() => Record<string, unknown>),
): number {
  const fragmentCost = new Map<string, number>();
  // A function is called once, at the first `first: $variable` (most operations have none).
  let values = typeof variables === 'function' ? undefined : variables;
  const pageSize = (value: ValueNode | undefined): number => {
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind === Kind.VARIABLE) {
      values ??= (variables as () => Record<string, unknown>)();
      const v = values[value.name.value];
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    }
    return DEFAULT_PAGE;
  };
  const listLength = (value: ValueNode): number => {
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind === Kind.VARIABLE) {
      values ??= (variables as () => Record<string, unknown>)();
      const v = values[value.name.value];
      return Array.isArray(v) ? v.length : 1;
    }
    return 1;
  };
  const typeOf = (name: string | undefined, fallback?: GraphQLCompositeType) => {
    const type = name ? schema.getType(name) : fallback;
    return type && isCompositeType(type) ? type : undefined;
  };
  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined, guard: number): number => {
    if (guard > 100) return Infinity;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name === '__schema' || name === '__type') continue;
        if (!sel.selectionSet) {
          cost += 1;
          continue;
        }
        const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
        const childType = def ? getNamedType(def.type) : undefined;
        const child = walk(sel.selectionSet, childType && isCompositeType(childType) ? childType : undefined, guard + 1);
        // A page is `first` or `last` items, priced alike (a request naming both is refused when it runs).
        const paged = def?.args.some((a) => a.name === 'first' || a.name === 'last');
        const sizes = sel.arguments?.filter((a) => a.name.value === 'first' || a.name.value === 'last').map((a) => pageSize(a.value)) ?? [];
        let multiplier = paged ? Math.max(1, ...(sizes.length ? sizes : [pageSize(undefined)])) : 1;
        // `nodes(ids:)` answers one object per id: its subtree counts once per id, as a page's per item.
        const ids = def?.args.some((a) => a.name === 'ids') ? sel.arguments?.find((a) => a.name.value === 'ids')?.value : undefined;
        if (ids) multiplier = Math.max(1, listLength(ids));
        cost += (1 + child) * multiplier;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        cost += walk(sel.selectionSet, typeOf(sel.typeCondition?.name.value, parent), guard + 1);
      } else {
        const name = sel.name.value;
        let known = fragmentCost.get(name);
        if (known === undefined) {
          const fragment = fragments[name];
          // Placeholder first: a cycle (already refused by validation) cannot recurse forever.
          fragmentCost.set(name, 0);
          known = fragment ? walk(fragment.selectionSet, typeOf(fragment.typeCondition.name.value), guard + 1) : 0;
          fragmentCost.set(name, known);
        }
        cost += known;
      }
    }
    return cost;
  };
  return walk(selectionSet, rootType, 0);
}

/** The first repetition over the limits in the document, or null. One linear walk, no schema. */
export function repetitionProblem(document: DocumentNode): string | null {
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).length;
  if (fragments > LIMITS.maxFragments) return `The document defines more than ${LIMITS.maxFragments} fragments.`;
  let problem: string | null = null;
  visit(document, {
    SelectionSet(node) {
      const names = new Map<string, number>();
      let spreads = 0;
      for (const sel of node.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.alias?.value ?? sel.name.value;
          const n = (names.get(name) ?? 0) + 1;
          names.set(name, n);
          if (n > LIMITS.maxRepeatedField) problem = `The field "${name}" is repeated more than ${LIMITS.maxRepeatedField} times in one selection.`;
        } else {
          spreads++;
          if (spreads > LIMITS.maxSpreadsPerSelection) problem = `A selection spreads more than ${LIMITS.maxSpreadsPerSelection} fragments.`;
        }
        if (problem) return BREAK;
      }
      return undefined;
    },
  });
  return problem;
}

/**
 * Refuses, before Apollo parses and validates it, a document that repeats a field or spreads
 * fragments beyond the limits (see maxRepeatedField). An express middleware, because Apollo offers
 * no hook between parsing and validation that may refuse a request; the extra parse is linear and
 * bounded by maxTokens. Answers like Apollo answers a validation failure: 200 with the error for
 * `application/json` clients, 400 for `application/graphql-response+json` ones.
 */
export function repetitionGuard(memory?: Pick<RefusalMemory, 'remember' | 'passedBefore' | 'pass'>): express.RequestHandler {
  return (req, res, next) => {
    const query = req.method === 'GET' ? req.query.query : (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || memory?.passedBefore(req)) return next();
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: LIMITS.maxTokens, noLocation: true });
    } catch {
      return next(); // Apollo reports the syntax error or the token limit.
    }
    const problem = repetitionProblem(document);
    if (!problem) {
      memory?.pass(req);
      return next();
    }
    const modern = req.headers.accept && req.accepts(['application/json', 'application/graphql-response+json']) === 'application/graphql-response+json';
    const refusal = {
      status: modern ? 400 : 200,
      contentType: modern ? 'application/graphql-response+json' : 'application/json',
      body: JSON.stringify({
        errors: [
          { message: `The query is too complex: ${problem[0].toLowerCase()}${problem.slice(1)}`, extensions: { code: 'BAD_USER_INPUT', reason: 'MAX_COST' } },
        ],
      }),
    };
    memory?.remember(req, refusal);
    res.status(refusal.status).type(refusal.contentType).send(refusal.body);
  };
}

/**
 * Refuses an operation whose estimated cost is over the limit, before it executes. The cost reads
 * the variables as graphql-js coerces them, so a variable's default counts when the request leaves
 * it out (`query($n: Int = 100)` was priced at the default page of 20), an explicit null means the
 * default page, and variables the operation does not declare count for nothing. They are coerced
 * only when a page size is a variable (most operations have none).
 */
export function checkCost(
  {
    document,
    operation,
    schema,
    variables,
  }: { document: DocumentNode; operation: OperationDefinitionNode | undefined; schema: GraphQLSchema; variables: Record<string, unknown> | undefined },
  maxCost: number = LIMITS.maxCost,
): void {
  if (!operation) return;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const root = schema.getRootType(operation.operation);
  if (!root) return;
  // Variables that do not coerce count as absent: execution refuses them with graphql-js's messages.
  const coerced = () => {
    const values = operation.variableDefinitions?.length ? getVariableValues(schema, operation.variableDefinitions, variables ?? {}) : undefined;
    return values?.coerced ?? {};
  };
  const cost = estimateCost(schema, operation.selectionSet, root, fragments, coerced);
  if (cost > maxCost) {
    throw refusal(
      'MAX_COST',
      `The query is too expensive: its estimated cost is ${cost}, the limit is ${maxCost}. Ask for smaller pages (first, last) or fewer nested lists.`,
      { cost, limit: maxCost },
    );
  }
}
