/**
 * The OpenTelemetry tracer provider both processes share, from the standard variables:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as given) or `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (+ `/v1/traces`), `OTEL_SERVICE_NAME`, and `OTEL_SDK_DISABLED` / `OTEL_TRACES_EXPORTER=none`
 * to turn it off. Off (null) unless an endpoint is set. Spans go out over OTLP/HTTP (JSON).
 */
import { ConfigError } from '@code-factory/config';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type Env = Record<string, string | undefined>;

export interface TracingOptions {
  /** Used when `OTEL_SERVICE_NAME` is unset. */
  serviceName?: string;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

/** What each process's tracing offers, besides its own Temporal interceptors. */
export interface ProcessTracing {
  tracer: Tracer;
  /** The OTLP traces URL spans are sent to. */
  endpoint: string;
  /** Sends every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the exporter; call once the process has stopped its work. */
  shutdown(): Promise<void>;
}

export interface TracerSetup extends ProcessTracing {
  resource: Resource;
  /** The one processor every span goes through (workflow spans included), so one flush sends all. */
  processor: BatchSpanProcessor;
}

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

/** Registers a global tracer provider, or returns null (nothing changes) without an endpoint. */
export function startTracer(
  env: Env,
  instrumentation: string,
  defaultServiceName: string,
  options: TracingOptions = {},
): TracerSetup | null {
  const endpoint = tracesEndpoint(env);
  if (endpoint === null) return null;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || options.serviceName || defaultServiceName;
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: serviceName }));
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: endpoint });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global context manager (AsyncLocalStorage) and W3C propagator: Temporal's interceptors
  // read and write trace context through the OpenTelemetry API.
  provider.register();
  return {
    tracer: provider.getTracer(instrumentation),
    endpoint,
    resource,
    processor,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * A process's tracing: the shared part (tracer, endpoint, flush, shutdown) plus what `extend`
 * adds from the setup (the process's own Temporal interceptors); null when tracing is off.
 */
export function setupProcessTracing<Extra extends object>(
  env: Env,
  instrumentation: string,
  defaultServiceName: string,
  options: TracingOptions,
  extend: (setup: TracerSetup) => Extra,
): (ProcessTracing & Extra) | null {
  const setup = startTracer(env, instrumentation, defaultServiceName, options);
  if (setup === null) return null;
  const { tracer, endpoint, forceFlush, shutdown } = setup;
  return { tracer, endpoint, forceFlush, shutdown, ...extend(setup) };
}
