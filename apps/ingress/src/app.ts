/**
 * The ingress as a value: a Hono app that verifies, classifies and hands GitHub deliveries to
 * the event sink. Tested in-process with `app.request(...)`; `main.ts` only serves it.
 *
 * The order of checks on `POST /webhooks/github` is a contract (docs/architecture.md#the-ingress)
 * and must not change: size (413) → signature (401, before the body is parsed) → headers and JSON (400)
 * → classify (200 skip / 400 invalid) → sink (202, or 503 when Temporal is slow or down).
 */
import { AesGcmPayloadCodec, type PayloadCodec, parseCodecKeys } from '@code-factory/codec';
import type { IngressConfig } from '@code-factory/config';
import { Webhooks } from '@octokit/webhooks';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { CODEC_PATH, codecRoutes } from './codec-routes';
import {
  createIngressMetrics,
  type IngressMetrics,
  type Outcome,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics';
import { type AcceptedDecision, classify, type RouterContext } from './router';
import { type Delivery, type EventSink, SinkUnavailableError } from './temporal-sink';

export interface AppDeps {
  config: IngressConfig;
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
export const NO_ACTIVE_TASK = 'no active task for this issue';

export function createApp(deps: AppDeps): Hono {
  const { config, sink, logger } = deps;
  const metrics = deps.metrics ?? createIngressMetrics();
  const now = deps.now ?? (() => new Date());
  const webhooks = new Webhooks({ secret: config.WEBHOOK_SECRET });
  const app = new Hono();

  const handleWebhook = async (c: Context, span: Span | undefined): Promise<Response> => {
    const started = performance.now();
    const deliveryId = c.req.header('x-github-delivery') ?? null;
    const event = c.req.header('x-github-event') ?? null;
    const log = logger.child({ deliveryId, event });

    const answer = (
      outcome: Outcome,
      status: 200 | 202 | 400 | 401 | 413 | 500 | 503,
      body: object,
    ) => {
      span?.setAttributes({ 'code_factory.outcome': outcome, 'http.response.status_code': status });
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ outcome });
      metrics.duration.observe(seconds, { outcome });
      return c.json(body, status);
    };

    // 1. Size: the declared length first, then what actually arrives (it may lie or be absent).
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > config.MAX_BODY_BYTES) {
      log.warn({ outcome: 'too_large', bytes: declared }, 'body too large');
      return answer('too_large', 413, { error: 'payload too large' });
    }
    const raw = await readLimited(c.req.raw, config.MAX_BODY_BYTES);
    if (raw === null) {
      log.warn({ outcome: 'too_large' }, 'body too large');
      return answer('too_large', 413, { error: 'payload too large' });
    }

    // 2. Signature, on the raw text, before anything looks inside it.
    const text = new TextDecoder().decode(raw);
    const signature = c.req.header('x-hub-signature-256');
    if (!signature || !(await verifySignature(webhooks, text, signature))) {
      log.warn(
        { outcome: 'unauthorized', reason: signature ? 'signature mismatch' : 'signature missing' },
        'rejected delivery',
      );
      return answer('unauthorized', 401, { error: 'invalid signature' });
    }

    // 3. Headers and JSON.
    if (!event) {
      log.warn({ outcome: 'bad_request', reason: 'missing X-GitHub-Event' }, 'rejected delivery');
      return answer('bad_request', 400, { error: 'missing X-GitHub-Event header' });
    }
    if (!deliveryId) {
      // Redelivery de-duplication in the workflows keys on it.
      log.warn(
        { outcome: 'bad_request', reason: 'missing X-GitHub-Delivery' },
        'rejected delivery',
      );
      return answer('bad_request', 400, { error: 'missing X-GitHub-Delivery header' });
    }
    // Only once the signature holds: unauthenticated callers do not get to label spans.
    span?.setAttributes({ 'github.event': event, 'github.delivery': deliveryId });
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      log.warn({ outcome: 'bad_request', reason: 'body is not JSON' }, 'rejected delivery');
      return answer('bad_request', 400, { error: 'body is not JSON' });
    }

    // 4. Classify.
    const ctx: RouterContext = {
      agentLogin: config.AGENT_GITHUB_USERNAME,
      botLogin: config.GITHUB_APP_BOT_LOGIN,
      trustedAssociations: config.TRUSTED_AUTHOR_ASSOCIATIONS,
      deliveryId,
      receivedAt: now().toISOString(),
      taskNamePrefix: config.CODER_TASK_NAME_PREFIX,
    };
    const decision = classify(event, payload, ctx);
    if (decision.action === 'skip') {
      log.info({ outcome: 'skipped', reason: decision.reason }, 'skipped delivery');
      return answer('skipped', 200, { ok: true, skipped: decision.reason });
    }
    if (decision.action === 'invalid') {
      log.warn(
        { outcome: 'invalid', field: decision.field, problem: decision.problem },
        'malformed payload',
      );
      return answer('invalid', 400, {
        error: `malformed payload: ${decision.field}: ${decision.problem}`,
        field: decision.field,
      });
    }

    // 5. Hand over to Temporal, within the deadline.
    const kind = decision.event.kind;
    let delivery: Delivery;
    try {
      delivery = await withTimeout(deliver(sink, decision), config.TEMPORAL_SIGNAL_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof SinkUnavailableError) {
        log.error({ outcome: 'unavailable', kind, err: error }, 'temporal unavailable');
        return answer('unavailable', 503, { error: 'temporal unavailable, retry later' });
      }
      log.error({ outcome: 'error', kind, err: error }, 'hand-off failed');
      return answer('error', 500, { error: 'internal error' });
    }
    span?.setAttributes({
      'code_factory.event_kind': kind,
      temporalWorkflowId: delivery.workflowId,
    });
    if (delivery.status === 'no-workflow') {
      log.info(
        { outcome: 'no_task', kind, workflowId: delivery.workflowId, reason: NO_ACTIVE_TASK },
        'skipped delivery',
      );
      return answer('no_task', 200, { ok: true, skipped: NO_ACTIVE_TASK });
    }
    log.info({ outcome: 'accepted', kind, workflowId: delivery.workflowId }, 'accepted delivery');
    return answer('accepted', 202, { ok: true, workflowId: delivery.workflowId });
  };

  app.post(WEBHOOK_PATH, (c) => {
    const tracer = deps.tracer;
    if (!tracer) return handleWebhook(c, undefined);
    // Active while the sink runs, so Temporal's client interceptor carries it into the
    // workflow's headers and the worker's spans join this trace.
    return tracer.startActiveSpan(
      `POST ${WEBHOOK_PATH}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'POST', 'http.route': WEBHOOK_PATH },
      },
      async (span) => {
        try {
          const response = await handleWebhook(c, span);
          if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          return response;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          if (error instanceof Error) span.recordException(error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  });

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.get('/readyz', async (c) => {
    const ready = await deps.isTemporalReady().catch(() => false);
    return c.json({ ready }, ready ? 200 : 503);
  });

  app.get('/metrics', (c) =>
    c.body(metrics.registry.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }),
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

function deliver(sink: EventSink, decision: AcceptedDecision): Promise<Delivery> {
  switch (decision.action) {
    case 'start-task':
      return sink.startTask(decision);
    case 'signal-task':
      return sink.signalTask(decision);
    case 'route':
      return sink.route(decision.event);
  }
}

/** The app's own deadline: a sink that hangs still yields a quick 503. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SinkUnavailableError(`no answer from Temporal within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function verifySignature(webhooks: Webhooks, text: string, signature: string) {
  try {
    // Timing-safe comparison (crypto.timingSafeEqual) inside @octokit/webhooks-methods.
    return await webhooks.verify(text, signature);
  } catch {
    // Thrown for an empty body: nothing signed, nothing to accept.
    return false;
  }
}

/** Reads the body up to `limit` bytes; null as soon as it is larger, without buffering it. */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
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
