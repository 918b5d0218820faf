import type { IncomingMessage } from 'node:http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { markTracingStarted, tracingActive } from './spans';

/** Probes, scrapes and static assets: frequent, and nothing to learn from their traces. */
const UNTRACED = /^\/(healthz|readyz|metrics)(\?|$)|^\/playground\//;

/**
 * Starts OpenTelemetry tracing in this process: spans for incoming HTTP requests (with Express's
 * route), GraphQL parsing, validation and execution (graphql-jit's executions get theirs from
 * spans.ts), and each SQL statement. It must run before those modules are first required, for its
 * hooks patch them as they load: register.ts, index.ts's first import, calls it.
 *
 * By default spans go to OTEL_EXPORTER_OTLP_ENDPOINT over OTLP (http/protobuf unless
 * OTEL_EXPORTER_OTLP_PROTOCOL says otherwise), in batches; every standard OTEL_* variable
 * applies (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, ...). Only traces: Atrium's metrics are
 * Prometheus's (GET /metrics). A test passes its own span processors. Returns false if
 * tracing already runs.
 */
export function startTracing(options: { spanProcessors?: SpanProcessor[] } = {}): boolean {
  if (tracingActive()) return false;
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ? undefined : 'atrium',
    spanProcessors: options.spanProcessors as never,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED.test(req.url ?? '') }),
      // Its spans would be one per middleware and router passed; it is here to give the HTTP span its route (POST /graphql).
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.REQUEST_HANDLER, ExpressLayerType.ROUTER] }),
      // A span per resolver would outnumber the statements they run; graphql-jit would skip them anyway.
      new GraphQLInstrumentation({ ignoreResolveSpans: true }),
      // Statements outside a request (the background jobs' polling) would each start a trace of their own.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  markTracingStarted(() => sdk.shutdown());
  return true;
}
