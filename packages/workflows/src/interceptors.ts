/**
 * Workflow-side interceptors for OpenTelemetry tracing, bundled into the workflow sandbox only
 * when the worker is started with tracing on (`apps/worker/src/tracing.ts`).
 *
 * They continue the trace carried in the workflow's headers (put there by the ingress's client
 * interceptor), wrap the run, signal handlers and activity scheduling in spans, and pass the
 * trace context on to activities. Spans leave the sandbox through the `exporter` sink.
 *
 * Workflow-safe imports only: the `lib/workflow` entry of the interceptors package is the part
 * meant for the sandbox (its root entry pulls in worker code).
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
