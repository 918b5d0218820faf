import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cloneTemplateDatabase } from '../test/harness';
import { eventually, okAt, signUpAt } from '../resilience/client';
import { startAtriumProcess, type AtriumProcess } from '../resilience/processes';

/**
 * Tracing through the real entry point (src/index.ts in a process of its own: the instrumentations
 * hook modules as Node loads them, which jest's own module loader bypasses): first with the SDK
 * started by src/test/tracing-preload.ts into an in-memory exporter, to look at whole traces; then
 * as in production, switched on by OTEL_EXPORTER_OTLP_ENDPOINT and exporting to a stand-in collector.
 */

interface SpanLine {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  scope: string;
  attributes: Record<string, unknown>;
}

let clone: Awaited<ReturnType<typeof cloneTemplateDatabase>>;
let atrium: AtriumProcess;

beforeAll(async () => {
  clone = await cloneTemplateDatabase();
}, 60_000);

afterAll(async () => {
  await clone?.drop();
}, 60_000);

/** The spans the server process has ended since the last call. */
function newSpans(): Promise<SpanLine[]> {
  const stdout = atrium.child.stdout!;
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => done(new Error('the server did not answer with its spans')), 10_000);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = /^SPANS (.*)\n/m.exec(buffer);
      if (match) done(null, JSON.parse(match[1]));
    };
    const done = (error: Error | null, spans?: SpanLine[]) => {
      clearTimeout(timer);
      stdout.off('data', onData);
      if (error) reject(error);
      else resolve(spans!);
    };
    stdout.on('data', onData);
    atrium.child.stdin!.write('spans\n');
  });
}

/** Authentication's statements run before execution; listing workspaces runs more inside it. */
const MINE = 'query Mine { me { id } workspaces(first: 5) { totalCount edges { node { id name } } } }';

const isRequestSpan = (s: SpanLine) => s.scope.includes('instrumentation-http') && s.parentSpanId === null;

/** Every span ended from now until one request's HTTP server span has ended too. */
async function spansOfNextRequest(): Promise<SpanLine[]> {
  const spans: SpanLine[] = [];
  const ended = await eventually(
    async () => {
      spans.push(...(await newSpans()));
      return spans.some(isRequestSpan);
    },
    20_000,
    100,
  );
  if (!ended) throw new Error('no HTTP span ended');
  return spans;
}

describe('in memory', () => {
  beforeAll(async () => {
    atrium = await startAtriumProcess(clone.url, { WEB_CONCURRENCY: '1' }, { preload: ['./src/test/tracing-preload.ts'] });
  }, 330_000);

  afterAll(async () => {
    await atrium?.stop();
  }, 60_000);

  it('gives one request one trace: its HTTP span, GraphQL parse, validate and execute, and its SQL statements', async () => {
    const person = await signUpAt(atrium.url);
    await okAt(
      atrium.url,
      'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
      { input: { name: 'Traced', visibility: 'PRIVATE' } },
      person.token,
    );
    // Queries compile on their second use (execution.ts): the first runs on graphql-js, the second on graphql-jit.
    for (const path of ['interpreted', 'compiled']) {
      await newSpans();
      const answer = await okAt(atrium.url, MINE, {}, person.token);
      expect(answer.me.id).toBe(person.id);
      expect(answer.workspaces.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Traced']);
      const trace = await spansOfNextRequest();
      expect(trace.filter(isRequestSpan)).toHaveLength(1);
      // Everything the request caused is in one trace: no span of it started a trace of its own.
      expect(new Set(trace.map((s) => s.traceId)).size).toBe(1);

      const root = trace.find((s) => s.parentSpanId === null)!;
      expect(root.name).toBe('POST /graphql');
      expect(root.attributes['http.route']).toBe('/graphql');
      const byId = new Map(trace.map((s) => [s.spanId, s]));
      // Every span hangs from the root.
      for (const span of trace) {
        let at: SpanLine | undefined = span;
        while (at?.parentSpanId) at = byId.get(at.parentSpanId);
        expect(at).toBe(root);
      }
      // Apollo keeps parsed and validated documents: only the first request of a text parses and validates it.
      if (path === 'interpreted') expect(trace.map((s) => s.name)).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate']));
      const execute = trace.filter((s) => s.name === 'query Mine');
      expect(execute).toHaveLength(1);
      expect(execute[0].attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'Mine' });
      expect(Boolean(execute[0].attributes['atrium.graphql.compiled'])).toBe(path === 'compiled');

      const sql = trace.filter(
        (s) => s.scope.includes('instrumentation-pg') && s.name.startsWith('pg.query') && s.attributes['db.system.name'] === 'postgresql',
      );
      expect(sql.length).toBeGreaterThanOrEqual(1);
      // The resolver's statements are children of the execute span (authentication's come before it, under the HTTP span).
      const underExecute = sql.filter((s) => {
        let at: SpanLine | undefined = s;
        while (at && at !== execute[0]) at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined;
        return at === execute[0];
      });
      expect(underExecute.length).toBeGreaterThanOrEqual(1);
      expect(underExecute.some((s) => /\bworkspace\b/.test(String(s.attributes['db.query.text'])))).toBe(true);
      // Only the route's span from Express, not one per middleware.
      expect(trace.filter((s) => s.scope.includes('instrumentation-express'))).toEqual([]);
    }
  }, 120_000);

  it('traces no probe or scrape', async () => {
    await newSpans();
    const base = atrium.url.replace(/\/graphql$/, '');
    for (const path of ['/healthz', '/readyz']) expect((await fetch(base + path)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await newSpans()).toEqual([]);
  });
});

describe('over OTLP, as in production', () => {
  let receiver: http.Server;
  const received: { service: unknown; scope: string; name: string; traceId: string; parentSpanId: string }[] = [];

  beforeAll(async () => {
    // A stand-in collector: OTLP over HTTP with JSON bodies (OTEL_EXPORTER_OTLP_PROTOCOL=http/json).
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
            const service = resourceSpans.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
            for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
              for (const span of scopeSpans.spans ?? [])
                received.push({ service, scope: scopeSpans.scope?.name, name: span.name, traceId: span.traceId, parentSpanId: span.parentSpanId ?? '' });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    atrium = await startAtriumProcess(clone.url, {
      WEB_CONCURRENCY: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, 330_000);

  afterAll(async () => {
    await atrium?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  }, 60_000);

  it("exports each request's trace to OTEL_EXPORTER_OTLP_ENDPOINT, as service atrium", async () => {
    const person = await signUpAt(atrium.url);
    await okAt(atrium.url, MINE, {}, person.token);
    const root = await eventually(
      async () => received.find((s) => s.name === 'POST /graphql' && received.some((q) => q.traceId === s.traceId && q.name === 'query Mine')),
      20_000,
      200,
    );
    expect(root).toBeDefined();
    expect(root!.service).toBe('atrium');
    const trace = received.filter((s) => s.traceId === root!.traceId);
    expect(trace.some((s) => s.scope.includes('instrumentation-pg'))).toBe(true);
  }, 60_000);
});
