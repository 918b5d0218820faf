import { MigrationInterface, QueryRunner } from 'typeorm';

export class PeopleReadModel1796685386667 implements MigrationInterface {
  name = 'PeopleReadModel1796685386667';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The people page's sort and search keys live on the membership (the shown name, lower-cased,
    // and the account's address), kept by triggers, so every order is one index scan of this table.
    await queryRunner.query(`ALTER TABLE "membership" ADD "sort_name" text`);
    await queryRunner.query(`ALTER TABLE "membership" ADD "sort_email" text`);
    await queryRunner.query(`CREATE FUNCTION atrium_membership_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT lower(CASE WHEN NEW.use_account_profile OR NEW.profile_name IS NULL THEN a.name ELSE NEW.profile_name END), a.email
          INTO NEW.sort_name, NEW.sort_email
          FROM account a WHERE a.id = NEW.account_id;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER membership_sort_keys BEFORE INSERT OR UPDATE OF account_id, profile_name, use_account_profile ON "membership"
      FOR EACH ROW EXECUTE FUNCTION atrium_membership_sort_keys()`);
    await queryRunner.query(`CREATE FUNCTION atrium_account_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE membership m
           SET sort_name = lower(CASE WHEN m.use_account_profile OR m.profile_name IS NULL THEN NEW.name ELSE m.profile_name END),
               sort_email = NEW.email
         WHERE m.account_id = NEW.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER account_sort_keys AFTER UPDATE OF name, email ON "account"
      FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
      EXECUTE FUNCTION atrium_account_sort_keys()`);
    await queryRunner.query(`UPDATE membership m
         SET sort_name = lower(CASE WHEN m.use_account_profile OR m.profile_name IS NULL THEN a.name ELSE m.profile_name END), sort_email = a.email
        FROM account a WHERE a.id = m.account_id`);
    await queryRunner.query(`ALTER TABLE "membership" ALTER COLUMN "sort_name" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "membership" ALTER COLUMN "sort_email" SET NOT NULL`);
    // Substring search by name or address: trigram GIN. Not with the workspace in the index (btree_gin): in a large
    // workspace that intersects every match with a posting list of all its members, which measured slower than
    // filtering the matches' rows. fastupdate off: new members go into the index at once, not into a pending list
    // that every search would scan until the next vacuum.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(
      `CREATE INDEX "membership_people_search_idx" ON "membership" USING gin ("sort_name" gin_trgm_ops, "sort_email" gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await queryRunner.query(`CREATE INDEX "invitation_people_id_idx" ON "invitation" ("workspace_id", "id") WHERE stored_state = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX "invitation_people_created_idx" ON "invitation" ("workspace_id", "created_at", "id") WHERE stored_state = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX "invitation_people_role_idx" ON "invitation" ("workspace_id", "role", "id") WHERE stored_state = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX "membership_people_id_idx" ON "membership" ("workspace_id", "id") `);
    await queryRunner.query(`CREATE INDEX "membership_people_created_idx" ON "membership" ("workspace_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "membership_people_role_idx" ON "membership" ("workspace_id", "role", "id") `);
    await queryRunner.query(`CREATE INDEX "membership_people_email_idx" ON "membership" ("workspace_id", "sort_email", "id") `);
    await queryRunner.query(`CREATE INDEX "membership_people_name_idx" ON "membership" ("workspace_id", "sort_name", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."membership_people_name_idx"`);
    await queryRunner.query(`DROP INDEX "public"."membership_people_email_idx"`);
    await queryRunner.query(`DROP INDEX "public"."membership_people_role_idx"`);
    await queryRunner.query(`DROP INDEX "public"."membership_people_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."membership_people_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_people_role_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_people_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_people_id_idx"`);
    await queryRunner.query(`DROP INDEX "public"."membership_people_search_idx"`);
    await queryRunner.query(`DROP TRIGGER account_sort_keys ON "account"`);
    await queryRunner.query(`DROP FUNCTION atrium_account_sort_keys()`);
    await queryRunner.query(`DROP TRIGGER membership_sort_keys ON "membership"`);
    await queryRunner.query(`DROP FUNCTION atrium_membership_sort_keys()`);
    await queryRunner.query(`ALTER TABLE "membership" DROP COLUMN "sort_email"`);
    await queryRunner.query(`ALTER TABLE "membership" DROP COLUMN "sort_name"`);
  }
}
