/**
 * Process entry: parse the environment, serve the app, shut down gracefully.
 * Run with `tsx apps/ingress/src/main.ts`.
 */
import { codecDataConverter } from '@code-factory/codec';
import {
  ConfigError,
  type IngressConfig,
  IngressConfigSchema,
  parseEnv,
  temporalSettings,
} from '@code-factory/config';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { createLogger } from './logger';
import { createIngressMetrics } from './metrics';
import { TemporalEventSink } from './temporal-sink';
import { type IngressTracing, setupTracing } from './tracing';

function loadConfig(): IngressConfig {
  try {
    return parseEnv(IngressConfigSchema, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ingress: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Off (null) unless an OTLP endpoint is configured; see docs/operations.md, "Tracing". */
function loadTracing(): IngressTracing | null {
  try {
    return setupTracing(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ingress: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const config = loadConfig();
const tracing = loadTracing();
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
// Encrypts every payload when PAYLOAD_CODEC_KEYS is set (docs/configuration.md).
const dataConverter = codecDataConverter(config.PAYLOAD_CODEC_KEYS);
const sink = new TemporalEventSink({
  dataConverter,
  settings: temporalSettings(process.env),
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  taskNamePrefix: config.CODER_TASK_NAME_PREFIX,
  timeoutMs: config.TEMPORAL_SIGNAL_TIMEOUT_MS,
  ...(tracing ? { interceptors: tracing.clientInterceptors } : {}),
});
const app = createApp({
  config,
  sink,
  logger,
  isTemporalReady: () => sink.isReady(),
  metrics: createIngressMetrics(),
  codec: dataConverter.payloadCodecs?.[0],
  ...(tracing ? { tracer: tracing.tracer } : {}),
});

const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
  logger.info({ port: info.port, tracing: tracing ? 'otlp' : 'off' }, 'listening');
});

/** How long in-flight requests may take to finish before the process exits anyway. */
const DRAIN_TIMEOUT_MS = config.TEMPORAL_SIGNAL_TIMEOUT_MS + 5_000;
let stopping = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const forced = setTimeout(() => {
    logger.warn('drain timed out, exiting');
    process.exit(1);
  }, DRAIN_TIMEOUT_MS);
  forced.unref();
  // Stops accepting connections; resolves once in-flight requests have been answered.
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
  await sink.close().catch((error: unknown) => logger.warn({ err: error }, 'closing Temporal'));
  await tracing
    ?.shutdown()
    .catch((error: unknown) => logger.warn({ err: error }, 'flushing traces'));
  logger.info('stopped');
  process.exit(0);
}

process.on('SIGTERM', (signal) => void shutdown(signal));
process.on('SIGINT', (signal) => void shutdown(signal));
process.on('unhandledRejection', (error) => {
  // A stray rejection must not take the ingress down; it is logged and the request answered.
  logger.error({ err: error }, 'unhandled rejection');
});
