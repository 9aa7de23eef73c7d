/**
 * Optional OpenTelemetry tracing for the worker, off unless an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`).
 *
 * When on, workflows run with the interceptors of `@code-factory/workflows/interceptors`
 * (spans for the run, signal handlers and activity scheduling, exported from the sandbox
 * through the `exporter` sink) and activities with Temporal's activity interceptors (a
 * `RunActivity:<type>` span per attempt, its trace id in activity log lines). The trace
 * continues the one the ingress put in the workflow's headers. Spans go out over OTLP/HTTP.
 */
import { createRequire } from 'node:module';
import {
  type Env,
  type ProcessTracing,
  setupProcessTracing,
  type TracingOptions,
} from '@code-factory/telemetry';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

export { type TracingOptions, tracesEndpoint } from '@code-factory/telemetry';

const require = createRequire(import.meta.url);

/** The workflow interceptors module; bundled into the workflow code when tracing is on. */
export const workflowInterceptorsPath = require.resolve('@code-factory/workflows/interceptors');

export const DEFAULT_SERVICE_NAME = 'code-factory-worker';

export interface WorkerTracing extends ProcessTracing {
  /** For `createWorker` (or `Worker.create`): workflow and activity interceptors, span sink. */
  workerOptions: Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>>;
  /** For a prebuilt bundle: pass to `bundleWorkflowCode({ workflowInterceptorModules })`. */
  workflowInterceptorModules: string[];
  /** For the worker's own Temporal client (queries from activities join the trace). */
  clientInterceptors: ClientInterceptors;
}

/** Tracing for the worker, or null (nothing changes) when no OTLP endpoint is configured. */
export function setupTracing(env: Env, options: TracingOptions = {}): WorkerTracing | null {
  const scope = '@code-factory/worker';
  return setupProcessTracing(env, scope, DEFAULT_SERVICE_NAME, options, (setup) => {
    const interceptorOptions = { tracer: setup.tracer };
    return {
      workerOptions: {
        interceptors: {
          workflowModules: [workflowInterceptorsPath],
          activity: [
            (ctx) => ({
              inbound: new OpenTelemetryActivityInboundInterceptor(ctx, interceptorOptions),
              outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
            }),
          ],
        },
        // Workflow spans go through the same processor, so one flush sends everything.
        sinks: { exporter: makeWorkflowExporter(setup.processor, setup.resource) },
      },
      workflowInterceptorModules: [workflowInterceptorsPath],
      clientInterceptors: {
        workflow: [new OpenTelemetryWorkflowClientInterceptor(interceptorOptions)],
      },
    };
  });
}
