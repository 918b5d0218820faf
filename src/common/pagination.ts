import type { ObjectLiteral, QueryRunner, SelectQueryBuilder } from 'typeorm';
import { invalid } from '../errors';
import { LazyConnection, LazyEdge, type Connection } from './page';
import { hydrate } from '../db/rows';
import { LruMap } from './bounded';
import { queryRows } from '../db/query';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/** One column of a keyset order. `expr` is SQL over the query's alias; values must never be NULL (COALESCE them). */
export interface SortKey<T> {
  expr: string;
  direction: 'ASC' | 'DESC';
  value: (row: T) => string | number | boolean | Date;
}

/** Checks a page size, `first` or `last` (default 20, 0–100). */
export function pageSize(first: number | null | undefined, max = MAX_PAGE, arg: 'first' | 'last' = 'first'): number {
  if (first === undefined || first === null) return Math.min(DEFAULT_PAGE, max);
  if (!Number.isInteger(first) || first < 0 || first > max) throw invalid(arg, `${arg} must be between 0 and ${max}.`);
  return first;
}

/** A list's page arguments, as every connection takes them. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Which page a client asked for: `size` items going forward after `cursor`, or backward before it. */
export interface PageRequest {
  size: number;
  backward: boolean;
  cursor: string | null;
  /** The argument the cursor came in, for the error that refuses it. */
  cursorArg: 'after' | 'before';
}

/**
 * Reads a page's arguments: forward (`first`, `after`) or backward (`last`, `before`), with the
 * same default and limit either way. Mixing the directions is refused: what `first: 5, last: 2`
 * should mean is a guess, and neither GitHub nor GitLab reads it the same.
 */
export function pageRequest(args: PageArgs, max = MAX_PAGE): PageRequest {
  const forward = (args.first !== undefined && args.first !== null) || !!args.after;
  const backward = (args.last !== undefined && args.last !== null) || !!args.before;
  if (forward && backward) {
    const arg = args.last !== undefined && args.last !== null ? 'last' : 'before';
    throw invalid(arg, 'Page forward (first, after) or backward (last, before), not both.');
  }
  if (backward) return { size: pageSize(args.last, max, 'last'), backward: true, cursor: args.before || null, cursorArg: 'before' };
  return { size: pageSize(args.first, max), backward: false, cursor: args.after || null, cursorArg: 'after' };
}

/** The other direction of a sort key (a backward page reads the list from its end). */
export const flip = (direction: 'ASC' | 'DESC'): 'ASC' | 'DESC' => (direction === 'ASC' ? 'DESC' : 'ASC');

/** `s` as a LIKE pattern's literal text (backslash is PostgreSQL's default LIKE escape). */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export const encodeCursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor(cursor: string, length: number, arg: 'after' | 'before' = 'after'): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length && values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      return values;
    }
  } catch {
    // fall through
  }
  throw invalid(arg, `${arg} is not a cursor of this list.`);
}

/** PostgreSQL's answers to a cursor value of the wrong type (a forged cursor): bad text, date, uuid or NUL. */
const BAD_VALUE = new Set(['22P02', '22007', '22008', '22021', '22003']);

function rejectForgedCursor(error: unknown, arg: 'after' | 'before'): never {
  const e = error as { code?: string; driverError?: { code?: string } };
  if (BAD_VALUE.has(String(e?.driverError?.code ?? e?.code))) throw invalid(arg, `${arg} is not a cursor of this list.`);
  throw error;
}

const plain = (v: string | number | boolean | Date) => (v instanceof Date ? v.toISOString() : v);

/**
 * Relay pagination by keyset (no OFFSET): orders by `keys` (the last must be unique, e.g. the id,
 * for a stable tie-break), continues strictly after the `after` cursor — or, going backward, reads
 * the list from its end (every key's direction flipped) strictly before the `before` cursor and
 * turns the page round, so a backward page holds the same items in the same order as the forward
 * page that ends where it starts. The whole filtered list is counted only when the client reads
 * totalCount (LazyConnection). `qb` carries the filters; it is cloned, not changed (the COUNT's
 * clone is made only when it is read).
 */
