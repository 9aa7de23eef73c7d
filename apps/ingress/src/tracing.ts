/**
 * Optional OpenTelemetry tracing for the ingress, off unless an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`).
 *
 * When on, every webhook gets a server span (`middleware/trace.ts`: event, delivery id,
 * outcome and the workflow id; never a body), and Temporal's client interceptor puts its
 * context into the headers of the signal-with-start, so the worker's workflow and activity
 * spans join the same trace. Spans go out over OTLP/HTTP.
 */
import {
  type Env,
  type ProcessTracing,
  setupProcessTracing,
  type TracingOptions,
} from '@code-factory/telemetry';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';

export { type TracingOptions, tracesEndpoint } from '@code-factory/telemetry';

export const DEFAULT_SERVICE_NAME = 'code-factory-ingress';

export interface IngressTracing extends ProcessTracing {
  /** For the Temporal client (`TemporalEventSink`'s `interceptors`). */
  clientInterceptors: ClientInterceptors;
}

/** Tracing for the ingress, or null (nothing changes) when no OTLP endpoint is configured. */
export function setupTracing(env: Env, options: TracingOptions = {}): IngressTracing | null {
  return setupProcessTracing(
    env,
    '@code-factory/ingress',
    DEFAULT_SERVICE_NAME,
    options,
    (setup) => ({
      clientInterceptors: {
        workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: setup.tracer })],
      },
    }),
  );
}
