import 'reflect-metadata';
import { loadConfig } from '../config';
import { createDataSource } from '../db/data-source';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';
import { normalizeEmail } from '../common/validators';

const USAGE = `usage: npm run admin -- <command> <email>

commands:
  promote <email>      make the account a platform admin
  demote <email>       make the account a plain platform member
  superuser <email>    set the superuser flag (may do everything everywhere; audited)
  unsuperuser <email>  clear the superuser flag

Uses DATABASE_URL, or the embedded database under DATA_DIR (default .data), like the server.`;

const COMMANDS: Record<string, { sql: string; done: string }> = {
  promote: { sql: `UPDATE account SET platform_role = 'ADMIN' WHERE email = $1`, done: 'is now a platform admin' },
  demote: { sql: `UPDATE account SET platform_role = 'MEMBER' WHERE email = $1`, done: 'is now a platform member' },
  superuser: { sql: `UPDATE account SET is_superuser = true WHERE email = $1`, done: 'is now a superuser' },
  unsuperuser: { sql: `UPDATE account SET is_superuser = false WHERE email = $1`, done: 'is no longer a superuser' },
};

/** Grants platform roles, which no API may grant (RULES.md §1). */
async function main(): Promise<number> {
  const [command, email] = process.argv.slice(2);
  const spec = COMMANDS[command ?? ''];
  if (!spec || !email) {
    console.error(USAGE);
    return 2;
  }
  const database = await openDatabase(loadConfig());
  const db = createDataSource({ url: database.url, poolSize: 1 });
  try {
    await migrate(database.url);
    await db.initialize();
    const [, affected] = (await db.query(spec.sql, [normalizeEmail(email)])) as [unknown, number];
    if (!affected) {
      console.error(`no account with email ${email}`);
      return 1;
    }
    console.log(`${normalizeEmail(email)} ${spec.done}`);
    return 0;
  } finally {
    if (db.isInitialized) await db.destroy();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
