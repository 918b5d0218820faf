import { Client, Query, type ClientConfig } from 'pg';

/**
 * A pg client that runs parameterized statements as named prepared statements, so PostgreSQL
 * parses and plans each statement text once per connection instead of on every call (the people
 * page's statement spent longer in the planner than in execution). TypeORM hands its queries to
 * the pool as `query(text, values, callback)`; statements without parameters (BEGIN, COMMIT, SET,
 * DDL) keep the simple protocol.
 *
 * A text gets a name on its second use, so one-off texts (an IN list of an unusual length, a rare
 * page size) never take one. Prepared statements live as long as their connection, so the number
 * is bounded: MAX_NAMES texts in all (the code's statements, whose texts are fixed) and
 * MAX_PER_CONNECTION on one connection; beyond either bound a text runs unprepared, as before.
 * pg itself re-parses a name whose Parse failed. Behind a transaction-mode PgBouncer, set
 * `max_prepared_statements` there.
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

type Callback = (error: Error | null, result?: unknown) => void;

export interface PreparingClientConfig extends ClientConfig {
  /**
   * Client side: a connection that owes an answer and has received none for this long is closed,
   * failing its statement with "Query read timeout" — for when the network, not PostgreSQL, is
   * stuck (statement_timeout covers a slow statement). Used instead of pg's `query_timeout`.
   */
  readTimeoutMillis?: number;
}

export class PreparingClient extends Client {
  /** pg's own flag (undeclared by @types/pg): false from a statement's dispatch to its ReadyForQuery. */
  declare readyForQuery: boolean;
  private readonly preparedHere = new Set<string>();
  /** What this connection's prepared statements answer with, by name (see DescribedQuery). */
  private readonly described = new Map<string, Described>();
  /** ReadyForQuery messages received: each ends a statement (the first ends the startup). */
  private answers = 0;
  /** What the last sweep saw: the answer count, and since when the connection has owed the next one. */
  private owed?: { answers: number; since: number };

  constructor(config?: PreparingClientConfig) {
    super(config);
    const timeout = config?.readTimeoutMillis;
    if (timeout && timeout > 0) {
      this.connection.on('readyForQuery', () => void this.answers++);
      this.once('connect', () => readTimeouts.watch(this, timeout));
      this.once('end', () => readTimeouts.forget(this));
    }
  }

  /** Called by the sweep: closes the connection once it has owed an answer for `timeout` ms. */
  sweep(now: number, timeout: number): void {
    if (this.readyForQuery) {
      this.owed = undefined;
    } else if (!this.owed || this.owed.answers !== this.answers) {
      this.owed = { answers: this.answers, since: now };
    } else if (now - this.owed.since >= timeout) {
      readTimeouts.forget(this);
      // pg fails the statement in progress and every queued one with this error, and the client
      // emits it: the pool (or queryRows's listener) retires the connection. Whoever holds a
      // client checked out of the pool must listen for 'error' (pool.query, TypeORM's runner and
      // queryRows do), or the emitted error ends the process.
      this.connection.stream.destroy(new Error(`Query read timeout: no answer from the database for ${timeout} ms`));
    }
  }

  // pg's query() has a dozen overloads; this one only reroutes the (text, values[, callback]) form.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = nameOf(config);
      if (name && (this.preparedHere.has(name) || this.preparedHere.size < MAX_PER_CONNECTION)) {
        this.preparedHere.add(name);
        // A Query built from the text and named afterwards: given a config object, pg copies it
        // through property descriptors on every call (cloneQueryConfig, 3 % of a small request's
        // CPU); given a string, it does not.
        const submit = (done: Callback) => {
          const query = new DescribedQuery(config, values, done as never, this.described);
          (query as unknown as QueryInternals).name = name;
          super.query(query);
        };
        if (typeof callback === 'function') return submit(callback as Callback);
        // TypeORM's form: a promise, rejected with a stack trace that leads back to the caller, as pg does it.
        return new Promise((resolve, reject) =>
          submit((error, result) => {
            if (!error) return resolve(result);
            Error.captureStackTrace(error);
            reject(error);
          }),
        );
      }
    }
    return super.query(config, values, callback);
  }
}

/** A prepared statement's answer shape as pg's Result holds it (fields, their parsers, the empty row). */
interface Described {
  fields: unknown[];
  parsers: unknown[] | undefined;
  emptyRow: Record<string, null>;
}

/** The parts of pg's Query and Result (pg 8.23) that DescribedQuery reads and writes. */
interface QueryInternals {
  name?: string;
  text: string;
  types?: unknown;
  portal: string;
  values: unknown[];
  binary?: boolean;
  rows?: number;
  callback?: unknown;
  _accumulateRows: unknown;
  _result: { fields: unknown[]; _parsers: unknown[] | undefined; _prebuiltEmptyResultObject: Record<string, null> | null };
  hasBeenParsed(connection: unknown): boolean;
  handleError(error: Error, connection: unknown): void;
  _getRows(connection: unknown, rows?: number): void;
}

