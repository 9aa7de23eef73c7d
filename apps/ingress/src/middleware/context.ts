/**
 * What the steps of `POST /webhooks/github` share: the request's logger, the outcome the
 * answering step chose (read by the metrics and tracing middleware on the way out), the
 * server span when tracing is on, and the delivery's headers once they are checked.
 */
import type { Span } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Outcome } from '../metrics';

export interface WebhookEnv {
  Variables: {
    /** Child logger: every line carries `deliveryId` and `event`. */
    log: Logger;
    outcome?: Outcome;
    span?: Span;
    /** The raw body as text, read once by `limitBody` (within `MAX_BODY_BYTES`). */
    body: string;
    /** Set by `requireDeliveryHeaders`. */
    event: string;
    deliveryId: string;
  };
}

export type WebhookStatus = 200 | 202 | 400 | 401 | 413 | 500 | 503;

/** Answers and records the outcome; every answer of the webhook route goes through here. */
export function answer(
  c: Context<WebhookEnv>,
  outcome: Outcome,
  status: WebhookStatus,
  body: object,
): Response {
  c.set('outcome', outcome);
  c.get('span')?.setAttributes({ 'code_factory.outcome': outcome });
  return c.json(body, status);
}

/** The request's child logger, labelled with the headers as sent (checked later). */
export function deliveryLog(logger: Logger): MiddlewareHandler<WebhookEnv> {
  return async (c, next) => {
    const deliveryId = c.req.header('x-github-delivery') ?? null;
    const event = c.req.header('x-github-event') ?? null;
    c.set('log', logger.child({ deliveryId, event }));
    await next();
  };
}
