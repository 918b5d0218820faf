import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795395085203 implements MigrationInterface {
  name = 'Initial1795395085203';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "account" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(255) NOT NULL, "email" character varying(320) NOT NULL, "job_title" character varying(255), "avatar_url" character varying(2048), "password_hash" character varying(255) NOT NULL, "platform_role" character varying(16) NOT NULL DEFAULT 'MEMBER', "is_superuser" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_54115ee388cdb6d86bb4bf5b2ea" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "account_email_key" ON "account" ("email") `);
    await queryRunner.query(`CREATE TABLE "password_reset" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "account_id" uuid NOT NULL, "token_hash" bytea NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8515e60a2cc41584fa4784f52ce" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "password_reset_account_idx" ON "password_reset" ("account_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "password_reset_hash_key" ON "password_reset" ("token_hash") `);
    await queryRunner.query(`CREATE TABLE "workspace" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(255) NOT NULL, "description" text NOT NULL DEFAULT '', "description_html" text NOT NULL DEFAULT '', "visibility" character varying(8) NOT NULL DEFAULT 'PRIVATE', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "removed_at" TIMESTAMP(3) WITH TIME ZONE, "purge_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_ca86b6f9b3be5fe26d307d09b49" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "workspace_public_idx" ON "workspace" ("visibility") WHERE visibility = 'PUBLIC' AND removed_at IS NULL`);
    await queryRunner.query(`CREATE INDEX "workspace_purge_idx" ON "workspace" ("purge_at") WHERE purge_at IS NOT NULL`);
    await queryRunner.query(`CREATE TABLE "audit_event" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "action" character varying(64) NOT NULL, "actor_id" uuid, "details" jsonb NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_481efbe8b0a403efe3f47a6528f" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "audit_event_workspace_idx" ON "audit_event" ("workspace_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "rate_limit" ("key" character varying(255) NOT NULL, "window_start" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "count" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_242df04b6c2ab8f64e747523191" PRIMARY KEY ("key", "window_start"))`);
    await queryRunner.query(`CREATE TABLE "token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "account_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "name" character varying(255) NOT NULL DEFAULT '', "scope" character varying(8) NOT NULL DEFAULT 'WRITE', "token_hash" bytea NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP(3) WITH TIME ZONE, "last_used_at" TIMESTAMP(3) WITH TIME ZONE, "revoked_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_82fae97f905930df5d62a702fc9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "token_hash_key" ON "token" ("token_hash") `);
    await queryRunner.query(`CREATE INDEX "token_account_idx" ON "token" ("account_id") `);
    await queryRunner.query(`CREATE TABLE "project" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "description" text NOT NULL DEFAULT '', "description_html" text NOT NULL DEFAULT '', "visibility" character varying(8) NOT NULL DEFAULT 'PRIVATE', "owner_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "removed_at" TIMESTAMP(3) WITH TIME ZONE, "purge_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_4d68b1358bb5b766d3e78f32f57" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "project_purge_idx" ON "project" ("purge_at") WHERE purge_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "project_owner_idx" ON "project" ("workspace_id", "owner_id") `);
    await queryRunner.query(`CREATE INDEX "project_workspace_idx" ON "project" ("workspace_id", "name") `);
    await queryRunner.query(`CREATE TABLE "code_version" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "filename" character varying(255) NOT NULL, "size_bytes" integer NOT NULL, "sha256" character(64) NOT NULL, "description" text NOT NULL DEFAULT '', "storage_key" character varying(255) NOT NULL, "created_by_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ca1712e2ca63b5dbec120cbfede" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "code_version_project_idx" ON "code_version" ("project_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "invitation" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "email" character varying(320) NOT NULL, "email_normalized" character varying(320) NOT NULL, "role" character varying(8) NOT NULL, "message" text, "stored_state" character varying(16) NOT NULL DEFAULT 'PENDING', "token_hash" bytea NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "last_sent_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "sent_count" integer NOT NULL DEFAULT '1', "invited_by_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "responded_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_beb994737756c0f18a1c1f8669c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "invitation_token_key" ON "invitation" ("token_hash") `);
    await queryRunner.query(`CREATE INDEX "invitation_email_idx" ON "invitation" ("email_normalized") WHERE stored_state = 'PENDING'`);
    await queryRunner.query(`CREATE UNIQUE INDEX "invitation_one_pending_key" ON "invitation" ("workspace_id", "email_normalized") WHERE stored_state = 'PENDING'`);
    await queryRunner.query(`CREATE TABLE "job" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "description" text NOT NULL DEFAULT '', "command" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "job_project_name_key" UNIQUE ("project_id", "name"), CONSTRAINT "PK_98ab1c14ff8d1cf80d18703b92f" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "outbox_email" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" character varying(32) NOT NULL, "to_address" character varying(320) NOT NULL, "subject" text NOT NULL, "text_body" text NOT NULL, "html_body" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP(3) WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b55f4d8ab961614aa75da7a668d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "outbox_email_due_idx" ON "outbox_email" ("next_attempt_at") WHERE sent_at IS NULL`);
    await queryRunner.query(`CREATE TABLE "membership" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "account_id" uuid NOT NULL, "role" character varying(8) NOT NULL, "profile_name" character varying(255), "profile_job_title" character varying(255), "profile_avatar_url" character varying(2048), "use_account_profile" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "membership_workspace_account_key" UNIQUE ("workspace_id", "account_id"), CONSTRAINT "PK_83c1afebef3059472e7c37e8de8" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "membership_account_idx" ON "membership" ("account_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "membership_one_owner_key" ON "membership" ("workspace_id") WHERE role = 'OWNER'`);
    await queryRunner.query(`CREATE TABLE "run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "job_id" uuid NOT NULL, "name" character varying(255) NOT NULL DEFAULT '', "description" text NOT NULL DEFAULT '', "status" character varying(16) NOT NULL DEFAULT 'QUEUED', "payload" text, "created_by_id" uuid, "code_version_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP(3) WITH TIME ZONE, "finished_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_804c38ffba92002c6d2c646dd46" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "run_job_idx" ON "run" ("job_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "run_project_idx" ON "run" ("project_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "variable" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "project_id" uuid NOT NULL, "name" character varying(255) NOT NULL, "value" text NOT NULL, "is_masked" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "modified_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "variable_project_name_key" UNIQUE ("project_id", "name"), CONSTRAINT "PK_f4e200785984484787e6b47e6fb" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "password_reset" ADD CONSTRAINT "FK_c491bba845232ca65b799a63252" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "audit_event" ADD CONSTRAINT "FK_3eb7f6b11b92bd87e16c05fca40" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "audit_event" ADD CONSTRAINT "FK_f44b7e9c0d50176bc07e018f637" FOREIGN KEY ("actor_id") REFERENCES "account"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "token" ADD CONSTRAINT "FK_6121d7a5eafbe71fba146a98fd3" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "project" ADD CONSTRAINT "FK_5cb157e3d3ab8abd16251129dba" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "project" ADD CONSTRAINT "FK_d40afe32d1d771bea7a5f468185" FOREIGN KEY ("owner_id") REFERENCES "account"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "code_version" ADD CONSTRAINT "FK_c473d571fc73ee8fcfa02bd9940" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "code_version" ADD CONSTRAINT "FK_a105247e6d2385803be5fc18fe9" FOREIGN KEY ("created_by_id") REFERENCES "account"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "invitation" ADD CONSTRAINT "FK_2fd4dd7b20dfbda65736f415269" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "invitation" ADD CONSTRAINT "FK_9fcebfddfa4369ac0e3c26dc8a3" FOREIGN KEY ("invited_by_id") REFERENCES "account"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "job" ADD CONSTRAINT "FK_e100e9f656d36fa3f74d01f04b5" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "membership" ADD CONSTRAINT "FK_2d427c9fcee4242d77174a9fccd" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "membership" ADD CONSTRAINT "FK_2771c409240b06ba165a531217e" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "run" ADD CONSTRAINT "FK_0d2649241beb27eaeb6744b9916" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "run" ADD CONSTRAINT "FK_f60ba61b252bd39ed100a8463c2" FOREIGN KEY ("job_id") REFERENCES "job"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "run" ADD CONSTRAINT "FK_0ca99a5f141fa846b15cbeb69de" FOREIGN KEY ("created_by_id") REFERENCES "account"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "run" ADD CONSTRAINT "FK_3151083c0a5d208a5a43a3bb620" FOREIGN KEY ("code_version_id") REFERENCES "code_version"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "variable" ADD CONSTRAINT "FK_1c47de8e7eeaa230fddecf96c33" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // RULES.md §5.1: every live workspace has exactly one owner. The partial unique index
    // membership_one_owner_key allows at most one; this deferred check, run at commit, refuses
    // any transaction that leaves a live workspace without one.
    await queryRunner.query(`CREATE FUNCTION atrium_check_workspace_owner() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE ws uuid;
      BEGIN
        IF TG_TABLE_NAME = 'workspace' THEN ws := NEW.id;
        ELSIF TG_OP = 'DELETE' THEN ws := OLD.workspace_id;
        ELSE ws := NEW.workspace_id;
        END IF;
        IF EXISTS (SELECT 1 FROM workspace w WHERE w.id = ws AND w.removed_at IS NULL)
           AND (SELECT count(*) FROM membership m WHERE m.workspace_id = ws AND m.role = 'OWNER') <> 1 THEN
          RAISE EXCEPTION 'workspace % must have exactly one owner', ws USING ERRCODE = '23514', CONSTRAINT = 'workspace_has_one_owner';
        END IF;
        IF TG_TABLE_NAME = 'membership' AND TG_OP = 'UPDATE' THEN
          IF OLD.workspace_id <> NEW.workspace_id THEN
            RAISE EXCEPTION 'a membership cannot move between workspaces' USING ERRCODE = '23514';
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE CONSTRAINT TRIGGER membership_owner_check AFTER INSERT OR UPDATE OR DELETE ON "membership" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION atrium_check_workspace_owner()`);
    await queryRunner.query(`CREATE CONSTRAINT TRIGGER workspace_owner_check AFTER INSERT OR UPDATE OF removed_at ON "workspace" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION atrium_check_workspace_owner()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER workspace_owner_check ON "workspace"`);
    await queryRunner.query(`DROP TRIGGER membership_owner_check ON "membership"`);
    await queryRunner.query(`DROP FUNCTION atrium_check_workspace_owner()`);
    await queryRunner.query(`ALTER TABLE "variable" DROP CONSTRAINT "FK_1c47de8e7eeaa230fddecf96c33"`);
    await queryRunner.query(`ALTER TABLE "run" DROP CONSTRAINT "FK_3151083c0a5d208a5a43a3bb620"`);
    await queryRunner.query(`ALTER TABLE "run" DROP CONSTRAINT "FK_0ca99a5f141fa846b15cbeb69de"`);
    await queryRunner.query(`ALTER TABLE "run" DROP CONSTRAINT "FK_f60ba61b252bd39ed100a8463c2"`);
    await queryRunner.query(`ALTER TABLE "run" DROP CONSTRAINT "FK_0d2649241beb27eaeb6744b9916"`);
    await queryRunner.query(`ALTER TABLE "membership" DROP CONSTRAINT "FK_2771c409240b06ba165a531217e"`);
    await queryRunner.query(`ALTER TABLE "membership" DROP CONSTRAINT "FK_2d427c9fcee4242d77174a9fccd"`);
    await queryRunner.query(`ALTER TABLE "job" DROP CONSTRAINT "FK_e100e9f656d36fa3f74d01f04b5"`);
    await queryRunner.query(`ALTER TABLE "invitation" DROP CONSTRAINT "FK_9fcebfddfa4369ac0e3c26dc8a3"`);
    await queryRunner.query(`ALTER TABLE "invitation" DROP CONSTRAINT "FK_2fd4dd7b20dfbda65736f415269"`);
    await queryRunner.query(`ALTER TABLE "code_version" DROP CONSTRAINT "FK_a105247e6d2385803be5fc18fe9"`);
    await queryRunner.query(`ALTER TABLE "code_version" DROP CONSTRAINT "FK_c473d571fc73ee8fcfa02bd9940"`);
    await queryRunner.query(`ALTER TABLE "project" DROP CONSTRAINT "FK_d40afe32d1d771bea7a5f468185"`);
    await queryRunner.query(`ALTER TABLE "project" DROP CONSTRAINT "FK_5cb157e3d3ab8abd16251129dba"`);
    await queryRunner.query(`ALTER TABLE "token" DROP CONSTRAINT "FK_6121d7a5eafbe71fba146a98fd3"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "FK_f44b7e9c0d50176bc07e018f637"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "FK_3eb7f6b11b92bd87e16c05fca40"`);
    await queryRunner.query(`ALTER TABLE "password_reset" DROP CONSTRAINT "FK_c491bba845232ca65b799a63252"`);
    await queryRunner.query(`DROP TABLE "variable"`);
    await queryRunner.query(`DROP INDEX "public"."run_project_idx"`);
    await queryRunner.query(`DROP INDEX "public"."run_job_idx"`);
    await queryRunner.query(`DROP TABLE "run"`);
    await queryRunner.query(`DROP INDEX "public"."membership_one_owner_key"`);
    await queryRunner.query(`DROP INDEX "public"."membership_account_idx"`);
    await queryRunner.query(`DROP TABLE "membership"`);
    await queryRunner.query(`DROP INDEX "public"."outbox_email_due_idx"`);
    await queryRunner.query(`DROP TABLE "outbox_email"`);
    await queryRunner.query(`DROP TABLE "job"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_one_pending_key"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_email_idx"`);
    await queryRunner.query(`DROP INDEX "public"."invitation_token_key"`);
    await queryRunner.query(`DROP TABLE "invitation"`);
    await queryRunner.query(`DROP INDEX "public"."code_version_project_idx"`);
    await queryRunner.query(`DROP TABLE "code_version"`);
    await queryRunner.query(`DROP INDEX "public"."project_workspace_idx"`);
    await queryRunner.query(`DROP INDEX "public"."project_owner_idx"`);
    await queryRunner.query(`DROP INDEX "public"."project_purge_idx"`);
    await queryRunner.query(`DROP TABLE "project"`);
    await queryRunner.query(`DROP INDEX "public"."token_account_idx"`);
    await queryRunner.query(`DROP INDEX "public"."token_hash_key"`);
    await queryRunner.query(`DROP TABLE "token"`);
    await queryRunner.query(`DROP TABLE "rate_limit"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_workspace_idx"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP INDEX "public"."workspace_purge_idx"`);
    await queryRunner.query(`DROP INDEX "public"."workspace_public_idx"`);
    await queryRunner.query(`DROP TABLE "workspace"`);
    await queryRunner.query(`DROP INDEX "public"."password_reset_hash_key"`);
    await queryRunner.query(`DROP INDEX "public"."password_reset_account_idx"`);
    await queryRunner.query(`DROP TABLE "password_reset"`);
    await queryRunner.query(`DROP INDEX "public"."account_email_key"`);
    await queryRunner.query(`DROP TABLE "account"`);
  }
}
