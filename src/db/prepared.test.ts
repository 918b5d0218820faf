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

  it('rejects a named statement\'s error to its caller and keeps the connection usable', async () => {
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

  describe('answer descriptions', () => {
    /** One PreparingClient of its own, and how many RowDescription messages it has received. */
    const described = async (body: (client: PreparingClient, descriptions: () => number) => Promise<void>) => {
      const client = new PreparingClient({ connectionString: clone.url });
      await client.connect();
      let count = 0;
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('rowDescription', () => void count++);
      try {
        await body(client, () => count);
      } finally {
        await client.end();
      }
    };

    it('asks PostgreSQL to describe a prepared statement\'s answer once per connection and reads later answers with it', async () => {
      await described(async (client, descriptions) => {
        const text = `SELECT $1::int AS n, $2::timestamptz AS at, $3::text AS maybe, '\\x0102'::bytea AS bytes, $1::int + 1 AS next`;
        const at = new Date('2026-01-02T03:04:05.678Z');
        const answers = [];
        for (let i = 0; i < 5; i++) answers.push((await client.query(text, [i, at, i % 2 ? null : 'x'])) as { rows: unknown[]; fields: { name: string }[] });
        // The first use runs unnamed, the second prepares the name (both described); the rest are not.
        expect(descriptions()).toBe(2);
        answers.forEach((answer, i) => {
          expect(answer.rows).toEqual([{ n: i, at, maybe: i % 2 ? null : 'x', bytes: Buffer.from([1, 2]), next: i + 1 }]);
          expect(answer.fields.map((f) => f.name)).toEqual(['n', 'at', 'maybe', 'bytes', 'next']);
        });
        // Another connection describes it once too (the text has its name already, so its first use prepares it).
        await described(async (other, otherDescriptions) => {
          for (let i = 0; i < 3; i++) expect((await other.query(text, [i, at, 'y'])).rows).toEqual([{ n: i, at, maybe: 'y', bytes: Buffer.from([1, 2]), next: i + 1 }]);
          expect(otherDescriptions()).toBe(1);
        });
      });
    });

    it('relies on PostgreSQL refusing a prepared statement whose answer changed shape, never reading it with the old description', async () => {
      await described(async (client) => {
        await client.query('CREATE TEMP TABLE shaped (id int, a text)');
        await client.query(`INSERT INTO shaped VALUES (1, 'one')`);
        const text = 'SELECT * FROM shaped WHERE id = $1';
        for (let i = 0; i < 3; i++) expect((await client.query(text, [1])).rows).toEqual([{ id: 1, a: 'one' }]);
        await client.query(`ALTER TABLE shaped ADD COLUMN b text DEFAULT 'two'`);
        await expect(client.query(text, [1])).rejects.toThrow(/cached plan must not change result type/);
        expect((await client.query('SELECT $1::int AS n', [5])).rows).toEqual([{ n: 5 }]);
      });
    });

    it('recovers from a value that cannot be sent for a described statement and goes on', async () => {
      await described(async (client, descriptions) => {
        const text = 'SELECT $1::text AS echoed, 1 AS sent';
        for (let i = 0; i < 3; i++) await client.query(text, [`v${i}`]);
        const unsendable = { toPostgres: () => { throw new Error('cannot send this'); } };
        await expect(client.query(text, [unsendable])).rejects.toThrow(/cannot send this/);
        // pg closed the statement when the value failed: it is prepared and described anew (pg alone
        // would go on binding the closed name: "prepared statement does not exist").
        expect((await client.query(text, ['after'])).rows).toEqual([{ echoed: 'after', sent: 1 }]);
        expect((await client.query(text, ['again'])).rows).toEqual([{ echoed: 'again', sent: 1 }]);
        expect(descriptions()).toBe(3);
      });
    });

    it('keeps the whole exchange for statements that answer with no rows', async () => {
      await described(async (client) => {
        await client.query('CREATE TEMP TABLE counted (n int)');
        for (let i = 0; i < 4; i++) expect((await client.query('INSERT INTO counted VALUES ($1)', [i])).rowCount).toBe(1);
        expect((await client.query('SELECT count(*)::int AS n FROM counted WHERE n >= $1', [0])).rows).toEqual([{ n: 4 }]);
      });
    });
  });

  describe('read timeout', () => {
    /** A pool like the data source's, with a read timeout short enough for a test. */
    const pool = () => new Pool({ connectionString: clone.url, max: 1, Client: PreparingClient, readTimeoutMillis: 1_000 } as ConstructorParameters<typeof Pool>[0]);

    it('fails a statement the database has not answered within the timeout, as a database outage, and the pool goes on', async () => {
      const p = pool();
      try {
        const started = Date.now();
        const failure = await p.query('SELECT pg_sleep(5)').then(() => null, (error: Error) => error);
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

