import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../db/data-source';
import { startEmbeddedPostgres } from '../db/embedded';

/**
 * `npm run migration:generate -- <Name>`: applies the committed migrations to a throwaway
 * embedded database, asks TypeORM what the entities still need, and writes that as a new
 * migration under migrations/ for review. Needs no running server.
 */
async function main() {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
  const db = await startEmbeddedPostgres(fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-gen-')), { persistent: false });
  const ds = createDataSource({ url: db.url });
  try {
    await ds.initialize();
    await ds.runMigrations();
    const sql = await ds.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      console.log('entities and migrations agree: nothing to generate');
      return;
    }
    const stamp = Date.now();
    const q = (s: string) => '`' + s.replace(/[`\\$]/g, (c) => '\\' + c) + '`';
    const up = sql.upQueries.map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const down = sql.downQueries
      .reverse()
      .map((x) => `    await queryRunner.query(${q(x.query)});`)
      .join('\n');
    const file = path.join(__dirname, '..', '..', 'migrations', `${stamp}-${name}.ts`);
    fs.writeFileSync(
      file,
      `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${stamp} implements MigrationInterface {
  name = '${name}${stamp}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${down}
  }
}
`,
    );
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
