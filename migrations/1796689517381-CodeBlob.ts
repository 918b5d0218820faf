import { MigrationInterface, QueryRunner } from 'typeorm';

export class CodeBlob1796689517381 implements MigrationInterface {
  name = 'CodeBlob1796689517381';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "code_blob" ("storage_key" character varying(255) NOT NULL, "seq" integer NOT NULL, "data" bytea NOT NULL, CONSTRAINT "PK_aad81647d866d8966a6ef2c686c" PRIMARY KEY ("storage_key", "seq"))`);
    // Archives are zip or tar.gz, already compressed: stored out of line without a second
    // compression attempt, which would cost CPU on every push for nothing.
    await queryRunner.query(`ALTER TABLE "code_blob" ALTER COLUMN "data" SET STORAGE EXTERNAL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "code_blob"`);
  }
}
