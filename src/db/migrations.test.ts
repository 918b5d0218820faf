import { createDataSource } from './data-source';
import { cloneTemplateDatabase } from '../test/harness';

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
      await expect(
        ds.query(`INSERT INTO membership (workspace_id, account_id, role) VALUES ($1, $2, 'OWNER')`, [ws.id, other.id]),
      ).rejects.toThrow(/membership_one_owner_key/);
      // Deleting the whole workspace is fine: nothing live is left without an owner.
      await ds.query(`DELETE FROM workspace WHERE id = $1`, [ws.id]);
    } finally {
      await ds.destroy();
      await clone.drop();
    }
  });
});
