import fc from 'fast-check';
import { types } from 'pg';
import { parseTimestamptz } from './timestamps';
import { cloneTemplateDatabase } from '../test/harness';
import { Client } from 'pg';

const pgParse = types.getTypeParser(1184, 'text') as (text: string) => Date;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** timestamptz text as PostgreSQL writes it (DateStyle ISO) for an instant seen at an offset. */
function pgText(ms: number, micros: number, offsetMinutes: number, fractionDigits: number): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const fraction = fractionDigits ? '.' + pad(local.getUTCMilliseconds() * 1000 + micros, 6).slice(0, fractionDigits) : '';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 ? ':' + pad(abs % 60) : ''}`;
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${offset}`
  );
}

describe('parseTimestamptz (db/timestamps.ts)', () => {
  it("reads every ISO timestamptz text exactly as pg's own parser does", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9998, 11, 31) }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: -12 * 4, max: 14 * 4 }).map((quarters) => quarters * 15),
        fc.integer({ min: 0, max: 6 }),
        (ms, micros, offset, digits) => {
          const text = pgText(ms, micros, offset, digits);
          expect(parseTimestamptz(text).getTime()).toBe(pgParse(text).getTime());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("hands unusual shapes to pg's parser", () => {
    for (const text of [
      '0050-06-01 12:00:00+00',
      '0001-01-01 00:00:00+00',
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00 BC',
      '12026-01-01 00:00:00+00',
      '1890-01-01 00:00:00+00:53:28',
      '2026-02-30 00:00:00+00',
    ]) {
      const ours = parseTimestamptz(text);
      const theirs = pgParse(text);
      expect(String(ours)).toBe(String(theirs));
    }
  });

  it('reads what PostgreSQL itself sends, in any session time zone', async () => {
    const clone = await cloneTemplateDatabase();
    const client = new Client({ connectionString: clone.url });
    await client.connect();
    try {
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham']) {
        await client.query(`SET TIME ZONE '${zone}'`);
        const { rows } = await client.query(
          `SELECT t::text AS text, (extract(epoch FROM t) * 1000)::float8 AS ms
             FROM (VALUES (timestamptz '2026-11-23 02:51:02.123456+00'), ('1970-01-01 00:00:00+00'), ('2024-02-29 23:59:59.999+00')) v(t)`,
        );
        for (const row of rows) expect(parseTimestamptz(row.text).getTime()).toBe(Math.floor(row.ms));
      }
    } finally {
      await client.end();
      await clone.drop();
    }
  });
});
