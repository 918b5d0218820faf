/**
 * Preloaded (`-r`) into a server process by the tracing test, before src/index.ts: starts tracing
 * as register.ts would, but into memory (InMemorySpanExporter, each span as it ends) instead of
 * to an OTLP endpoint. A line `spans` on stdin answers with one line `SPANS <json>` holding
 * the spans that have ended since the last such line (and forgets them).
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../observability/tracing';

const exporter = new InMemorySpanExporter();
startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let nl: number;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl).trim();
    buffer = buffer.slice(nl + 1);
    if (line !== 'spans') continue;
    const spans = exporter.getFinishedSpans().map((span) => ({
      name: span.name,
      kind: span.kind,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? null,
      scope: span.instrumentationScope.name,
      attributes: span.attributes,
    }));
    exporter.reset();
    process.stdout.write(`SPANS ${JSON.stringify(spans)}\n`);
  }
});
