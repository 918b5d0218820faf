import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Pool } from 'pg';
import type { BackgroundJob } from '../jobs';
import { RunStatus } from '../common/enums';

/** Seconds; from a cached read to a slow mutation, and the 15-second statement timeout beyond. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];
/** Getting a pooled connection: instant when one is idle, up to the pool's 5-second timeout when not. */
const ACQUIRE_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Runs by status are counted at most this often, however often Prometheus scrapes. */
const RUN_COUNT_TTL_MS = 10_000;

/** Paths with a label of their own; anything else is `other`, so a scanner's URLs cannot grow the label set. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);
const routeOf = (path: string) => (ROUTES.has(path) ? path : path.startsWith('/playground/') ? '/playground' : 'other');
const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);
/** Error codes are a fixed set (docs/RULES.md); anything unexpected is folded into one label value. */
const codeOf = (code: unknown) => (typeof code === 'string' && /^[A-Z][A-Z_]{0,39}$/.test(code) ? code : 'OTHER');

/**
 * The process's metrics (GET /metrics, observability/metrics-route.ts) in a registry of their own,
 * so each server the tests start counts from zero. Only built when METRICS_TOKEN is set: without
 * it nothing is counted and no hook is installed.
 */
export class AtriumMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'atrium_http_requests_total',
    help: 'HTTP requests answered, by route, method and status code.',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'atrium_http_request_duration_seconds',
    help: 'Time from the request to the last byte of the answer, by route.',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: 'atrium_graphql_operations_total',
    help: "GraphQL operations answered, by operation type (query, mutation; none when the document did not resolve to one) and outcome code (OK, or the first error's code).",
    labelNames: ['operation', 'code'],
    registers: [this.registry],
  });
  private readonly operationDuration = new Histogram({
    name: 'atrium_graphql_operation_duration_seconds',
    help: 'Time from parsing a GraphQL request to its answer, by operation type.',
    labelNames: ['operation'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly poolWaits = new Counter({
    name: 'atrium_db_pool_waits_total',
    help: 'Connection requests that found every pooled connection busy and the pool full, so they queued.',
    registers: [this.registry],
  });
  private readonly poolAcquire = new Histogram({
    name: 'atrium_db_pool_acquire_seconds',
    help: 'Time to get a database connection from the pool (a wait in the queue, or opening a connection).',
    buckets: ACQUIRE_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobRuns = new Counter({
    name: 'atrium_background_job_runs_total',
    help: 'Passes of the background jobs (purge, mail, rate-limit pruning), by job and outcome (ok, failed).',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'atrium_background_job_duration_seconds',
    help: 'Time one pass of a background job took.',
    labelNames: ['job'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly mailDeliveries = new Counter({
    name: 'atrium_mail_deliveries_total',
    help: 'Outbox messages handed to SMTP (or written to files), by outcome (sent, failed: retried later or given up).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  constructor(private readonly db: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ['sent', 'failed']) this.mailDeliveries.inc({ outcome }, 0);
    this.poolWaits.inc(0);
    const pool = () => (db.isInitialized ? ((db.driver as unknown as { master?: Pool }).master ?? null) : null);
    const poolGauge = (name: string, help: string, read: (p: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    poolGauge('atrium_db_pool_connections', 'Open database connections in the pool.', (p) => p.totalCount);
    poolGauge('atrium_db_pool_idle_connections', 'Open database connections not in use.', (p) => p.idleCount);
    poolGauge('atrium_db_pool_waiting_requests', 'Requests waiting for a database connection right now.', (p) => p.waitingCount);
    poolGauge('atrium_db_pool_max_connections', "The pool's size limit (DATABASE_POOL_SIZE, divided among the workers).", (p) => p.options.max ?? 0);
    this.watchPool(pool());
    this.runsGauge();
  }

  /**
   * Times each connection request. TypeORM asks the pool for a connection through `connect` and
   * pg-pool has no event that carries a wait's length, so this instance's `connect` is wrapped.
   */
  private watchPool(pool: Pool | null) {
    if (!pool || (pool as { atriumWatched?: boolean }).atriumWatched) return;
    (pool as { atriumWatched?: boolean }).atriumWatched = true;
    const connect = pool.connect.bind(pool) as (cb?: (...args: unknown[]) => void) => unknown;
    const waits = this.poolWaits;
    const acquire = this.poolAcquire;
    (pool as { connect: unknown }).connect = (callback?: (...args: unknown[]) => void) => {
      if (pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10)) waits.inc();
      const started = performance.now();
      const observe = () => acquire.observe((performance.now() - started) / 1000);
      if (typeof callback === 'function') {
        return connect((...args: unknown[]) => {
          observe();
          callback(...args);
        });
      }
      return (connect() as Promise<unknown>).then((client) => {
        observe();
        return client;
      });
    };
  }

  /**
   * Runs by status, counted in the database (one GROUP BY over the run table) when scraped, at most
   * every RUN_COUNT_TTL_MS. With several workers each reports the same numbers, so the cluster's
   * figure is the largest, not the sum.
   */
  private runsGauge() {
    const db = this.db;
    let cached: { at: number; counts: Map<string, number> } | null = null;
    new Gauge({
      name: 'atrium_runs',
      help: 'Runs in the database, by status.',
      labelNames: ['status'],
      aggregator: 'max',
      registers: [this.registry],
      async collect() {
        if (!cached || performance.now() - cached.at > RUN_COUNT_TTL_MS) {
          try {
            const rows: { status: string; n: number }[] = await db.query('SELECT status, count(*)::int AS n FROM run GROUP BY status');
            cached = { at: performance.now(), counts: new Map(rows.map((r) => [r.status, r.n])) };
          } catch {
            // The database is down or slow: the scrape still answers, without this gauge (readyz reports the outage).
            this.reset();
            return;
          }
        }
        for (const status of Object.values(RunStatus)) this.set({ status }, cached.counts.get(status) ?? 0);
      },
    });
  }

  /** Express middleware counting every answer; mounted first, so refusals before Apollo count too. */
  http(): express.RequestHandler {
    return (req, res, next) => {
      const started = performance.now();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        // originalUrl: inside a router mounted on a path, req.path is the part after the mount point.
        const route = routeOf(req.originalUrl.split('?')[0]);
        // 499: the client went away before an answer (nginx's convention; the access log uses it too).
        const status = res.headersSent ? String(res.statusCode) : '499';
        this.httpRequests.inc({ route, method: METHODS.has(req.method) ? req.method : 'other', status });
        this.httpDuration.observe({ route }, (performance.now() - started) / 1000);
      };
      res.once('finish', finish);
      res.once('close', finish);
      next();
    };
  }

  /** Apollo plugin counting operations by type and outcome code, and timing them. */
  graphqlPlugin<T extends object>(): ApolloServerPlugin<T> {
    const operations = this.operations;
    const duration = this.operationDuration;
    return {
      async requestDidStart() {
        const started = performance.now();
        return {
          async willSendResponse({ operation, response }) {
            const type = operation?.operation ?? 'none';
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            operations.inc({ operation: type, code: errors?.length ? codeOf(errors[0].extensions?.code) : 'OK' });
            duration.observe({ operation: type }, (performance.now() - started) / 1000);
          },
        };
      },
    };
  }

  /** The same job, counted and timed; mail passes also count the messages they delivered and failed. */
  instrumentJob = (job: BackgroundJob): BackgroundJob => ({
    ...job,
    runOnce: async (deps) => {
      const started = performance.now();
      try {
        const result = await job.runOnce(deps);
        this.jobRuns.inc({ job: job.name, outcome: 'ok' });
        if (job.name === 'mail') {
          const { sent, failed } = result as { sent: number; failed: number };
          this.mailDeliveries.inc({ outcome: 'sent' }, sent);
          this.mailDeliveries.inc({ outcome: 'failed' }, failed);
        }
        return result;
      } catch (error) {
        this.jobRuns.inc({ job: job.name, outcome: 'failed' });
        throw error;
      } finally {
        this.jobDuration.observe({ job: job.name }, (performance.now() - started) / 1000);
      }
    },
  });
}
