import { isAbstractType, isObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the client's selection under the current field reaches `path` (field names, e.g.
 * ['edges', 'node', 'owner']), through fragments and inline fragments alike. For look-ahead only:
 * a list that fetches what its items will be asked for in the same statement. Directives are
 * ignored, so an `@include(if: false)` field still counts as selected (a wasted join, never a
 * missing answer).
 */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean => {
    if (!set) return false;
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        if (selection.name.value === path[depth] && (depth === path.length - 1 || visit(selection.selectionSet, depth + 1))) return true;
      } else if (selection.kind === 'InlineFragment') {
        if (visit(selection.selectionSet, depth)) return true;
      } else if (visit(info.fragments[selection.name.value]?.selectionSet, depth)) {
        return true;
      }
    }
    return false;
  };
  return info.fieldNodes.some((node) => visit(node.selectionSet, 0));
}

/** Read every column of the table (see ColumnReads). */
export const ALL_COLUMNS = 'all';

/**
 * What each GraphQL field of a list's items reads from the rows behind them: table → column
 * names. A field missing here, or with ALL_COLUMNS for a table, makes that read take every column.
 */
export type ColumnReads<T extends string> = Readonly<Record<string, Partial<Record<T, readonly string[] | typeof ALL_COLUMNS>>>>;

/** Per table, the columns to read, or undefined for all of them. */
export type ColumnPlan<T extends string> = Readonly<Record<T, readonly string[] | undefined>>;

const plans = new WeakMap<object, WeakMap<object, Map<string, ColumnPlan<string>>>>();

/**
 * The columns a page must read for the fields the client selects on its items at `path` (objects
 * of type `typeName`): `always`, plus what `reads` lists for each selected field. Fragments count
 * when their type condition can match `typeName`; directives are ignored (an
 * `@include(if: false)` field still counts: a wasted column, never a missing one). Worked out once
 * per document position: a document's syntax tree is the same object on every request that
 * sends it.
 */
export function columnsRead<T extends string>(
  info: GraphQLResolveInfo,
  path: readonly string[],
  typeName: string,
  reads: ColumnReads<T>,
  always: Readonly<Record<T, readonly string[]>>,
): ColumnPlan<T> {
  let byNode = plans.get(reads);
  if (!byNode) plans.set(reads, (byNode = new WeakMap()));
  let byPath = byNode.get(info.fieldNodes[0]);
  if (!byPath) byNode.set(info.fieldNodes[0], (byPath = new Map()));
  const key = `${path.join('.')}\0${typeName}`;
  let plan = byPath.get(key) as ColumnPlan<T> | undefined;
  if (!plan) byPath.set(key, (plan = planColumns(selectedFields(info, path, typeName), reads, always)));
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

/** Names of the fields selected on the `typeName` objects at `path` below the current field. */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[], typeName: string): Set<string> {
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
