import 'reflect-metadata';
import { createDataSource } from './src/db/data-source';

/**
 * The data source for the TypeORM CLI (`DATABASE_URL` must point at a server). The npm scripts
 * `migration:run` and `migration:generate` also work with the embedded database, without it.
 */
export default createDataSource({ url: process.env.DATABASE_URL ?? 'postgres://localhost/atrium' });
