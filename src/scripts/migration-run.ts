import 'reflect-metadata';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL or the embedded database. */
async function main() {
  const db = await openDatabase(loadConfig());
  try {
    const applied = await migrate(db.url);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migrations');
  } finally {
    await db.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
