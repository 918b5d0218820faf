/**
 * An open-loop, paced load generator in the style of wrk2, for the bench's fixed-rate points.
 *
 * Arrivals are evenly spaced: request i is due at t0 + i / rate, for every i with i / rate < duration.
 * A timer loop wakes up shortly before the next due time and hands every request that is due by then
 * to a keep-alive `http.Agent` with `maxSockets = connections`, so at most `connections` requests are
 * in flight; when all of them are busy, due requests wait in the agent's queue. A request's latency is
 * the time from its *due* time to the end of its response, so time spent waiting — in the timer loop,
 * in the agent's queue or in the server — counts: the server cannot slow the generator down and hide
 * its stalls (no coordinated omission), and no synthetic samples are added.
 *
 * Why not autocannon's `overallRate`: autocannon implements a rate as a per-second quota per
 * connection (lib/httpClient.js: `reqsMadeThisSecond`, reset by a 1-second interval). Each connection
 * sends back-to-back at full speed until its quota is used and then idles until the next second, so
 * "50 % load" is 100 % load for half of each second; and its coordinated-omission correction
 * (`recordValueWithExpectedInterval(latency, Math.ceil(1 / rate))`, lib/run.js) assumes an expected
 * interval of 1 ms and adds synthetic samples that do not describe a steady load either.
 *
 * Latencies are those of every answered request (whole response read, any status), as wrk2 records
 * them; transport errors, timeouts and requests still unanswered at the end are failures, counted
 * but without a latency. Percentiles are exact (nearest rank over the sorted samples).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface PacedOptions {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body: string;
  /** Requests per second. */
  rate: number;
  /** Seconds during which requests are due. */
  duration: number;
  /** At most this many requests in flight (keep-alive sockets). */
  connections: number;
  /** A request without progress for this long fails; also bounds the wait for the last answers after sending stops. */
  timeoutMs: number;
  /** null: the body is right; otherwise why it is wrong (a failure). Run on 2xx answers. */
  check?: (body: string) => string | null;
}

export interface PacedResult {
  /** Requests due and sent. */
  requests: number;
  /** Requests answered: the whole response read, whatever its status or body. */
  completed: number;
  /** Non-2xx statuses, failed checks, transport errors, timeouts and requests unanswered at the end. */
  failures: number;
  errors: number;
  timeouts: number;
  unanswered: number;
  firstFailure: string | null;
  /** Latency of every answered request in ms (end of response − due time), sorted ascending. */
  latencies: Float64Array;
  p50: number;
  p99: number;
  max: number;
  /** Answers per second over max(duration, first due time → last answer). */
  achievedRate: number;
  /** How late the timer loop handed a request to the agent, at worst (ms): the generator's own lag, included in the latencies. */
  maxSendLagMs: number;
}

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

interface Pending extends http.ClientRequest {
  due: number;
  settled: boolean;
}

interface Answer extends http.IncomingMessage {
  request: Pending;
  text: string;
}

