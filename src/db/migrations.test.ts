import { Client } from 'pg';
import { createDataSource } from './data-source';
import { ADMIN_DB_URL, cloneTemplateDatabase } from '../test/harness';
import { Initial1795395085203 } from '../../migrations/1795395085203-Initial';
import { EmailVerification1796685778476 } from '../../migrations/1796685778476-EmailVerification';

describe('migrations', () => {
  it('build exactly the schema the entities describe (run `npm run migration:generate -- Name` when this fails)', async () => {
    // The template database was built by running every migration (src/test/global-setup.ts).
    const clone = await cloneTemplateDatabase();
    const ds = createDataSource({ url: clone.url, poolSize: 1 });
    try {
      await ds.initialize();
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
      await clone.drop();
    }
  });

  it('refuse a transaction that would leave a live workspace without an owner', async () => {
    const clone = await cloneTemplateDatabase();
    const ds = createDataSource({ url: clone.url, poolSize: 1 });
    try {
      await ds.initialize();
      const [account] = await ds.query(`INSERT INTO account (email, name, password_hash) VALUES ('a@x.io', 'A', 'x') RETURNING id`);
      await expect(ds.query(`INSERT INTO workspace (name) VALUES ('orphan')`)).rejects.toThrow(/exactly one owner/);
      const [ws] = await ds.transaction(async (tx) => {
        const rows = await tx.query(`INSERT INTO workspace (name) VALUES ('w') RETURNING id`);
        await tx.query(`INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, 'OWNER')`, [rows[0].id, account.id]);
        return rows;
      });
      await expect(ds.query(`UPDATE membership SET role = 'ADMIN' WHERE workspace_id = $1`, [ws.id])).rejects.toThrow(/exactly one owner/);
      await expect(ds.query(`DELETE FROM membership WHERE workspace_id = $1`, [ws.id])).rejects.toThrow(/exactly one owner/);
      const [other] = await ds.query(`INSERT INTO account (email, name, password_hash) VALUES ('b@x.io', 'B', 'x') RETURNING id`);
      await expect(ds.query(`INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, 'OWNER')`, [ws.id, other.id])).rejects.toThrow(
        /membership_one_owner_key/,
      );
      // Deleting the whole workspace is fine: nothing live is left without an owner.
      await ds.query(`DELETE FROM workspace WHERE id = $1`, [ws.id]);
    } finally {
      await ds.destroy();
      await clone.drop();
    }
  });
});

describe('the EmailVerification migration', () => {
  it('marks the accounts that existed before it as verified, and none created after', async () => {
    const admin = new Client({ connectionString: ADMIN_DB_URL() });
    const name = `m_${Date.now().toString(36)}`;
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const ds = createDataSource({ url: ADMIN_DB_URL().replace(/\/[^/?]*(\?|$)/, `/${name}$1`), poolSize: 1 });
    try {
      await ds.initialize();
      const runner = ds.createQueryRunner();
      await new Initial1795395085203().up(runner);
      await runner.query(`INSERT INTO account (email, name, password_hash, created_at) VALUES ('old@x.io', 'Old', 'x', '2026-01-02T03:04:05Z')`);
      await new EmailVerification1796685778476().up(runner);
      await runner.query(`INSERT INTO account (email, name, password_hash) VALUES ('new@x.io', 'New', 'x')`);
      const rows = await runner.query(`SELECT email, email_verified_at FROM account ORDER BY email`);
      expect(rows).toEqual([
        { email: 'new@x.io', email_verified_at: null },
        { email: 'old@x.io', email_verified_at: new Date('2026-01-02T03:04:05Z') },
      ]);
      await runner.release();
    } finally {
      await ds.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
