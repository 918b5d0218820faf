import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ExecutionResult, OperationDefinitionNode } from 'graphql';

/**
 * The light half of tracing (only @opentelemetry/api): whether tracing.ts started the SDK in
 * this process, and the spans Atrium makes by hand. Importing it costs nothing when tracing is off.
 */

let stop: (() => Promise<void>) | null = null;

/** Called by tracing.ts once the SDK runs; `shutdown` flushes the spans still buffered. */
export function markTracingStarted(shutdown: () => Promise<void>): void {
  stop = shutdown;
}

export const tracingActive = (): boolean => stop !== null;

/** Exports the spans still buffered and stops the SDK (index.ts, on shutdown); nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const shutdown = stop;
  stop = null;
  await shutdown?.().catch(() => undefined);
}

const tracer = () => trace.getTracer('atrium');

/**
 * A span around one operation executed by graphql-jit (execution.ts), which does not go through
 * graphql-js's execute, the function the graphql instrumentation wraps. Named and described as that
 * instrumentation names its execute spans (`query Name`, graphql.operation.*), so both paths look
 * alike in a trace; atrium.graphql.compiled tells them apart. The resolvers' SQL spans are its children.
 */
export function compiledExecutionSpan(operation: OperationDefinitionNode, run: () => Promise<ExecutionResult> | ExecutionResult): Promise<ExecutionResult> {
  const name = operation.name?.value;
  return tracer().startActiveSpan(name ? `${operation.operation} ${name}` : operation.operation, async (span: Span) => {
    span.setAttribute('graphql.operation.type', operation.operation);
    if (name) span.setAttribute('graphql.operation.name', name);
    span.setAttribute('atrium.graphql.compiled', true);
    try {
      return await run();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}
