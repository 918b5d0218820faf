import path from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming';

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
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 30_000,
      application_name: 'atrium',
    },
  });
}
