/**
 * A server span around each webhook when tracing is on (`tracing.ts`). It is active while
 * the hand-off runs, so Temporal's client interceptor carries it into the workflow's
 * headers and the worker's spans join this trace. Never a body in an attribute.
 */
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { WebhookEnv } from './context';

export function traceWebhook(tracer: Tracer, route: string): MiddlewareHandler<WebhookEnv> {
  return (c, next) =>
    tracer.startActiveSpan(
      `POST ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'POST', 'http.route': route },
      },
      async (span) => {
        c.set('span', span);
        try {
          await next();
          span.setAttributes({ 'http.response.status_code': c.res.status });
          // Hono hands a thrown error to `onError` before we get here; it is kept on `c.error`.
          if (c.error) span.recordException(c.error);
          if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        } finally {
          span.end();
        }
      },
    );
}
