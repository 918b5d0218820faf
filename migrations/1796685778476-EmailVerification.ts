import { MigrationInterface, QueryRunner } from 'typeorm';

export class EmailVerification1796685778476 implements MigrationInterface {
  name = 'EmailVerification1796685778476';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "email_verification" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "account_id" uuid NOT NULL, "token_hash" bytea NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b985a8362d9dac51e3d6120d40e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "email_verification_account_idx" ON "email_verification" ("account_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "email_verification_hash_key" ON "email_verification" ("token_hash") `);
    await queryRunner.query(`ALTER TABLE "account" ADD "email_verified_at" TIMESTAMP(3) WITH TIME ZONE`);
    // Accounts from before verification existed count as verified: they signed up under the old
    // rules and may hold invitations they mean to accept; hiding those from every existing person
    // would break more than it protects. Only accounts created from now on must prove the address.
    await queryRunner.query(`UPDATE "account" SET "email_verified_at" = "created_at"`);
    await queryRunner.query(`ALTER TABLE "email_verification" ADD CONSTRAINT "FK_c58b73b6bb07864e5592cfd3b31" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "email_verification" DROP CONSTRAINT "FK_c58b73b6bb07864e5592cfd3b31"`);
    await queryRunner.query(`ALTER TABLE "account" DROP COLUMN "email_verified_at"`);
    await queryRunner.query(`DROP INDEX "public"."email_verification_hash_key"`);
    await queryRunner.query(`DROP INDEX "public"."email_verification_account_idx"`);
    await queryRunner.query(`DROP TABLE "email_verification"`);
  }
}
