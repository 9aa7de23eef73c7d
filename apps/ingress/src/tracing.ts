/**
 * Optional OpenTelemetry tracing for the ingress, off unless an OTLP endpoint is configured
 * (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`).
 *
 * When on, every webhook gets a server span (`app.ts`: event, delivery id, outcome and the
 * workflow id; never a body), and Temporal's client interceptor puts its context into the
 * headers of the signal-with-start, so the worker's workflow and activity spans join the
 * same trace. Spans go out over OTLP/HTTP.
 */
import { ConfigError } from '@code-factory/config';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

export const DEFAULT_SERVICE_NAME = 'code-factory-ingress';

export interface IngressTracing {
  tracer: Tracer;
  /** The OTLP traces URL spans are sent to. */
  endpoint: string;
  /** For the Temporal client (`TemporalEventSink`'s `interceptors`). */
  clientInterceptors: ClientInterceptors;
  /** Sends every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the exporter; call after the server has drained. */
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

/** Tracing for the ingress, or null (nothing changes) when no OTLP endpoint is configured. */
export function setupTracing(env: Env, options: TracingOptions = {}): IngressTracing | null {
  const endpoint = tracesEndpoint(env);
  if (endpoint === null) return null;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || options.serviceName || DEFAULT_SERVICE_NAME;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: endpoint });
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Global context manager (AsyncLocalStorage) and W3C propagator: the client interceptor
  // reads the active span and writes it into the workflow headers through the API.
  provider.register();
  const tracer = provider.getTracer('@code-factory/ingress');
  return {
    tracer,
    endpoint,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