export async function paginate<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  keys: SortKey<T>[],
  args: PageArgs,
  options: {
    /**
     * The columns of the listed entity to read (database names; default all): those the client's
     * selection needs (columnsRead) and the sort keys' own. The rest are null on the listed entities.
     */
    columns?: readonly string[];
    /** Extra joins and columns for the page's statement only (not the COUNT), read back by `onRow`. */
    select?: (page: SelectQueryBuilder<T>) => void;
    /** Called with each listed entity and its raw row (for the columns `select` added). */
    onRow?: (node: T, raw: Record<string, unknown>) => void;
    /**
     * Lets pages of one shape reuse the statement TypeORM wrote for the first of them (statementFor).
     * The shape is the list's conditions as `qb` holds them, its columns, sort, cursor and page size, which
     * paginate reads itself, plus this string, which must name what `select` adds (the one part
     * paginate cannot read before the statement is written).
     */
    shape?: string;
  } = {},
): Promise<Connection<T>> {
  const { size: first, backward, cursor: after, cursorArg } = pageRequest(args);
  // The order the statement reads in: the list's, or from its end for a backward page.
  const read = keys.map((k) => ({ expr: k.expr, direction: backward ? flip(k.direction) : k.direction }));
  const cursor: Record<string, unknown> = {};
  if (after) decodeCursor(after, keys.length, cursorArg).forEach((value, i) => (cursor[`__c${i}`] = value));
  const shape = options.shape === undefined
    ? undefined
    : [options.shape, qb.alias, options.columns?.join(',') ?? '*', JSON.stringify(qb.expressionMap.wheres), read.map((k) => `${k.expr} ${k.direction}`).join(','), after ? 'cursor' : '', first].join('|');
  const build = () => {
    const page = qb.clone();
    if (after) {
      // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, each comparison in the direction the statement reads.
      const ors = read.map((key, i) => {
        const ands = read.slice(0, i).map((k, j) => `${k.expr} = :__c${j}`);
        ands.push(`${key.expr} ${key.direction === 'ASC' ? '>' : '<'} :__c${i}`);
        return `(${ands.join(' AND ')})`;
      });
      page.andWhere(`(${ors.join(' OR ')})`, cursor);
    }
    read.forEach((key, i) => (i === 0 ? page.orderBy(key.expr, key.direction) : page.addOrderBy(key.expr, key.direction)));
    page.limit(first + 1);
    if (options.columns) {
      const metadata = qb.expressionMap.mainAlias!.metadata;
      page.select(options.columns.map((name) => `${qb.alias}.${metadata.findColumnWithDatabaseName(name)!.propertyPath}`));
    }
    options.select?.(page);
    return page;
  };
  // TypeORM writes the statement; the rows are hydrated here (db/rows.ts), which costs a fraction
  // of TypeORM's raw-results transformer on a page of 50.
  const [sql, parameters] = statementFor(shape, build, { ...qb.getParameters(), ...cursor });
  // On the builder's own query runner when it has one (a transaction's), as getMany would.
  const runner = (qb as unknown as { queryRunner?: QueryRunner }).queryRunner;
  const raw = await queryRows(runner?.manager ?? qb.connection, sql, parameters).catch((e) => rejectForgedCursor(e, cursorArg));
  const entity = qb.expressionMap.mainAlias!.target as new () => T;
  const prefix = `${qb.alias}_`;
  const rows = raw.map((row) => {
    const node = hydrate(qb.connection, entity, row, prefix);
    options.onRow?.(node, row);
    return node;
  });
  const more = rows.length > first;
  const nodes = rows.slice(0, first);
  if (backward) nodes.reverse();
  const edges = nodes.map((node) => new LazyEdge(node, () => encodeCursor(keys.map((k) => plain(k.value(node))))));
  return new LazyConnection(edges, !backward && more, () => qb.clone().orderBy().getCount(), backward && more);
}

/**
 * Statement text and the names of its $1, $2, … parameters, per list shape. The code makes a few
 * dozen shapes, times the page sizes a client picks (TypeORM writes LIMIT into the text), so
 * the least recently used shape goes when the map is full: a client cycling through page sizes
 * costs itself statement writing, not anyone's answers.
 */
const statements = new LruMap<string, { sql: string; names: string[] }>(1_000);

/**
 * The statement of a page and its parameter values. TypeORM writes the text (`build`, then
 * getQueryAndParameters: 6 % of W1's CPU went to that); for a known
 * `shape` the text written the first time is reused and only the values are looked up, by the
 * parameter names recorded then. Lists whose parameters TypeORM would expand or inline (arrays,
 * functions) are written every time.
 */
function statementFor<T extends ObjectLiteral>(shape: string | undefined, build: () => SelectQueryBuilder<T>, values: Record<string, unknown>): [string, unknown[]] {
  const known = shape === undefined ? undefined : statements.get(shape);
  if (known) return [known.sql, known.names.map((name) => values[name])];
  const page = build();
  const query = page.getQuery();
  const parameters = page.getParameters();
  const driver = page.connection.driver;
  const native = page.expressionMap.nativeParameters;
  const result = driver.escapeQueryWithParameters(query, parameters, native);
  const plainValues = Object.values(parameters).every((v) => !Array.isArray(v) && typeof v !== 'function');
  if (shape !== undefined && plainValues && !Object.keys(native).length) {
    // The same text again with each value replaced by its own name, to learn which name each $n is.
    const tagged = Object.fromEntries(Object.keys(parameters).map((name) => [name, { name }]));
    const [sql, order] = driver.escapeQueryWithParameters(query, tagged, {});
    const names = (order as { name: string }[]).map((o) => o.name);
    // Only when every value can be found again without building (`values` holds them all).
    if (sql === result[0] && names.every((name) => name in values)) statements.set(shape, { sql, names });
  }
  return result;
}
