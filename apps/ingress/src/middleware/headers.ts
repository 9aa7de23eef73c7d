/**
 * 400 without `X-GitHub-Event` or `X-GitHub-Delivery`. The delivery id is required because
 * the workflows drop a redelivery by it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { answer, type WebhookEnv } from './context';

export function requireDeliveryHeaders(): MiddlewareHandler<WebhookEnv> {
  return async (c, next) => {
    const event = c.req.header('x-github-event');
    const deliveryId = c.req.header('x-github-delivery');
    if (!event) return reject(c, 'X-GitHub-Event');
    if (!deliveryId) return reject(c, 'X-GitHub-Delivery');
    // Only once the signature holds: unauthenticated callers do not get to label spans.
    c.get('span')?.setAttributes({ 'github.event': event, 'github.delivery': deliveryId });
    c.set('event', event);
    c.set('deliveryId', deliveryId);
    await next();
  };
}

function reject(c: Context<WebhookEnv>, header: string): Response {
  c.get('log').warn({ outcome: 'bad_request', reason: `missing ${header}` }, 'rejected delivery');
  return answer(c, 'bad_request', 400, { error: `missing ${header} header` });
}
