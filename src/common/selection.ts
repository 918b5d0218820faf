import { isAbstractType, isObjectType, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** Read every column of the table (see ColumnReads). */
export const ALL_COLUMNS = 'all';

/**
 * What each GraphQL field of a list's items reads from the rows behind them: table → column
 * names. A field missing here, or with ALL_COLUMNS for a table, makes that read take every column.
 */
export type ColumnReads<T extends string> = Readonly<Record<string, Partial<Record<T, readonly string[] | typeof ALL_COLUMNS>>>>;

/** Per table, the columns to read, or undefined for all of them. */
export type ColumnPlan<T extends string> = Readonly<Record<T, readonly string[] | undefined>>;

interface Planned { fieldNodes: readonly FieldNode[]; key: string; always: object; plan: ColumnPlan<string> }

/** Plans by `reads`, then by the first of the field's nodes (see columnsRead). */
const plans = new WeakMap<object, WeakMap<FieldNode, Planned[]>>();

/**
 * The columns a page must read for the fields the client selects on its items at `path` (objects
 * of type `typeName`): `always`, plus what `reads` lists for each selected field. Fragments count
 * when their type condition can match `typeName`. Directives below the current field are ignored
 * (an `@include(if: false)` field still counts: a wasted column, never a missing one); the
 * current field's own nodes are the ones this request resolves, which graphql-js picks by the
 * directives and variables. A plan is worked out once per set of field nodes: a document's syntax
 * tree is the same object on every request that sends it, but one field can gather different
 * nodes — by directives, or by operation when a fragment is shared.
 */
export function columnsRead<T extends string>(
  info: GraphQLResolveInfo,
  path: readonly string[],
  typeName: string,
  reads: ColumnReads<T>,
  always: Readonly<Record<T, readonly string[]>>,
): ColumnPlan<T> {
  const nodes = info.fieldNodes;
  let byNode = plans.get(reads);
  if (!byNode) plans.set(reads, (byNode = new WeakMap()));
  let planned = byNode.get(nodes[0]);
  if (!planned) byNode.set(nodes[0], (planned = []));
  const key = `${path.join('.')}\0${typeName}`;
  const known = planned.find((p) => p.key === key && p.always === always && p.fieldNodes.length === nodes.length && p.fieldNodes.every((n, i) => n === nodes[i]));
  if (known) return known.plan as ColumnPlan<T>;
  const plan = planColumns(selectedFields(info, path, typeName), reads, always);
  // A handful of entries per node at most (one per combination of its directives' outcomes).
  if (planned.length < 16) planned.push({ fieldNodes: [...nodes], key, always, plan });
  return plan;
}

function planColumns<T extends string>(fields: Set<string>, reads: ColumnReads<T>, always: Readonly<Record<T, readonly string[]>>): ColumnPlan<T> {
  const tables = Object.keys(always) as T[];
  const columns = new Map<T, Set<string> | undefined>(tables.map((table) => [table, new Set(always[table])]));
  for (const field of fields) {
    const read = reads[field];
    for (const table of tables) {
      const wanted = read ? read[table] : ALL_COLUMNS;
      if (wanted === ALL_COLUMNS) columns.set(table, undefined);
      else if (wanted) wanted.forEach((column) => columns.get(table)?.add(column));
    }
  }
  return Object.fromEntries(tables.map((table) => {
    const set = columns.get(table);
    return [table, set && [...set].sort()];
  })) as unknown as ColumnPlan<T>;
}

/**
 * Names of the fields selected on the `typeName` objects at `path` below the current field. A
 * connection's items are reached two ways, `edges.node` and `nodes`: a path that starts at
 * `edges.node` counts the fields selected under `nodes` too.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[], typeName: string): Set<string> {
  const found = selectedAt(info, path, typeName);
  if (path[0] === 'edges' && path[1] === 'node') for (const name of selectedAt(info, ['nodes', ...path.slice(2)], typeName)) found.add(name);
  return found;
}

function selectedAt(info: GraphQLResolveInfo, path: readonly string[], typeName: string): Set<string> {
  const type = info.schema.getType(typeName);
  const applies = (condition: string | undefined) => {
    if (condition === undefined || condition === typeName) return true;
    const abstract = info.schema.getType(condition);
    return isAbstractType(abstract) && isObjectType(type) && info.schema.isSubType(abstract, type);
  };
  const found = new Set<string>();
  // Fragments on other types matter on the way down (the path's fields may sit in them); only
  // at the end does the type condition decide.
  const visit = (set: SelectionSetNode | undefined, depth: number, matches: boolean) => {
    if (!set) return;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        if (depth === path.length) {
          if (matches) found.add(selection.name.value);
        } else if (selection.name.value === path[depth]) {
          visit(selection.selectionSet, depth + 1, true);
        }
      } else {
        const fragment = selection.kind === 'InlineFragment' ? selection : info.fragments[selection.name.value];
        if (!fragment) continue;
        const condition = fragment.typeCondition?.name.value;
        visit(fragment.selectionSet, depth, depth === path.length ? matches && applies(condition) : matches);
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, 0, true);
  return found;
}
