import { Pool } from 'pg';
import type { QueryRunner } from 'typeorm';
import { createDataSource } from './data-source';
import { PreparingClient } from './prepared';
import { classifyError } from '../errors-format';
import { cloneTemplateDatabase } from '../test/harness';

describe('prepared statements (db/prepared.ts)', () => {
  let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
  /** Runs `body` on one connection of a fresh pool, so prepared statements start from none. */
  const onOneConnection = async (body: (runner: QueryRunner) => Promise<void>) => {
    const source = createDataSource({ url: clone.url, poolSize: 1 });
    await source.initialize();
    const runner = source.createQueryRunner();
    try {
      await body(runner);
    } finally {
      await runner.release();
      await source.destroy();
    }
  };
  const preparedNames = async (runner: QueryRunner) =>
    ((await runner.query('SELECT name FROM pg_prepared_statements')) as { name: string }[]).map((r) => r.name);

  beforeAll(async () => {
    clone = await cloneTemplateDatabase();
  });
  afterAll(() => clone.drop());

  it('prepares a parameterized statement from its second use, once per connection, and leaves unparameterized ones alone', async () => {
    await onOneConnection(async (runner) => {
      const text = 'SELECT $1::int + 1 AS n';
      expect(await runner.query(text, [1])).toEqual([{ n: 2 }]);
      expect(await preparedNames(runner)).toEqual([]);
      expect(await runner.query(text, [41])).toEqual([{ n: 42 }]);
      expect(await runner.query(text, [99])).toEqual([{ n: 100 }]);
      await runner.query('SELECT 1 AS one');
      const names = await preparedNames(runner);
      expect(names.filter((n) => n.startsWith('atrium_'))).toHaveLength(1);
    });
  });

  it('prepares at most 500 statements on one connection and still runs the rest', async () => {
    await onOneConnection(async (runner) => {
      for (let i = 0; i < 520; i++) {
        for (let use = 0; use < 2; use++) expect(await runner.query(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: i + 1 }]);
      }
      expect((await preparedNames(runner)).length).toBe(500);
    });
  });

  it('prepares a statement again after its first Parse failed inside an aborted transaction', async () => {
    const text = 'SELECT $1::text AS echoed';
    await onOneConnection(async (runner) => {
      await runner.startTransaction();
      await expect(runner.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      await expect(runner.query(text, ['a'])).rejects.toThrow(/current transaction is aborted/);
      await runner.rollbackTransaction();
      expect(await runner.query(text, ['b'])).toEqual([{ echoed: 'b' }]);
      expect(await runner.query(text, ['c'])).toEqual([{ echoed: 'c' }]);
    });
  });

  it("rejects a named statement's error to its caller and keeps the connection usable", async () => {
    await onOneConnection(async (runner) => {
      const text = 'SELECT $1::int AS n';
      expect(await runner.query(text, [1])).toEqual([{ n: 1 }]);
      expect(await runner.query(text, [2])).toEqual([{ n: 2 }]);
      expect(await preparedNames(runner)).toHaveLength(1);
      // The third use goes through the named statement; PostgreSQL refuses the value.
      await expect(runner.query(text, ['not a number'])).rejects.toThrow(/invalid input syntax for type integer/);
      expect(await runner.query(text, [3])).toEqual([{ n: 3 }]);
    });
  });

  describe('read timeout', () => {
    /** A pool like the data source's, with pg's query_timeout short enough for a test. */
    const pool = () =>
      new Pool({ connectionString: clone.url, max: 1, Client: PreparingClient, query_timeout: 1_000 } as ConstructorParameters<typeof Pool>[0]);

    it('fails a statement the database has not answered within the timeout, as a database outage, and the pool goes on', async () => {
      const p = pool();
      try {
        const started = Date.now();
        const failure = await p.query('SELECT pg_sleep(5)').then(
          () => null,
          (error: Error) => error,
        );
        expect(failure?.message).toMatch(/Query read timeout/);
        expect(classifyError(failure)).toBe('unavailable');
        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        expect(Date.now() - started).toBeLessThan(4_500);
        expect((await p.query('SELECT $1::int AS n', [7])).rows).toEqual([{ n: 7 }]);
      } finally {
        await p.end();
      }
    });

    it('leaves idle connections and statements answered in time alone, however long the connection lives', async () => {
      const p = pool();
      try {
        const client = await p.connect();
        try {
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          for (let i = 0; i < 30; i++) expect((await client.query('SELECT pg_sleep(0.02), $1::int AS n', [i])).rows[0].n).toBe(i);
        } finally {
          client.release();
        }
        expect(p.totalCount).toBe(1);
      } finally {
        await p.end();
      }
    });
  });
});
