/**
 * An open-loop, paced load generator in the style of wrk2, for the bench's fixed-rate points.
 *
 * Arrivals are evenly spaced: request i is due at t0 + i / rate, for every i with i / rate < duration.
 * A timer loop wakes up shortly before the next due time and releases every request that is due by then.
 * Released requests are sent over at most `connections` keep-alive connections, one request in flight per
 * connection (no pipelining); when all of them are busy, due requests wait in a FIFO queue and are sent, in
 * order, as connections free up. A request's latency is the time from its *due* time to the end of its
 * response, so time spent waiting — in the timer loop, in the queue or in the server — counts: the server
 * cannot slow the generator down and hide its stalls (no coordinated omission), and no synthetic samples
 * are added.
 *
 * The client is a minimal HTTP/1.1 client on raw `net` sockets, not node:http: node:http's per-request
 * machinery (ClientRequest, IncomingMessage, header objects, streams, an idle timer per request) cost
 * ~0.55 ms of CPU per ~35 KB answer, several times autocannon's, and on a 2-core machine the generator's
 * CPU is taken from the server under test. Here the request is one pre-built Buffer written with one
 * `socket.write`; an answer is framed by `content-length` or `transfer-encoding: chunked` (or, with
 * `connection: close`, by the end of the connection) and its body is decoded to a string only when a
 * `check` needs it (2xx) or it explains the first failure (non-2xx). A connection that closes, errors,
 * times out or breaks the protocol fails its request and is replaced by a new one for the next request.
 * Timeouts come from one sweep interval, not a timer per request.
 *
 * Why not autocannon's `overallRate`: autocannon implements a rate as a per-second quota per
 * connection (lib/httpClient.js: `reqsMadeThisSecond`, reset by a 1-second interval). Each connection
 * sends back-to-back at full speed until its quota is used and then idles until the next second, so
 * "50 % load" is 100 % load for half of each second; and its coordinated-omission correction
 * (`recordValueWithExpectedInterval(latency, Math.ceil(1 / rate))`, lib/run.js) assumes an expected
 * interval of 1 ms and adds synthetic samples that do not describe a steady load either.
 *
 * Latencies are those of every answered request (whole response read, any status), as wrk2 records
 * them; transport and protocol errors, timeouts and requests still unanswered at the end are failures,
 * counted but without a latency. Percentiles are exact (nearest rank over the sorted samples).
 */
import net from 'node:net';
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
  /** At most this many requests in flight (keep-alive connections). */
  connections: number;
  /** A request written to its connection and not fully answered after this long fails; also bounds the wait for the last answers after sending stops. */
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
  /** Transport errors (connection refused, reset or closed mid-answer) and protocol errors (an answer that cannot be parsed or delimited). */
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
  /** How late the timer loop released a request, at worst (ms): the generator's own lag, included in the latencies. */
  maxSendLagMs: number;
}

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

// Parser states of a connection's current answer.
const HEAD = 0; // reading the status line and headers
const LENGTH = 1; // content-length body: `remaining` bytes to go
const UNTIL_CLOSE = 2; // body delimited by the end of the connection
const SIZE = 3; // chunked: hex size (then extensions) up to CR
const SIZE_LF = 4; // chunked: LF after the size line
const DATA = 5; // chunked: `remaining` data bytes of the chunk
const DATA_CR = 6; // chunked: CR after the data
const DATA_LF = 7; // chunked: LF after the data
const TRAILER = 8; // chunked, after the 0-size chunk: start of a trailer line or of the final CRLF
const TRAILER_LINE = 9; // chunked: inside a trailer line, skipped up to LF
const END_LF = 10; // chunked: LF of the final CRLF

const CR = 13;
const LF = 10;
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
const MAX_HEAD = 64 * 1024;
const READ_BUFFER = 64 * 1024;

class ProtocolError extends Error {}

/** One keep-alive connection and the state of its (single) request in flight. */
class Conn {
  socket: net.Socket | null = null;
  busy = false;
  /** Index of the request in flight (its due time is t0 + index × interval). */
  index = 0;
  /** When it was written to the socket (performance.now()). */
  sentAt = 0;
  state = HEAD;
  status = 0;
  /** The server closes the connection after this answer. */
  closeAfter = false;
  /** The body is collected (a check needs it, or it explains the first failure). */
  keep = false;
  remaining = 0;
  sizeDigits = 0;
  inExtension = false;
  /** Partial headers spanning socket reads. */
  head: Buffer | null = null;
  headLen = 0;
  /** Collected body bytes, reused across answers. */
  body: Buffer | null = null;
  bodyLen = 0;
  /** The socket reads into this buffer (net's `onread`): no Buffer allocated per read. Shared by the connection's successive sockets, one at a time. */
  readonly input = Buffer.allocUnsafe(READ_BUFFER);
}

