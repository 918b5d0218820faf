/**
 * A fingerprint of a whole database: row count and a hash of every row, per table. Two equal
 * snapshots mean the tables are identical row for row (a refused mutation must leave them so).
 */

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any[]>;
}

/**
 * What a refused request may still change, by design:
 * - `rate_limit`: counters are taken outside the business transaction so refused attempts count (auth/rate-limit.ts);
 * - `token.last_used_at`: written best-effort, off the request's path (auth/authenticate.ts);
 * - `migrations`: not data.
 */
const IGNORED_TABLES = new Set(['rate_limit', 'migrations', 'typeorm_metadata']);
const IGNORED_COLUMNS: Record<string, string[]> = { token: ['last_used_at'] };

export type Snapshot = Record<string, string>;

/** Builds the one statement that fingerprints every table of the public schema. */
export async function snapshotQuery(db: Queryable): Promise<string> {
  const columns: { table_name: string; column_name: string }[] = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) {
    if (IGNORED_TABLES.has(table_name) || IGNORED_COLUMNS[table_name]?.includes(column_name)) continue;
    byTable.set(table_name, [...(byTable.get(table_name) ?? []), `"${column_name}"`]);
  }
  return [...byTable.entries()]
    .map(
      ([table, cols]) =>
        `SELECT '${table}' AS t, count(*)::text || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS h
           FROM (SELECT ${cols.join(', ')} FROM "${table}") r`,
    )
    .join('\nUNION ALL\n');
}

export async function takeSnapshot(db: Queryable, query: string): Promise<Snapshot> {
  const rows: { t: string; h: string }[] = await db.query(query);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Snapshot, after: Snapshot): string[] {
  return Object.keys({ ...before, ...after })
    .filter((t) => before[t] !== after[t])
    .sort();
}
