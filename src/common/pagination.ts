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

/** Checks `first` (default 20, 1–100). */
export function pageSize(first: number | null | undefined, max = MAX_PAGE): number {
  if (first === undefined || first === null) return Math.min(DEFAULT_PAGE, max);
  if (!Number.isInteger(first) || first < 0 || first > max) throw invalid('first', `first must be between 0 and ${max}.`);
  return first;
}

/** `s` as a LIKE pattern's literal text (backslash is PostgreSQL's default LIKE escape). */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export const encodeCursor = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length && values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      return values;
    }
  } catch {
    // fall through
  }
  throw invalid('after', 'after is not a cursor of this list.');
}

/** PostgreSQL's answers to a cursor value of the wrong type (a forged cursor): bad text, date, uuid or NUL. */
const BAD_VALUE = new Set(['22P02', '22007', '22008', '22021', '22003']);

function rejectForgedCursor(error: unknown): never {
  const e = error as { code?: string; driverError?: { code?: string } };
  if (BAD_VALUE.has(String(e?.driverError?.code ?? e?.code))) throw invalid('after', 'after is not a cursor of this list.');
  throw error;
}

const plain = (v: string | number | boolean | Date) => (v instanceof Date ? v.toISOString() : v);

/**
 * Relay forward pagination by keyset (no OFFSET): orders by `keys` (the last must be unique, e.g.
 * the id, for a stable tie-break), continues strictly after the cursor, and counts the whole
 * filtered list only when the client reads totalCount (LazyConnection). `qb` carries the
 * filters; it is cloned, not changed (the COUNT's clone is made only when it is read).
 */
export async function paginate<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  keys: SortKey<T>[],
  args: { first?: number | null; after?: string | null },
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
  const first = pageSize(args.first);
  const cursor: Record<string, unknown> = {};
  if (args.after) decodeCursor(args.after, keys.length).forEach((value, i) => (cursor[`__c${i}`] = value));
  const shape = options.shape === undefined
    ? undefined
    : [options.shape, qb.alias, options.columns?.join(',') ?? '*', JSON.stringify(qb.expressionMap.wheres), keys.map((k) => `${k.expr} ${k.direction}`).join(','), args.after ? 'after' : '', first].join('|');
  const build = () => {
    const page = qb.clone();
    if (args.after) {
      // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, each comparison in its key's direction.
      const ors = keys.map((key, i) => {
        const ands = keys.slice(0, i).map((k, j) => `${k.expr} = :__c${j}`);
        ands.push(`${key.expr} ${key.direction === 'ASC' ? '>' : '<'} :__c${i}`);
        return `(${ands.join(' AND ')})`;
      });
      page.andWhere(`(${ors.join(' OR ')})`, cursor);
    }
    keys.forEach((key, i) => (i === 0 ? page.orderBy(key.expr, key.direction) : page.addOrderBy(key.expr, key.direction)));
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
  const raw = await queryRows(runner?.manager ?? qb.connection, sql, parameters).catch(rejectForgedCursor);
  const entity = qb.expressionMap.mainAlias!.target as new () => T;
  const prefix = `${qb.alias}_`;
  const rows = raw.map((row) => {
    const node = hydrate(qb.connection, entity, row, prefix);
    options.onRow?.(node, row);
    return node;
  });
  const hasNextPage = rows.length > first;
  const edges = rows.slice(0, first).map((node) => new LazyEdge(node, () => encodeCursor(keys.map((k) => plain(k.value(node))))));
  return new LazyConnection(edges, hasNextPage, () => qb.clone().orderBy().getCount());
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
