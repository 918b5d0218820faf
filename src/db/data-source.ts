import path from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming';
import { PreparingClient } from './prepared';
import { fastTypes } from './timestamps';

export interface DataSourceOptions {
  url: string;
  /** Maximum pool connections; sized for a 2-core machine by default. */
  poolSize?: number;
  logging?: boolean;
}

/** The migrations directory, compiled or not. */
const MIGRATIONS = path.join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/** Builds (does not connect) the TypeORM data source. `synchronize` is always off: migrations build the schema. */
export function createDataSource({ url, poolSize = 20, logging = false }: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'migrations',
    uuidExtension: 'pgcrypto',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging,
    // Every wait is bounded, so a slow or unreachable database turns into SERVICE_UNAVAILABLE
    // (errors-format.ts) within seconds instead of piling up requests.
    extra: {
      /** Parameterized statements are prepared once per connection (prepared.ts). */
      Client: PreparingClient,
      /** timestamptz text is parsed by timestamps.ts. */
      types: fastTypes,
      max: poolSize,
      /** Waiting for a pooled connection or opening one. */
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      /** Server side: a statement, a lock wait, an idle open transaction. */
      statement_timeout: 15_000,
      lock_timeout: 10_000,
      idle_in_transaction_session_timeout: 30_000,
      /** Client side: the answer to a query, for when the network, not PostgreSQL, is stuck (pg fails it with "Query read timeout"). */
      query_timeout: 20_000,
      keepAlive: true,
      application_name: 'atrium',
    },
  });
}
