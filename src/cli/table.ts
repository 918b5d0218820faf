/** A column of a printed table: its heading and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | null | undefined;
}

/** Renders rows as a plain aligned table (two spaces between columns), or a note when there are none. */
export function table<T>(rows: T[], columns: Column<T>[], empty = 'Nothing to show.'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((c) => clean(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** One line per cell: newlines and tabs in names would break the alignment. */
function clean(value: string | null | undefined): string {
  return (value ?? '').replace(/\s+/g, ' ').trim() || (value === null || value === undefined ? '-' : '');
}

/** `2026-11-23T01:02:03.000Z` → `2026-11-23 01:02` (UTC). */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').slice(0, 16);
}
