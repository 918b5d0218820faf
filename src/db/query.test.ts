import { QueryFailedError, type Logger } from 'typeorm';
import { clonedDataSource } from '../test/harness';
import { queryRows } from './query';

const logged: string[] = [];
const logger: Logger = {
  logQuery: (sql) => void logged.push(sql),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};
const fx = clonedDataSource((db) => db.setOptions({ logging: ['query'], logger }));

it('returns the rows, and the configured logger sees the statement', async () => {
  expect(await queryRows(fx.db, 'SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
  expect(await queryRows(fx.db.manager, 'SELECT $1::text AS s', ['x'])).toEqual([{ s: 'x' }]);
  expect(logged).toEqual(expect.arrayContaining(['SELECT $1::int + 1 AS n', 'SELECT $1::text AS s']));
});

it('fails as TypeORM would: a QueryFailedError carrying the SQLSTATE', async () => {
  const error = await queryRows(fx.db, 'SELECT * FROM no_such_table WHERE id = $1', [1]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryFailedError);
  expect(error).toMatchObject({ code: '42P01', driverError: expect.objectContaining({ code: '42P01' }) });
  // The pool is still usable afterwards.
  expect(await queryRows(fx.db, 'SELECT $1::int AS n', [1])).toEqual([{ n: 1 }]);
});

it('keeps a connection after a statement PostgreSQL refused, and retires one that was lost', async () => {
  const pid = async () => (await queryRows<{ pid: number }>(fx.db, 'SELECT pg_backend_pid() AS pid, $1::int AS n', [1]))[0].pid;
  const before = await pid();
  await expect(queryRows(fx.db, 'SELECT 1 / $1::int', [0])).rejects.toMatchObject({ code: '22012' });
  // The same connection, with its prepared statements, serves the next statement.
  expect(await pid()).toBe(before);
  // A connection terminated under a statement (FATAL) is not handed out again.
  await expect(queryRows(fx.db, 'SELECT pg_terminate_backend(pg_backend_pid()) AND $1::boolean', [true])).rejects.toBeInstanceOf(QueryFailedError);
  const after = await pid();
  expect(after).not.toBe(before);
  expect(await pid()).toBe(after);
});

it('survives its connection being killed under a running statement, and retires it', async () => {
  const running = queryRows(fx.db, 'SELECT pg_sleep($1::float8)', [10]);
  let pid: number | undefined;
  for (let i = 0; i < 100 && !pid; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    pid = (await fx.db.query(`SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()`))[0]?.pid;
  }
  expect(pid).toBeDefined();
  await fx.db.query('SELECT pg_terminate_backend($1)', [pid]);
  await expect(running).rejects.toBeInstanceOf(QueryFailedError);
  expect(await queryRows(fx.db, 'SELECT $1::int AS n', [1])).toEqual([{ n: 1 }]);
});

it("runs inside a transaction on the transaction's own connection", async () => {
  await fx.db.transaction(async (tx) => {
    await tx.query(`SET LOCAL application_name = 'inside'`);
    expect(await queryRows(tx, 'SELECT current_setting($1) AS v', ['application_name'])).toEqual([{ v: 'inside' }]);
  });
  expect(await queryRows(fx.db, 'SELECT current_setting($1) AS v', ['application_name'])).toEqual([{ v: 'atrium' }]);
});
