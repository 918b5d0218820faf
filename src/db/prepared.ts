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
          const query = new Query(config, values, done as never) as Query & { name?: string };
          query.name = name;
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
