import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * rate_limit goes from one counter per fixed window to one row per counted request (a sliding
 * window, auth/rate-limit.ts). Counters still in the table are kept as units counted at the start
 * of their window, so no limit forgets them when the new code starts.
 */
export class SlidingRateLimit1796685503955 implements MigrationInterface {
  name = 'SlidingRateLimit1796685503955';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rate_limit" DROP CONSTRAINT "PK_242df04b6c2ab8f64e747523191"`);
    await queryRunner.query(`DELETE FROM "rate_limit" WHERE "count" <= 0`);
    await queryRunner.query(`ALTER TABLE "rate_limit" RENAME COLUMN "window_start" TO "at"`);
    await queryRunner.query(`ALTER TABLE "rate_limit" ADD "id" BIGSERIAL NOT NULL`);
    await queryRunner.query(`ALTER TABLE "rate_limit" ADD CONSTRAINT "PK_51ea620fc09d92f5dc3cdc46a70" PRIMARY KEY ("id")`);
    await queryRunner.query(`ALTER TABLE "rate_limit" ALTER COLUMN "count" SET DEFAULT '1'`);
    await queryRunner.query(`CREATE INDEX "rate_limit_at_idx" ON "rate_limit" ("at") `);
    await queryRunner.query(`CREATE INDEX "rate_limit_key_at_idx" ON "rate_limit" ("key", "at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Counted requests do not map onto fixed windows; going back forgets them (they last an hour or a day).
    await queryRunner.query(`DELETE FROM "rate_limit"`);
    await queryRunner.query(`DROP INDEX "public"."rate_limit_key_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."rate_limit_at_idx"`);
    await queryRunner.query(`ALTER TABLE "rate_limit" ALTER COLUMN "count" SET DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "rate_limit" DROP CONSTRAINT "PK_51ea620fc09d92f5dc3cdc46a70"`);
    await queryRunner.query(`ALTER TABLE "rate_limit" DROP COLUMN "id"`);
    await queryRunner.query(`ALTER TABLE "rate_limit" RENAME COLUMN "at" TO "window_start"`);
    await queryRunner.query(`ALTER TABLE "rate_limit" ADD CONSTRAINT "PK_242df04b6c2ab8f64e747523191" PRIMARY KEY ("key", "window_start")`);
  }
}
