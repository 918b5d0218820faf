import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { PerformanceObserver } from 'node:perf_hooks';
import { startSeededServer, type TestServer } from '../test/harness';
import type { SeedManifest } from '../scripts/seed';
import { W1_QUERY, W3_QUERY } from './workloads';

/**
 * What a request leaves behind for V8's young-generation collector. A scavenge copies every young
 * object it finds alive and promotes what it finds a second time; an object only a full collection
 * can tell is dead — reached from an object whose prototype was changed, from an accessor or
 * function assigned to one object, from pg's per-statement timer — is copied and promoted with all
 * it reaches, so scavenges paused a worker for 10–30 ms instead of 2–3 and the old generation
 * filled with rows. Measured as what two scavenges promote once requests have ended: W1 left about
 * 175 KB per request before this session's fixes, 76 KB with all but Apollo's gateway view
 * (src/gateway-context.ts), 2–3 KB now. Not timed. The collector is called through V8's gc
 * extension, enabled at run time.
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;

let t: TestServer;
let manifest: SeedManifest;
/**
 * The client runs in a worker thread, whose heap is its own: node:http's client, in this heap,
 * left some of its own objects to the old generation too.
 */
let requester: Worker;
const CLIENT = `
  const http = require('node:http');
  const { parentPort } = require('node:worker_threads');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = ({ url, body, token }) => new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer ' + token } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 && !text.includes('"errors"') ? resolve() : reject(new Error(res.statusCode + ': ' + text.slice(0, 300)))));
    });
    req.on('error', reject);
    req.end(body);
  });
  parentPort.on('message', async (job) => {
    try {
      for (let i = 0; i < job.count; i++) await post(job);
      parentPort.postMessage(null);
    } catch (error) {
      parentPort.postMessage(String(error));
    }
  });
`;

/** `count` requests in a row, answered without errors. */
function requests(query: string, count: number): Promise<void> {
  const job = { url: t.url, token: manifest.target.memberToken, count, body: JSON.stringify({ query, variables: { id: manifest.target.workspaceId } }) };
  return new Promise((resolve, reject) => {
    const settle = (failure: string | null) => {
      requester.off('error', reject).off('exit', exited);
      if (failure) reject(new Error(failure));
      else resolve();
    };
    const exited = (code: number) => settle(`the client thread exited (${code})`);
    requester.once('message', settle).once('error', reject).once('exit', exited);
    requester.postMessage(job);
  });
}

/** Collections V8 ran on its own (a request allocated past the young generation's room). */
let natural = 0;
const observer = new PerformanceObserver((list) => void (natural += list.getEntries().length));

/**
 * Old-generation bytes that two scavenges promote after `count` requests in a row: what they
 * left reachable. A round in which V8 collected on its own (and so promoted a running request's
 * live data, legitimately) is run again.
 */
async function promotedAfter(query: string, count: number): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const seen = natural;
    await requests(query, count);
    // Let the requests' last work (the log line, the socket's write) finish.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = oldSpace();
    if (natural !== seen) continue;
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    return oldSpace() - before;
  }
  throw new Error('V8 collected during every attempt: fewer requests per round');
}

/**
 * What each request adds to what stays reachable: the promotion after 7 requests less that after 1,
 * per request. (What the last request leaves until the next one comes — the connection's last
 * response, the pool's last result — is the same after 1 or 7 and cancels out.)
 */
async function leftPerRequest(query: string): Promise<number> {
  await requests(query, 20);
  const one = await promotedAfter(query, 1);
  const seven = await promotedAfter(query, 7);
  return (seven - one) / 6;
}

beforeAll(async () => {
  observer.observe({ entryTypes: ['gc'] });
  requester = new Worker(CLIENT, { eval: true });
  ({ server: t, manifest } = await startSeededServer());
});

afterAll(async () => {
  observer.disconnect();
  await requester?.terminate();
  await t?.stop();
});

describe('what requests leave for the young-generation collector', () => {
  // W1 leaves 1.5–3 KB a request in about nine test processes of ten, and 31–44 KB in the tenth
  // (about the size of W1's answer): a state of the whole process, which stays through full
  // collections and a fresh warm-up, seen before and after session 6's changes and not explained
  // yet. The bound sits above it and below the 76 KB Apollo's gateway view left in session 5, the
  // smallest of the regressions this test was written for (src/gateway-context.test.ts also checks
  // that view's replacement is installed); W3's tight bound holds the path every request takes.
  it('W1 (50 projects, 100 people) leaves less than 56 KB behind per request', async () => {
    const promoted = await leftPerRequest(W1_QUERY);
    console.log(`W1: ${(promoted / 1024).toFixed(1)} KB left per request`);
    expect(promoted).toBeLessThan(56 * 1024);
  });

  it('W3 (me and a workspace name) leaves less than 8 KB behind per request', async () => {
    const promoted = await leftPerRequest(W3_QUERY);
    console.log(`W3: ${(promoted / 1024).toFixed(1)} KB left per request`);
    expect(promoted).toBeLessThan(8 * 1024);
  });
});
