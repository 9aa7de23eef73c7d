/** Counts every answer of the webhook route and times it, by outcome (`metrics.ts`). */
import type { MiddlewareHandler } from 'hono';
import type { IngressMetrics } from '../metrics';
import type { WebhookEnv } from './context';

export function measureWebhook(metrics: IngressMetrics): MiddlewareHandler<WebhookEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // No outcome means a step threw and `onError` answered 500.
    const outcome = c.get('outcome') ?? 'error';
    metrics.requests.inc({ outcome });
    metrics.duration.observe({ outcome }, (performance.now() - started) / 1000);
  };
}
