/**
 * The ingress as the tests run it: the real app and Temporal sink, served over HTTP on a
 * free loopback port, its JSON log lines collected for tests that scan them.
 */
import { Writable } from 'node:stream';
import { codecDataConverter } from '@code-factory/codec';
import { IngressConfigSchema, parseEnv, temporalSettings } from '@code-factory/config';
import {
  type AppDeps,
  createApp,
  createLogger,
  TemporalEventSink,
  type TemporalSinkOptions,
} from '@code-factory/ingress';
import { parseJson, serveApp } from '../http-fake';
import { webhookRequest } from '../webhooks';

export interface TestIngressOptions {
  address: string;
  taskQueue: string;
  prefix: string;
  agentLogin: string;
  webhookSecret: string;
  botLogin?: string;
  signalTimeoutMs?: number;
  /** More ingress environment (PAYLOAD_CODEC_KEYS, CODEC_AUTH_TOKEN, ...). */
  env?: Record<string, string>;
  /** Port to listen on; default a free one. */
  port?: number;
  /** Collect log lines into this array (e.g. across restarts); default a new one. */
  logs?: string[];
  /** OpenTelemetry: the ingress's tracer and the sink's client interceptors (tests/tracing). */
  tracer?: AppDeps['tracer'];
  clientInterceptors?: TemporalSinkOptions['interceptors'];
}

export async function startTestIngress(options: TestIngressOptions) {
  const config = parseEnv(IngressConfigSchema, {
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    CODER_TASK_NAME_PREFIX: options.prefix,
    AGENT_GITHUB_USERNAME: options.agentLogin,
    WEBHOOK_SECRET: options.webhookSecret,
    PORT: '0',
    ...(options.botLogin ? { GITHUB_APP_BOT_LOGIN: options.botLogin } : {}),
    ...(options.signalTimeoutMs
      ? { TEMPORAL_SIGNAL_TIMEOUT_MS: String(options.signalTimeoutMs) }
      : {}),
    ...options.env,
  });
  const dataConverter = codecDataConverter(config.PAYLOAD_CODEC_KEYS);
  const logs: string[] = options.logs ?? [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  });
  const sink = new TemporalEventSink({
    settings: temporalSettings({ TEMPORAL_ADDRESS: options.address }),
    taskQueue: options.taskQueue,
    taskNamePrefix: options.prefix,
    timeoutMs: config.TEMPORAL_SIGNAL_TIMEOUT_MS,
    dataConverter,
    interceptors: options.clientInterceptors,
  });
  const app = createApp({
    config,
    sink,
    logger,
    isTemporalReady: () => sink.isReady(),
    codec: dataConverter.payloadCodecs?.[0],
    tracer: options.tracer,
  });
  const server = await serveApp(app, { port: options.port });
  return {
    url: server.url,
    /** Log lines (JSON). */
    logs,
    /** Signs and posts a webhook; returns status, parsed body and how long the answer took. */
    async deliver(event: string, payload: unknown, deliveryId?: string) {
      const { webhookSecret: secret } = options;
      const request = await webhookRequest({ secret, event, payload, deliveryId });
      const started = Date.now();
      const response = await fetch(`${server.url}/webhooks/github`, { method: 'POST', ...request });
      const text = await response.text();
      return { status: response.status, body: parseJson(text) ?? text, ms: Date.now() - started };
    },
    async close() {
      await server.close();
      await sink.close();
    },
  };
}

export type TestIngress = Awaited<ReturnType<typeof startTestIngress>>;
