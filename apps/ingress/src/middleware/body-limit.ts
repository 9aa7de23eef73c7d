/**
 * 413 for a body over `MAX_BODY_BYTES`: Hono's body limit, which rejects on the declared
 * length and otherwise counts what arrives, stopping at the limit without buffering more.
 * A declared length it trusts is safe behind Node's HTTP parser, which never hands over
 * more bytes than the `Content-Length` says.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { answer, type WebhookEnv } from './context';

export function limitBody(maxBytes: number): MiddlewareHandler<WebhookEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      const declared = Number(c.req.header('content-length'));
      c.get('log').warn(
        { outcome: 'too_large', ...(Number.isFinite(declared) ? { bytes: declared } : {}) },
        'body too large',
      );
      return answer(c, 'too_large', 413, { error: 'payload too large' });
    },
  });
}
