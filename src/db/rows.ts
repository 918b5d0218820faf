import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { queryRows } from './query';

/**
 * Raw-row helpers for the hot read paths (authentication, lists, look-ups by id): one
 * hand-written statement joins what TypeORM would fetch in several, and these turn its columns back
 * into the same entity instances TypeORM would have built (constructor run, every column property
 * set, relations left unloaded), from the entity metadata so a new column needs no change here.
 */

type Db = DataSource | EntityManager;

interface ColumnPlan {
  databaseName: string;
  propertyName: string;
  kind: 'date' | 'bytes' | 'plain';
}

/** Each entity's columns, worked out once (getMetadata searches every entity on each call). */
const plans = new WeakMap<object, ColumnPlan[]>();

function columnsOf(db: Db, entity: EntityTarget<ObjectLiteral>): ColumnPlan[] {
  let plan = plans.get(entity as object);
  if (!plan) {
    plan = ('connection' in db ? db.connection : db).getMetadata(entity).columns.map((c) => ({
      databaseName: c.databaseName,
      propertyName: c.propertyName,
      kind: c.type === 'timestamptz' || c.type === 'timestamp' || c.type === Date ? 'date' : c.type === 'bytea' ? 'bytes' : 'plain',
    }));
    plans.set(entity as object, plan);
  }
  return plan;
}

/**
 * The account columns a User shows (User fields, a member's name and profile): what the people
 * page and member look-ups read, so a page of 100 people does not carry 100 password hashes. An
 * Account hydrated from them has null for the rest; it is someone's public face, never the caller
 * (ctx.user, read in full) and never used for a permission decision.
 */
export const PUBLIC_ACCOUNT_COLUMNS: readonly string[] = ['id', 'name', 'email', 'job_title', 'avatar_url', 'created_at'];

/**
 * How a column is named in SQL: `"alias"."column"` for a table alias, or `(row)."column"` when
 * `alias` is a parenthesized whole-row value such as `(pg.m_row)`.
 */
const columnOf = (alias: string, column: string) => (alias.startsWith('(') ? `${alias}."${column}"` : `"${alias}"."${column}"`);

/** SQL fragments per entity plan, written once: the hot statements ask for the same ones on every request. */
const fragments = new WeakMap<ColumnPlan[], Map<string, string>>();

function fragment(columns: ColumnPlan[], key: string, write: () => string): string {
  let byKey = fragments.get(columns);
  if (!byKey) fragments.set(columns, (byKey = new Map()));
  let sql = byKey.get(key);
  if (sql === undefined) byKey.set(key, (sql = write()));
  return sql;
}

/** `"alias"."column" AS "prefix column"` for every column of the entity (or the `only` ones), for a SELECT list. */
export function selectColumns(db: Db, entity: EntityTarget<ObjectLiteral>, alias: string, prefix: string, only?: readonly string[]): string {
  const columns = columnsOf(db, entity);
  return fragment(columns, `select\0${alias}\0${prefix}\0${only?.join(',') ?? '*'}`, () =>
    columns
      .filter((c) => !only || only.includes(c.databaseName))
      .map((c) => `${columnOf(alias, c.databaseName)} AS "${prefix}${c.databaseName}"`)
      .join(', '),
  );
}

/** `json_build_object('column', alias.column, …)` of every column, for json_agg subselects and rare optional rows. */
export function jsonColumns(db: Db, entity: EntityTarget<ObjectLiteral>, alias: string, only?: readonly string[]): string {
  const columns = columnsOf(db, entity);
  return fragment(
    columns,
    `json\0${alias}\0${only?.join(',') ?? '*'}`,
    () =>
      `json_build_object(${columns
        .filter((c) => !only || only.includes(c.databaseName))
        .map((c) => `'${c.databaseName}', ${columnOf(alias, c.databaseName)}`)
        .join(', ')})`,
  );
}

/**
 * The entity whose columns a row carries under `prefix` (see selectColumns), or the columns of a
 * JSON object (see jsonColumns, whose timestamps arrive as strings and bytea as `\x…` text).
 */
export function hydrate<T extends ObjectLiteral>(db: Db, entity: new () => T, row: Record<string, unknown>, prefix = ''): T {
  return hydratorOf(columnsOf(db, entity), entity, prefix)(row) as T;
}

type Hydrator = (row: Record<string, unknown>) => ObjectLiteral;

const hydrators = new WeakMap<ColumnPlan[], Map<string, Hydrator>>();

/**
 * hydrate for one entity and prefix, written once as a function that names each column and
 * property: a loop over the plan with computed keys cost 5 % of W1's CPU (150 rows of up to 27
 * columns), straight-line named reads and writes a fraction of it. Names come from the entity
 * metadata (never from a request) and are quoted with JSON.stringify.
 */
function hydratorOf(columns: ColumnPlan[], entity: new () => ObjectLiteral, prefix: string): Hydrator {
  let byPrefix = hydrators.get(columns);
  if (!byPrefix) hydrators.set(columns, (byPrefix = new Map()));
  let hydrator = byPrefix.get(prefix);
  if (!hydrator) {
    const steps = columns.map((column) => {
      // JSON objects (jsonColumns) carry timestamps as text and bytea as `\x…` hex; pg rows carry Dates and Buffers.
      const convert =
        column.kind === 'date'
          ? `typeof v === 'string' ? new Date(v) : v`
          : column.kind === 'bytes'
            ? `typeof v === 'string' && v.startsWith('\\\\x') ? Buffer.from(v.slice(2), 'hex') : v`
            : 'v';
      return `v = row[${JSON.stringify(prefix + column.databaseName)}]; o[${JSON.stringify(column.propertyName)}] = v === undefined || v === null ? null : ${convert};`;
    });
    hydrator = new Function('Entity', 'Buffer', `return function hydrate(row) { const o = new Entity(); let v; ${steps.join(' ')} return o; };`)(
      entity,
      Buffer,
    ) as Hydrator;
    byPrefix.set(prefix, hydrator);
  }
  return hydrator;
}

/**
 * The rows of `entity` whose ids are in `ids`, hydrated, in one statement that does not change
 * with the number of ids (`= ANY($1)`, so it stays one prepared statement, unlike TypeORM's
 * `IN ($1, $2, …)`). `by` is the uuid column matched (default `id`); `where` adds SQL over the
 * alias `t`; `only` limits the columns read.
 */
export async function entitiesByIds<T extends ObjectLiteral>(
  db: Db,
  entity: new () => T,
  ids: readonly string[],
  options: { by?: string; where?: string; only?: readonly string[] } = {},
): Promise<T[]> {
  if (!ids.length) return [];
  const table = fragment(columnsOf(db, entity), 'table', () => ('connection' in db ? db.connection : db).getMetadata(entity).tableName);
  const rows = await queryRows(
    db,
    `SELECT ${selectColumns(db, entity, 't', '', options.only)} FROM "${table}" t WHERE t."${options.by ?? 'id'}" = ANY($1::uuid[])${options.where ? ` AND ${options.where}` : ''}`,
    [ids],
  );
  return rows.map((row) => hydrate(db, entity, row));
}
