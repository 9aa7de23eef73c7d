/**
 * 401 unless `X-Hub-Signature-256` is the HMAC of the raw body under `WEBHOOK_SECRET`,
 * checked before anything looks inside the body (not even whether it is JSON). The body is the
 * text `limitBody` read.
 */
import { Webhooks } from '@octokit/webhooks';
import type { MiddlewareHandler } from 'hono';
import { answer, type WebhookEnv } from './context';

export function verifySignature(secret: string): MiddlewareHandler<WebhookEnv> {
  const webhooks = new Webhooks({ secret });
  return async (c, next) => {
    const signature = c.req.header('x-hub-signature-256');
    if (!signature || !(await matches(webhooks, c.get('body'), signature))) {
      c.get('log').warn(
        { outcome: 'unauthorized', reason: signature ? 'signature mismatch' : 'signature missing' },
        'rejected delivery',
      );
      return answer(c, 'unauthorized', 401, { error: 'invalid signature' });
    }
    await next();
  };
}

async function matches(webhooks: Webhooks, text: string, signature: string): Promise<boolean> {
  try {
    // Timing-safe comparison (crypto.timingSafeEqual) inside @octokit/webhooks-methods.
    return await webhooks.verify(text, signature);
  } catch {
    // Thrown for an empty body: nothing signed, nothing to accept.
    return false;
  }
}
