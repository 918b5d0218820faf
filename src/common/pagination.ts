import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { invalid } from '../errors';
import { LazyConnection, LazyEdge, type Connection } from './page';

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
): Promise<Connection<T>> {
  const first = pageSize(args.first);
  const page = qb.clone();
  if (args.after) {
    const cursor: Record<string, unknown> = {};
    decodeCursor(args.after, keys.length).forEach((value, i) => (cursor[`__c${i}`] = value));
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
  const rows = await page.getMany().catch(rejectForgedCursor);
  const hasNextPage = rows.length > first;
  const edges = rows.slice(0, first).map((node) => new LazyEdge(node, () => encodeCursor(keys.map((k) => plain(k.value(node))))));
  return new LazyConnection(edges, hasNextPage, () => qb.clone().orderBy().getCount());
}