type Wire = {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(query: { text: string; name?: string; types?: unknown }): void;
  describe(message: { type: string; name: string }): void;
  bind(config: { portal: string; statement?: string; values: unknown[]; binary?: boolean; valueMapper: unknown }): void;
  close(message: { type: string; name?: string }): void;
  sync(): void;
};

// pg's value mapper for Bind, which pg's own prepare passes (not part of its typed API).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: unknown };

/**
 * A named statement's query that asks PostgreSQL to describe its answer once per connection.
 * pg sends Describe with every execution, and PostgreSQL answers with a RowDescription that it
 * builds column by column (a catalogue look-up for each column's type) and pg parses into field
 * objects, type parsers and a template row, all the same every time: a prepared statement's result
 * columns cannot change without PostgreSQL refusing to run it ("cached plan must not change result
 * type"). So the first answer's description is kept for the connection and later executions send
 * only Bind, Execute and Sync, with pg's Result given the kept description. Statements that
 * answer with no rows (no RowDescription) keep pg's way.
 */
class DescribedQuery extends Query {
  constructor(config: string, values: unknown[], callback: Callback, private readonly described: Map<string, Described>) {
    super(config, values, callback as never);
  }

  // pg's Query.prepare (pg 8.23), less the Describe when the description is known, and forgetting a
  // statement it closes.
  prepare(connection: Wire): void {
    const self = this as unknown as QueryInternals;
    const name = self.name;
    const parsed = self.hasBeenParsed(connection);
    if (!parsed) {
      connection.parse({ text: self.text, name, types: self.types });
      if (name) connection.submittedNamedStatements[name] = self.text;
    }
    try {
      connection.bind({ portal: self.portal, statement: name, values: self.values, binary: self.binary, valueMapper: prepareValue });
    } catch (error) {
      // A value pg cannot send: pg closes the statement, but would go on taking it for prepared on
      // this connection, and every later use of it here would fail ("prepared statement does not exist").
      connection.close({ type: 'S', name });
      connection.sync();
      if (name) {
        delete connection.parsedStatements[name];
        delete connection.submittedNamedStatements[name];
        this.described.delete(name);
      }
      self.handleError(error as Error, connection);
      return;
    }
    const known = parsed && name ? this.described.get(name) : undefined;
    if (known) {
      const result = self._result;
      result.fields = known.fields;
      result._parsers = known.parsers;
      result._prebuiltEmptyResultObject = known.emptyRow;
      self._accumulateRows = self.callback || !this.listeners('row').length;
    } else {
      connection.describe({ type: 'P', name: self.portal });
    }
    self._getRows(connection, self.rows);
  }

  handleRowDescription(message: unknown): void {
    (Query.prototype as unknown as { handleRowDescription(message: unknown): void }).handleRowDescription.call(this, message);
    const self = this as unknown as QueryInternals;
    const result = self._result;
    if (self.name !== undefined && result._prebuiltEmptyResultObject) {
      this.described.set(self.name, { fields: result.fields, parsers: result._parsers, emptyRow: result._prebuiltEmptyResultObject });
    }
  }
}

/**
 * The read timeouts of all open clients, checked by one interval (a quarter of the shortest
 * timeout watched since the last time none was, at most a second: a connection is closed between
 * `timeout` and `timeout` plus one interval after its last answer) instead of pg's `query_timeout`, which sets a timer and two closures
 * for every statement: measured on W1, those kept each answer's rows reachable by the
 * young-generation collector until the next full collection (about 30 KB per statement promoted),
 * which made the collector's pauses two to three times longer. The interval does not keep the
 * process alive and stops when no client is watched.
 */
const readTimeouts = (() => {
  const watched = new Map<PreparingClient, number>();
  let timer: NodeJS.Timeout | undefined;
  let every = Infinity;
  const sweep = () => {
    const now = performance.now();
    for (const [client, timeout] of watched) client.sweep(now, timeout);
  };
  return {
    watch(client: PreparingClient, timeout: number) {
      watched.set(client, timeout);
      const wanted = Math.min(1_000, Math.max(10, Math.floor(timeout / 4)));
      if (timer && wanted >= every) return;
      clearInterval(timer);
      every = wanted;
      timer = setInterval(sweep, every).unref();
    },
    forget(client: PreparingClient) {
      watched.delete(client);
      if (watched.size || !timer) return;
      clearInterval(timer);
      timer = undefined;
      every = Infinity;
    },
  };
})();
