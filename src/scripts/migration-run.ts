import 'reflect-metadata';
import { loadConfig } from '../config';
import { createDataSource } from '../db/data-source';
import { openDatabase } from '../db/open';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL or the embedded database. */
async function main() {
  const db = await openDatabase(loadConfig());
  const ds = createDataSource({ url: db.url });
  try {
    await ds.initialize();
    const applied = await ds.runMigrations({ transaction: 'each' });
    console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations');
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
