import { Client } from 'pg';

/**
 * A pg client that runs parameterized statements as named prepared statements (pg's
 * `{ name, text, values }`), so PostgreSQL parses and plans each statement text once per
 * connection instead of on every call (the people page's statement spent longer in the planner
 * than in execution). TypeORM hands its queries to the pool as `query(text, values, callback)`;
 * statements without parameters (BEGIN, COMMIT, SET, DDL) keep the simple protocol.
 *
 * A text gets a name on its second use, so one-off texts (an IN list of an unusual length, a rare
 * page size) never take one. Prepared statements live as long as their connection, so the number
 * is bounded: MAX_NAMES texts in all (the code's statements, whose texts are fixed) and
 * MAX_PER_CONNECTION on one connection; beyond either bound a text runs unprepared. Behind a
 * transaction-mode PgBouncer, set `max_prepared_statements` there.
 */
const MAX_NAMES = 2_000;
const MAX_PER_CONNECTION = 500;
/** Texts seen once, waiting for a second use; cleared when full. */
const MAX_SEEN = 10_000;

/** Statement text → its name, the same on every connection. */
const names = new Map<string, string>();
const seenOnce = new Set<string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMES) {
    if (!seenOnce.has(text)) {
      if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
      seenOnce.add(text);
      return undefined;
    }
    seenOnce.delete(text);
    name = `atrium_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

export class PreparingClient extends Client {
  private readonly preparedHere = new Set<string>();

  // pg's query() has a dozen overloads; this one only reroutes the (text, values[, callback]) form.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = nameOf(config);
      if (name && (this.preparedHere.has(name) || this.preparedHere.size < MAX_PER_CONNECTION)) {
        this.preparedHere.add(name);
        return super.query({ name, text: config, values }, callback);
      }
    }
    return super.query(config, values, callback);
  }
}
