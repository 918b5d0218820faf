import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Raw-row helpers for the hot read paths (authentication, lists, look-ups by id): one
 * hand-written statement joins what TypeORM would fetch in several, and these turn its columns back
 * into the same entity instances TypeORM would have built (constructor run, every column property
 * set, relations left unloaded), from the entity metadata so a new column needs no change here.
 */

type Db = DataSource | EntityManager;

interface ColumnPlan { databaseName: string; propertyName: string; kind: 'date' | 'bytes' | 'plain' }

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
      .join(', '));
}

/** `json_build_object('column', alias.column, …)` of every column, for json_agg subselects and rare optional rows. */
export function jsonColumns(db: Db, entity: EntityTarget<ObjectLiteral>, alias: string): string {
  const columns = columnsOf(db, entity);
  return fragment(columns, `json\0${alias}`, () =>
    `json_build_object(${columns.map((c) => `'${c.databaseName}', ${columnOf(alias, c.databaseName)}`).join(', ')})`);
}

/**
 * The entity whose columns a row carries under `prefix` (see selectColumns), or the columns of a
 * JSON object (see jsonColumns, whose timestamps arrive as strings and bytea as `\x…` text).
 */
export function hydrate<T extends ObjectLiteral>(db: Db, entity: new () => T, row: Record<string, unknown>, prefix = ''): T {
  const instance = new entity() as Record<string, unknown>;
  const columns = columnsOf(db, entity);
  const keys = keysOf(columns, prefix);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    let value = row[keys[i]];
    if (value === undefined) value = null;
    if (typeof value === 'string') {
      if (column.kind === 'date') value = new Date(value);
      else if (column.kind === 'bytes' && value.startsWith('\\x')) value = Buffer.from(value.slice(2), 'hex');
    }
    instance[column.propertyName] = value;
  }
  return instance as T;
}

/** The row keys of each column under a prefix, built once (a string concatenation per column and row showed up in profiles). */
const prefixedKeys = new WeakMap<ColumnPlan[], Map<string, string[]>>();

function keysOf(columns: ColumnPlan[], prefix: string): string[] {
  let byPrefix = prefixedKeys.get(columns);
  if (!byPrefix) prefixedKeys.set(columns, (byPrefix = new Map()));
  let keys = byPrefix.get(prefix);
  if (!keys) byPrefix.set(prefix, (keys = columns.map((c) => prefix + c.databaseName)));
  return keys;
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
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT ${selectColumns(db, entity, 't', '', options.only)} FROM "${table}" t WHERE t."${options.by ?? 'id'}" = ANY($1::uuid[])${options.where ? ` AND ${options.where}` : ''}`,
    [ids],
  );
  return rows.map((row) => hydrate(db, entity, row));
}
