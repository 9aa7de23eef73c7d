/**
 * The ingress as a value: a Hono app that verifies, classifies and hands GitHub deliveries to
 * Temporal. Tested in-process with `app.request(...)`; `main.ts` only serves it.
 *
 * `POST /webhooks/github` is a chain of small steps, and their order is the contract
 * (docs/architecture.md, "The ingress") that must not change: size (413) → signature (401,
 * before the body is parsed) → headers (400) → unrouted event (200 skip on the header) → JSON
 * (400) → classify (200 skip / 400 invalid) → hand-off (202, or 503 when Temporal is slow or
 * down). Tracing and metrics wrap
 * the chain and read the outcome the answering step recorded.
 */
import { AesGcmPayloadCodec, type PayloadCodec, parseCodecKeys } from '@code-factory/codec';
import type { IngressConfig } from '@code-factory/config';
import type { Tracer } from '@opentelemetry/api';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { CODEC_PATH, codecRoutes } from './codec-routes';
import { handleDelivery } from './hand-off';
import { createIngressMetrics, type IngressMetrics } from './metrics';
import { limitBody } from './middleware/body-limit';
import { deliveryLog, type WebhookEnv } from './middleware/context';
import { requireDeliveryHeaders } from './middleware/headers';
import { measureWebhook } from './middleware/measure';
import { verifySignature } from './middleware/signature';
import { traceWebhook } from './middleware/trace';
import type { EventSink } from './temporal-sink';

export { NO_ACTIVE_TASK } from './hand-off';

export interface AppDeps {
  config: IngressConfig;
  /** Where accepted events go; it answers or fails within the hand-off deadline. */
  sink: EventSink;
  logger: Logger;
  isTemporalReady: () => Promise<boolean>;
  /** Shared with the process; a fresh registry when omitted (tests). */
  metrics?: IngressMetrics;
  /** Clock for `receivedAt`; tests pin it. */
  now?: () => Date;
  /** When given (tracing on, `tracing.ts`), each webhook is handled inside a server span. */
  tracer?: Tracer;
  /** The payload codec the sink uses; served at `/codec` when `CODEC_AUTH_TOKEN` is set. */
  codec?: PayloadCodec;
}

export const WEBHOOK_PATH = '/webhooks/github';

export function createApp(deps: AppDeps): Hono<WebhookEnv> {
  const { config, sink, logger } = deps;
  const metrics = deps.metrics ?? createIngressMetrics();
  const app = new Hono<WebhookEnv>();

  // Without tracing there is no span to open, so no step either (one await less per delivery).
  if (deps.tracer) app.post(WEBHOOK_PATH, traceWebhook(deps.tracer, WEBHOOK_PATH));
  app.post(
    WEBHOOK_PATH,
    measureWebhook(metrics),
    deliveryLog(logger),
    limitBody(config.MAX_BODY_BYTES),
    verifySignature(config.WEBHOOK_SECRET),
    requireDeliveryHeaders(),
    handleDelivery({
      sink,
      now: deps.now ?? (() => new Date()),
      classify: {
        agentLogin: config.AGENT_GITHUB_USERNAME,
        botLogin: config.GITHUB_APP_BOT_LOGIN,
        trustedAssociations: config.TRUSTED_AUTHOR_ASSOCIATIONS,
        taskNamePrefix: config.CODER_TASK_NAME_PREFIX,
      },
    }),
  );

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/readyz', async (c) => {
    const ready = await deps.isTemporalReady().catch(() => false);
    return c.json({ ready }, ready ? 200 : 503);
  });

  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  app.get('/schema.json', async (c) => c.json(await loadRepoConfigSchema()));

  if (config.CODEC_AUTH_TOKEN) {
    const codec =
      deps.codec ??
      new AesGcmPayloadCodec({
        keys: config.PAYLOAD_CODEC_KEYS ? parseCodecKeys(config.PAYLOAD_CODEC_KEYS) : null,
      });
    app.route(
      CODEC_PATH,
      codecRoutes({
        token: config.CODEC_AUTH_TOKEN,
        origins: config.CODEC_CORS_ORIGINS,
        maxBodyBytes: config.CODEC_MAX_BODY_BYTES,
        codec,
        logger,
      }),
    );
  }

  app.onError((error, c) => {
    // Middleware answers (bearer token 401, body limit 413) are thrown as HTTPExceptions.
    if (error instanceof HTTPException) return error.getResponse();
    const deliveryId = c.req.header('x-github-delivery') ?? null;
    const event = c.req.header('x-github-event') ?? null;
    logger.error({ deliveryId, event, err: error, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal error' }, 500);
  });

  return app;
}

let repoConfigSchema: Promise<Record<string, unknown>> | undefined;

/** Loaded on first use so the webhook path never pays for the repo-config package. */
function loadRepoConfigSchema(): Promise<Record<string, unknown>> {
  repoConfigSchema ??= import('@code-factory/repo-config')
    .then((mod) => mod.repoConfigJsonSchema())
    .catch((error: unknown) => {
      repoConfigSchema = undefined; // try again on the next request
      throw error;
    });
  return repoConfigSchema;
}
