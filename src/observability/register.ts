/**
 * index.ts's first import: starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set, before the
 * modules it instruments (http, express, graphql, pg) are loaded. Without it the OpenTelemetry
 * SDK is not even loaded.
 */
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./tracing') as typeof import('./tracing')).startTracing();
}

export {};