function hexValue(x: number): number {
  if (x >= 48 && x <= 57) return x - 48;
  if (x >= 97 && x <= 102) return x - 87;
  if (x >= 65 && x <= 70) return x - 55;
  return -1;
}

/** The trimmed value of header `key` ("\r\nname:", lower case) in a lower-cased head ending in CRLF, or null. */
function headerValue(h: string, key: string): string | null {
  const at = h.indexOf(key);
  if (at < 0) return null;
  const from = at + key.length;
  return h.slice(from, h.indexOf('\r\n', from)).trim();
}

export function paced(o: PacedOptions): Promise<PacedResult> {
  if (!(o.rate > 0) || !(o.duration > 0) || !(o.connections >= 1)) {
    return Promise.reject(new Error(`paced: rate, duration and connections must be positive (${o.rate}, ${o.duration}, ${o.connections})`));
  }
  const url = new URL(o.url);
  if (url.protocol !== 'http:') return Promise.reject(new Error(`paced: only http: URLs are supported (${o.url})`));
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port || 80);
  const method = (o.method ?? 'POST').toUpperCase();
  const noBodyForMethod = method === 'HEAD';
  const payload = Buffer.from(o.body);
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.hostname}:${port}\r\n`;
  for (const [name, value] of Object.entries(o.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${payload.length}\r\nConnection: keep-alive\r\n\r\n`;
  const request = Buffer.concat([Buffer.from(head, 'latin1'), payload]);

  const check = o.check;
  const timeoutMs = o.timeoutMs;
  const interval = 1000 / o.rate;
  const durationMs = o.duration * 1000;
  const total = Math.ceil(o.duration * o.rate);

  const latencies = new Float64Array(total);
  const conns: Conn[] = [];
  for (let i = 0; i < o.connections; i++) conns.push(new Conn());
  /** Connections without a request in flight (a stack: the most recently used socket is reused first). */
  const idle: Conn[] = conns.slice().reverse();
  let t0 = 0;
  /** Requests released by the timer loop (due and handed to the client). */
  let released = 0;
  /** Requests written to a connection; released − dispatched wait in the FIFO queue. */
  let dispatched = 0;
  let inFlight = 0;
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
  const sweepMs = Math.min(100, Math.max(5, timeoutMs / 5));
  const sweeper = setInterval(sweep, sweepMs);
  let resolve!: (r: PacedResult) => void;
  const result = new Promise<PacedResult>((r) => (resolve = r));

  const fail = (reason: string) => {
    failures++;
    firstFailure ??= reason;
  };

  function open(c: Conn): net.Socket {
    // Closures per connection (not per request): they tie events to this socket, so a replaced socket's late events are ignored.
    const s: net.Socket = net.connect({
      host,
      port,
      onread: {
        buffer: c.input,
        callback: (n: number) => {
          onData(c, s, n);
          return true;
        },
      },
    });
    s.setNoDelay(true);
    c.socket = s;
    s.on('error', (error: Error) => lost(c, s, `transport error: ${error.message}`));
    s.on('end', () => lost(c, s, 'transport error: connection closed by the server before the answer was complete'));
    s.on('close', () => lost(c, s, 'transport error: connection closed before the answer was complete'));
    return s;
  }

  /** Writes queued requests to idle connections, oldest first. */
  function pump() {
    while (dispatched < released && idle.length > 0) {
      const c = idle.pop()!;
      const s = c.socket ?? open(c);
      c.busy = true;
      c.index = dispatched++;
      c.sentAt = performance.now();
      c.state = HEAD;
      c.headLen = 0;
      c.bodyLen = 0;
      inFlight++;
      s.write(request);
    }
  }

  function release(c: Conn) {
    c.busy = false;
    inFlight--;
    idle.push(c);
  }

  function drop(c: Conn) {
    const s = c.socket;
    c.socket = null;
    s?.destroy();
  }

  function maybeDone() {
    if (!sending && inFlight === 0 && dispatched === released) finish();
  }

  function append(c: Conn, b: Buffer, from: number, to: number) {
    const need = c.bodyLen + (to - from);
    if (!c.body || c.body.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * (c.body?.length ?? 32 * 1024)));
      if (c.body && c.bodyLen) c.body.copy(grown, 0, 0, c.bodyLen);
      c.body = grown;
    }
    b.copy(c.body, c.bodyLen, from, to);
    c.bodyLen = need;
  }

  /** Parses a complete head (`src[start, end)`, `end` at its CRLFCRLF) and sets the body's framing. Returns false for a 1xx answer (another head follows). */
  function parseHead(c: Conn, src: Buffer, start: number, end: number): boolean {
    const h = src.toString('latin1', start, end + 2).toLowerCase();
    const d0 = h.charCodeAt(9) - 48;
    const d1 = h.charCodeAt(10) - 48;
    const d2 = h.charCodeAt(11) - 48;
    if (!h.startsWith('http/1.') || !(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) {
      throw new ProtocolError(`bad status line: ${JSON.stringify(h.slice(0, Math.min(40, h.indexOf('\r\n'))))}`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    if (status < 200 && status !== 101) return false;
    if (status === 101) throw new ProtocolError('unexpected 101 Switching Protocols');
    c.status = status;
    const connection = headerValue(h, '\r\nconnection:');
    c.closeAfter = h.charCodeAt(7) === 48 /* HTTP/1.0 */ ? !connection?.includes('keep-alive') : !!connection?.includes('close');
    const ok = status >= 200 && status <= 299;
    c.keep = ok ? !!check : firstFailure === null;
    c.bodyLen = 0;
    if (noBodyForMethod || status === 204 || status === 304) {
      c.remaining = 0;
      c.state = LENGTH;
      return true;
    }
    const encoding = headerValue(h, '\r\ntransfer-encoding:');
    if (encoding !== null && encoding.includes('chunked')) {
      c.state = SIZE;
      c.remaining = 0;
      c.sizeDigits = 0;
      c.inExtension = false;
      return true;
    }
    const length = headerValue(h, '\r\ncontent-length:');
    if (length !== null) {
      const n = Number(length);
      if (!Number.isSafeInteger(n) || n < 0 || length === '') throw new ProtocolError(`bad content-length: ${JSON.stringify(length)}`);
      c.remaining = n;
      c.state = LENGTH;
      return true;
    }
    if (c.closeAfter) {
      c.state = UNTIL_CLOSE;
      return true;
    }
    throw new ProtocolError(`HTTP ${status} answer with neither content-length nor chunked transfer-encoding on a keep-alive connection`);
  }

  /** Feeds a socket read (`b[0, n)`) to the current answer: the offset just past the answer when it is complete, else -1. Throws ProtocolError. */
  function feed(c: Conn, b: Buffer, n: number): number {
    let i = 0;
    while (c.state === HEAD) {
      let end: number;
      let after: number;
      if (c.headLen === 0) {
        end = b.indexOf(CRLF2, i);
        // b is the connection's read buffer: bytes from n on are stale.
        if (end >= 0 && end + 4 > n) end = -1;
        if (end < 0) {
          c.head ??= Buffer.allocUnsafe(4096);
          if (n - i > MAX_HEAD) throw new ProtocolError(`head larger than ${MAX_HEAD} bytes`);
          if (c.head.length < n - i) c.head = Buffer.allocUnsafe(Math.max(2 * c.head.length, n - i));
          b.copy(c.head, 0, i, n);
          c.headLen = n - i;
          return -1;
        }
        after = end + 4;
        if (!parseHead(c, b, i, end)) {
          i = after;
          continue;
        }
      } else {
        const old = c.headLen;
        const len = old + (n - i);
        if (len > MAX_HEAD) throw new ProtocolError(`head larger than ${MAX_HEAD} bytes`);
        if (c.head!.length < len) {
          const grown = Buffer.allocUnsafe(Math.max(2 * c.head!.length, len));
          c.head!.copy(grown, 0, 0, old);
          c.head = grown;
        }
        b.copy(c.head!, old, i, n);
        c.headLen = len;
        end = c.head!.subarray(0, len).indexOf(CRLF2, Math.max(0, old - 3));
        if (end < 0) return -1;
        after = i + (end + 4 - old);
        c.headLen = 0;
        if (!parseHead(c, c.head!, 0, end)) {
          i = after;
          continue;
        }
      }
      i = after;
      c.headLen = 0;
    }
    for (;;) {
      switch (c.state) {
        case LENGTH: {
          const take = Math.min(c.remaining, n - i);
          if (c.keep && take > 0) append(c, b, i, i + take);
          i += take;
          c.remaining -= take;
          if (c.remaining === 0) return i;
          return -1;
        }
        case UNTIL_CLOSE:
          if (c.keep && i < n) append(c, b, i, n);
          return -1;
        case DATA: {
          const take = Math.min(c.remaining, n - i);
          if (c.keep && take > 0) append(c, b, i, i + take);
          i += take;
          c.remaining -= take;
          if (c.remaining > 0) return -1;
          c.state = DATA_CR;
          break;
        }
        default: {
          if (i >= n) return -1;
          const x = b[i++];
          switch (c.state) {
            case SIZE:
              if (x === CR) {
                if (c.sizeDigits === 0) throw new ProtocolError('chunk size line without a size');
                c.state = SIZE_LF;
              } else if (!c.inExtension) {
                const v = hexValue(x);
                if (v >= 0) {
                  if (++c.sizeDigits > 12) throw new ProtocolError('chunk size too large');
                  c.remaining = c.remaining * 16 + v;
                } else if (x === 59 /* ; */ || x === 32 || x === 9) {
                  if (c.sizeDigits === 0) throw new ProtocolError('chunk size line without a size');
                  c.inExtension = true;
                } else throw new ProtocolError(`bad chunk size byte ${x}`);
              }
              break;
            case SIZE_LF:
              if (x !== LF) throw new ProtocolError('chunk size line not ended by CRLF');
              if (c.remaining === 0) c.state = TRAILER;
              else c.state = DATA;
              break;
            case DATA_CR:
              if (x !== CR) throw new ProtocolError('chunk data not followed by CRLF');
              c.state = DATA_LF;
              break;
            case DATA_LF:
              if (x !== LF) throw new ProtocolError('chunk data not followed by CRLF');
              c.state = SIZE;
              c.remaining = 0;
              c.sizeDigits = 0;
              c.inExtension = false;
              break;
            case TRAILER:
              c.state = x === CR ? END_LF : TRAILER_LINE;
              break;
            case TRAILER_LINE:
              if (x === LF) c.state = TRAILER;
              break;
            case END_LF:
              if (x !== LF) throw new ProtocolError('chunked body not ended by CRLF');
              return i;
            default:
              throw new ProtocolError(`parser in state ${c.state}`);
          }
        }
      }
    }
  }

  /** Records a complete answer of connection c. */
  function answer(c: Conn) {
    const now = performance.now();
    latencies[answered++] = now - (t0 + c.index * interval);
    lastAnswer = now;
    const status = c.status;
    if (status < 200 || status > 299) {
      if (firstFailure === null) fail(`HTTP ${status}: ${c.body ? c.body.toString('utf8', 0, Math.min(c.bodyLen, 480)).slice(0, 120) : ''}`);
      else failures++;
    } else if (check) {
      const text = c.bodyLen ? c.body!.toString('utf8', 0, c.bodyLen) : '';
      let problem: string | null;
      try {
        problem = check(text);
      } catch (error) {
        problem = `check threw: ${(error as Error).message}`;
      }
      if (problem) fail(problem);
    }
  }

  function onData(c: Conn, s: net.Socket, n: number) {
    if (closed || c.socket !== s) return;
    if (!c.busy) {
      // Bytes nobody asked for: the connection's framing is lost.
      drop(c);
      return;
    }
    let end: number;
    try {
      end = feed(c, c.input, n);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      errors++;
      fail(`protocol error: ${error.message}`);
      drop(c);
      release(c);
      pump();
      maybeDone();
      return;
    }
    if (end < 0) return;
    answer(c);
    if (c.closeAfter || end < n) drop(c);
    release(c);
    pump();
    maybeDone();
  }

  function lost(c: Conn, s: net.Socket, reason: string) {
    if (closed || c.socket !== s) return;
    c.socket = null;
    s.destroy();
    if (!c.busy) return;
    if (c.state === UNTIL_CLOSE) answer(c);
    else {
      errors++;
      fail(reason);
    }
    release(c);
    pump();
    maybeDone();
  }

  function sweep() {
    if (closed) return;
    const now = performance.now();
    let freed = false;
    for (const c of conns) {
      if (c.busy && now - c.sentAt > timeoutMs) {
        timeouts++;
        fail(`timeout: no complete answer within ${timeoutMs} ms`);
        drop(c);
        release(c);
        freed = true;
      }
    }
    if (freed) {
      pump();
      maybeDone();
    }
  }

  const tick = () => {
    if (closed) return;
    const now = performance.now();
    while (released < total) {
      const due = t0 + released * interval;
      if (due > now) break;
      if (now - due > maxLag) maxLag = now - due;
      released++;
    }
    pump();
    if (released < total) {
      // Node's timers have millisecond resolution; a late wake-up is caught up on the next tick and shows in the latencies.
      setTimeout(tick, Math.max(1, t0 + released * interval - performance.now()));
      return;
    }
    sending = false;
    if (inFlight === 0 && dispatched === released) finish();
    else deadline = setTimeout(finish, Math.max(0, t0 + durationMs + timeoutMs - performance.now()));
  };

  function finish() {
    if (closed) return;
    closed = true;
    clearInterval(sweeper);
    if (deadline) clearTimeout(deadline);
    const unanswered = inFlight + (released - dispatched);
    if (unanswered) {
      failures += unanswered;
      firstFailure ??= `${unanswered} requests unanswered ${timeoutMs} ms after sending stopped`;
    }
    for (const c of conns) drop(c);
    const sorted = latencies.slice(0, answered).sort();
    const spanMs = Math.max(durationMs, lastAnswer - t0);
    resolve({
      requests: released,
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