export function paced(o: PacedOptions): Promise<PacedResult> {
  if (!(o.rate > 0) || !(o.duration > 0) || !(o.connections >= 1)) {
    return Promise.reject(new Error(`paced: rate, duration and connections must be positive (${o.rate}, ${o.duration}, ${o.connections})`));
  }
  const url = new URL(o.url);
  const payload = Buffer.from(o.body);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections, noDelay: true });
  const options: http.RequestOptions = {
    agent,
    host: url.hostname,
    port: url.port || 80,
    path: url.pathname + url.search,
    method: o.method ?? 'POST',
    headers: { ...o.headers, 'content-length': String(payload.length) },
  };
  const check = o.check;
  const timeoutMs = o.timeoutMs;
  const interval = 1000 / o.rate;
  const durationMs = o.duration * 1000;
  const total = Math.ceil(o.duration * o.rate);

  const latencies = new Float64Array(total);
  const outstanding = new Set<Pending>();
  let t0 = 0;
  let sent = 0;
  let answered = 0;
  let failures = 0;
  let errors = 0;
  let timeouts = 0;
  let firstFailure: string | null = null;
  let lastAnswer = 0;
  let maxLag = 0;
  let sending = true;
  let closed = false;
  let deadline: NodeJS.Timeout | undefined;
  let resolve!: (r: PacedResult) => void;
  const result = new Promise<PacedResult>((r) => (resolve = r));

  const fail = (reason: string) => {
    failures++;
    firstFailure ??= reason;
  };

  const settle = (req: Pending) => {
    req.settled = true;
    outstanding.delete(req);
    if (!sending && outstanding.size === 0) finish();
  };

  function onData(this: Answer, chunk: string) {
    this.text += chunk;
  }

  function onEnd(this: Answer) {
    const req = this.request;
    if (req.settled || closed) return;
    const now = performance.now();
    latencies[answered++] = now - req.due;
    lastAnswer = now;
    const status = this.statusCode ?? 0;
    if (status < 200 || status > 299) fail(`HTTP ${status}: ${this.text.slice(0, 120)}`);
    else if (check) {
      let problem: string | null;
      try {
        problem = check(this.text);
      } catch (error) {
        problem = `check threw: ${(error as Error).message}`;
      }
      if (problem) fail(problem);
    }
    settle(req);
  }

  const broken = (req: Pending, error: Error) => {
    if (req.settled || closed) return;
    errors++;
    fail(`transport error: ${error.message}`);
    settle(req);
  };

  function onAnswerError(this: Answer, error: Error) {
    broken(this.request, error);
  }

  function onResponse(this: Pending, res: http.IncomingMessage) {
    const answer = res as Answer;
    answer.request = this;
    answer.text = '';
    answer.setEncoding('utf8');
    answer.on('data', onData);
    answer.on('end', onEnd);
    answer.on('error', onAnswerError);
  }

  function onError(this: Pending, error: Error) {
    broken(this, error);
  }

  function onTimeout(this: Pending) {
    if (!this.settled && !closed) {
      timeouts++;
      fail(`timeout: no progress for ${timeoutMs} ms`);
      settle(this);
    }
    this.destroy();
  }

  const issue = (due: number) => {
    const req = http.request(options) as Pending;
    req.due = due;
    req.settled = false;
    outstanding.add(req);
    req.on('response', onResponse);
    req.on('error', onError);
    req.setTimeout(timeoutMs, onTimeout);
    req.end(payload);
  };

  const tick = () => {
    const now = performance.now();
    while (sent < total) {
      const due = t0 + sent * interval;
      if (due > now) break;
      if (now - due > maxLag) maxLag = now - due;
      issue(due);
      sent++;
    }
    if (sent < total) {
      // Node's timers have millisecond resolution; a late wake-up is caught up on the next tick and shows in the latencies.
      setTimeout(tick, Math.max(1, t0 + sent * interval - performance.now()));
      return;
    }
    sending = false;
    if (outstanding.size === 0) finish();
    else deadline = setTimeout(finish, Math.max(0, t0 + durationMs + timeoutMs - performance.now()));
  };

  function finish() {
    if (closed) return;
    closed = true;
    if (deadline) clearTimeout(deadline);
    const unanswered = outstanding.size;
    if (unanswered) {
      failures += unanswered;
      firstFailure ??= `${unanswered} requests unanswered ${timeoutMs} ms after sending stopped`;
      for (const req of outstanding) req.destroy();
      outstanding.clear();
    }
    agent.destroy();
    const sorted = latencies.slice(0, answered).sort();
    const spanMs = Math.max(durationMs, lastAnswer - t0);
    resolve({
      requests: sent,
      completed: answered,
      failures,
      errors,
      timeouts,
      unanswered,
      firstFailure,
      latencies: sorted,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
      achievedRate: answered / (spanMs / 1000),
      maxSendLagMs: maxLag,
    });
  }

  t0 = performance.now();
  tick();
  return result;
}
