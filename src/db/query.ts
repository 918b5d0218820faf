import { DatabaseError, type Pool } from 'pg';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/**
 * The rows of one statement. Inside a transaction it runs on the transaction's connection, as
 * `manager.query` would; outside one it goes to the pool directly, without the query runner
 * TypeORM builds, connects, broadcasts events through and releases around each statement (about
 * a dozen promise hops per statement, on the hot read paths' four statements per request). What
 * TypeORM adds that callers rely on is kept: the configured logger sees the statement, and a
 * failure arrives as TypeORM's QueryFailedError carrying the driver's error and its code.
 */
export async function queryRows<T = Record<string, unknown>>(
  db: DataSource | EntityManager,
  sql: string,
  parameters: unknown[],
  /**
   * `prepare: false` plans the statement for its values on every call instead of running it as a
   * named prepared statement, whose generic plan PostgreSQL adopts after five calls: for a
   * statement whose best plan depends on a value (a search pattern), that plan is a guess.
   */
  options: { prepare?: boolean } = {},
): Promise<T[]> {
  if ('queryRunner' in db && db.queryRunner) return db.query(sql, parameters);
  const source = 'connection' in db ? db.connection : db;
  // Undefined once the data source is destroyed: TypeORM's own path reports that.
  const pool = (source.driver as unknown as { master?: Pool }).master;
  if (!pool) return source.query(sql, parameters);
  source.logger.logQuery(sql, parameters);
  const client = await pool.connect();
  let failure: unknown;
  // The pool listens for errors on idle connections only: one lost while checked out must find a
  // listener here, or the process dies of an unhandled 'error' event (pool.query and TypeORM's
  // runner do the same).
  const lost = (error: Error) => void (failure ??= error);
  client.on('error', lost);
  try {
    const result = options.prepare === false ? await client.query({ text: sql, values: parameters }) : await client.query(sql, parameters);
    return result.rows as T[];
  } catch (error) {
    failure ??= error;
    source.logger.logQueryError(error as Error, sql, parameters);
    throw new QueryFailedError(sql, parameters, error as Error);
  } finally {
    client.removeListener('error', lost);
    // A statement PostgreSQL refused leaves the connection ready for the next one (and its
    // prepared statements); anything else — the connection lost, a fatal error, the client-side
    // query timeout with the answer still to come — retires it, as TypeORM's runner would.
    const statementOnly = failure === undefined || (failure instanceof DatabaseError && failure.severity !== 'FATAL' && failure.severity !== 'PANIC');
    client.release(statementOnly ? undefined : (failure as Error));
  }
}
