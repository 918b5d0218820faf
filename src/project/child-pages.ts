import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { groupByKeys, isUuid } from '../common/ids';
import { LazyConnection, LazyEdge, type Connection } from '../common/page';
import { decodeCursor, encodeCursor, flip, pageRequest, type PageArgs } from '../common/pagination';
import { defineLoader, RequestDataLoader, type Context } from '../context';
import { invalid } from '../errors';

/** One column of a child list's order; the last key must be unique (the id) for a stable order. */
export interface ChildSortKey<T> {
  column: string;
  direction: 'ASC' | 'DESC';
  /** The column's type, so a forged cursor is refused as BAD_USER_INPUT instead of failing in SQL. */
  type: CursorValueType;
  value: (row: T) => string | number | Date;
}

export type CursorValueType = 'text' | 'timestamp' | 'uuid';

const VALID: Record<CursorValueType, (v: unknown) => boolean> = {
  text: (v) => typeof v === 'string' && !v.includes('\u0000'),
  timestamp: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v,
  uuid: (v) => isUuid(v),
};

/** Decodes a cursor and checks each value against its column's type; BAD_USER_INPUT on `arg` otherwise. */
export function decodeTypedCursor(after: string, types: CursorValueType[], arg: 'after' | 'before' = 'after'): unknown[] {
  const values = decodeCursor(after, types.length, arg);
  if (!values.every((v, i) => VALID[types[i]](v))) throw invalid(arg, `${arg} is not a cursor of this list.`);
  return values;
}

/** An extra filter of a child list, as SQL over the alias `c` with named parameters. */
export interface ChildFilter {
  /** Identifies the filter in the loader's cache key; equal filters must give equal keys. */
  key: string;
  sql: string;
  params: Record<string, unknown>;
}

export interface ChildPageRequest extends PageArgs {
  parentId: string;
  filter?: ChildFilter | null;
}

export interface ChildListSpec<T extends ObjectLiteral> {
  entity: EntityTarget<T>;
  /** The column (snake_case) holding the parent's id, e.g. `project_id`. */
  parentColumn: string;
  parentOf: (row: T) => string;
  keys: ChildSortKey<T>[];
}

const plain = (v: string | number | Date) => (v instanceof Date ? v.toISOString() : v);

/**
 * A per-request loader of one page of children for many parents at once (Project.runs over a
 * page of projects): one window-function query for the pages and one grouped COUNT, whatever
 * the number of parents. Requests with different arguments (first, after, filter) batch into
 * one query pair per distinct argument set.
 */
export function defineChildPages<T extends ObjectLiteral>(spec: ChildListSpec<T>) {
  const loader = defineLoader(
    (ctx) =>
      new RequestDataLoader<ChildPageRequest, Connection<T>, string>(
        async (requests) => {
          const groups = new Map<string, ChildPageRequest[]>();
          for (const r of requests) {
            const sig = argsKey(r);
            const list = groups.get(sig);
            if (list) list.push(r);
            else groups.set(sig, [r]);
          }
          const results = new Map<ChildPageRequest, Connection<T>>();
          await Promise.all(
            [...groups.values()].map(async (group) => {
              const pages = await loadGroup(ctx, spec, group);
              group.forEach((r, i) => results.set(r, pages[i]));
            }),
          );
          return requests.map((r) => results.get(r)!);
        },
        { cacheKeyFn: (r) => `${r.parentId}|${argsKey(r)}` },
      ),
  );

  /** The page of children of one parent; validates the page arguments before batching. */
  return (ctx: Context, request: ChildPageRequest): Promise<Connection<T>> => {
    const page = pageRequest(request);
    if (page.cursor)
      decodeTypedCursor(
        page.cursor,
        spec.keys.map((k) => k.type),
        page.cursorArg,
      );
    return loader(ctx).load(request);
  };
}

const argsKey = (r: ChildPageRequest) => JSON.stringify([r.first ?? null, r.after ?? null, r.last ?? null, r.before ?? null, r.filter?.key ?? null]);

async function loadGroup<T extends ObjectLiteral>(ctx: Context, spec: ChildListSpec<T>, group: ChildPageRequest[]): Promise<Connection<T>[]> {
  const { filter } = group[0];
  const { size: first, backward, cursor: after, cursorArg } = pageRequest(group[0]);
  // The order the statement reads in: the list's, or from its end for a backward page (turned round below).
  const keys = spec.keys.map((k) => ({ ...k, direction: backward ? flip(k.direction) : k.direction }));
  const parents = [...new Set(group.map((r) => r.parentId).filter(isUuid))];
  if (!parents.length) return group.map(() => emptyPage());
  const repo = ctx.db.getRepository(spec.entity);
  const parent = `c.${spec.parentColumn}`;
  const params: Record<string, unknown> = { __parents: parents, ...(filter?.params ?? {}) };
  const where = [`${parent} = ANY(:__parents::uuid[])`];
  if (filter) where.push(`(${filter.sql})`);
  const countWhere = [...where];
  if (after) {
    const values = decodeTypedCursor(
      after,
      keys.map((k) => k.type),
      cursorArg,
    );
    const ors = keys.map((key, i) => {
      const ands = keys.slice(0, i).map((k, j) => `c.${k.column} = :__c${j}`);
      ands.push(`c.${key.column} ${key.direction === 'ASC' ? '>' : '<'} :__c${i}`);
      params[`__c${i}`] = values[i];
      return `(${ands.join(' AND ')})`;
    });
    where.push(`(${ors.join(' OR ')})`);
  }
  const order = keys.map((k) => `c.${k.column} ${k.direction}`).join(', ');
  params.__limit = first + 1;
  const ranked = `SELECT ranked.id FROM (SELECT c.id, ROW_NUMBER() OVER (PARTITION BY ${parent} ORDER BY ${order}) AS rn FROM ${repo.metadata.tableName} c WHERE ${where.join(' AND ')}) ranked WHERE ranked.rn <= :__limit`;
  const pageQuery = repo.createQueryBuilder('t').where(`t.id IN (${ranked})`, params).orderBy(`t.${spec.parentColumn}`, 'ASC');
  keys.forEach((k) => pageQuery.addOrderBy(`t.${k.column}`, k.direction));
  const countQuery = repo
    .createQueryBuilder('c')
    .select(parent, 'parent')
    .addSelect('count(*)::int', 'n')
    .where(countWhere.join(' AND '), params)
    .groupBy(parent);
  const [rows, counts] = await Promise.all([pageQuery.getMany(), countQuery.getRawMany<{ parent: string; n: number }>()]);
  const byParent = groupByKeys(
    group.map((r) => r.parentId),
    rows,
    spec.parentOf,
  );
  const total = new Map(counts.map((c) => [c.parent, Number(c.n)]));
  return group.map((r, i) => {
    const list = byParent[i];
    const more = list.length > first;
    const nodes = list.slice(0, first);
    if (backward) nodes.reverse();
    const edges = nodes.map((node) => new LazyEdge(node, () => encodeCursor(spec.keys.map((k) => plain(k.value(node))))));
    return new LazyConnection(edges, !backward && more, total.get(r.parentId) ?? 0, backward && more);
  });
}

const emptyPage = <T>(): Connection<T> => new LazyConnection<T>([], false, 0);
