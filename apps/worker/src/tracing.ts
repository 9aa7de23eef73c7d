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
import { ConfigError } from '@code-factory/config';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

const require = createRequire(import.meta.url);

/** The workflow interceptors module; bundled into the workflow code when tracing is on. */
export const workflowInterceptorsPath = require.resolve('@code-factory/workflows/interceptors');

export const DEFAULT_SERVICE_NAME = 'code-factory-worker';

export interface WorkerTracing {
  tracer: Tracer;
  /** The OTLP traces URL spans are sent to. */
  endpoint: string;
  /** For `createWorker` (or `Worker.create`): workflow and activity interceptors, span sink. */
  workerOptions: Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>>;
  /** For a prebuilt bundle: pass to `bundleWorkflowCode({ workflowInterceptorModules })`. */
  workflowInterceptorModules: string[];
  /** For the worker's own Temporal client (queries from activities join the trace). */
  clientInterceptors: ClientInterceptors;
  /** Sends every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the exporter; call after the worker has stopped. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Used when `OTEL_SERVICE_NAME` is unset. */
  serviceName?: string;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

type Env = Record<string, string | undefined>;

/** The OTLP/HTTP traces URL from the standard variables, or null when none is set. */
export function tracesEndpoint(env: Env): string | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return null;
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (signal) return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) {
    const url = checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base);
    return `${url.replace(/\/+$/, '')}/v1/traces`;
  }
  return null;
}

function checkedUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name}: must be an http(s) URL`);
  }
  return value;
}

/** Tracing for the worker, or null (nothing changes) when no OTLP endpoint is configured. */
export function setupTracing(env: Env, options: TracingOptions = {}): WorkerTracing | null {
  const endpoint = tracesEndpoint(env);
  if (endpoint === null) return null;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || options.serviceName || DEFAULT_SERVICE_NAME;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: endpoint });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global context manager (AsyncLocalStorage) and W3C propagator: the interceptors read and
  // write trace context through the OpenTelemetry API. A no-op for whatever is set already.
  provider.register();
  const tracer = provider.getTracer('@code-factory/worker');
  const interceptorOptions = { tracer };
  return {
    tracer,
    endpoint,
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
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    workflowInterceptorModules: [workflowInterceptorsPath],
    clientInterceptors: {
      workflow: [new OpenTelemetryWorkflowClientInterceptor(interceptorOptions)],
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
