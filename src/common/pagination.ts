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
export async function paginate<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, keys: SortKey<T>[], args: PageArgs): Promise<Connection<T>> {
  const { size: first, backward, cursor: after, cursorArg } = pageRequest(args);
  // The order the statement reads in: the list's, or from its end for a backward page.
  const read = keys.map((k) => ({ expr: k.expr, direction: backward ? flip(k.direction) : k.direction }));
  const page = qb.clone();
  if (after) {
    const cursor: Record<string, unknown> = {};
    decodeCursor(after, keys.length, cursorArg).forEach((value, i) => (cursor[`__c${i}`] = value));
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
  const rows = await page.getMany().catch((e) => rejectForgedCursor(e, cursorArg));
  const more = rows.length > first;
  const nodes = rows.slice(0, first);
  if (backward) nodes.reverse();
  const edges = nodes.map((node) => new LazyEdge(node, () => encodeCursor(keys.map((k) => plain(k.value(node))))));
  return new LazyConnection(edges, !backward && more, () => qb.clone().orderBy().getCount(), backward && more);
}
