/**
 * 413 for a body over `MAX_BODY_BYTES`, and the one read of the body: the raw text is kept in
 * the context (`body`) for the signature check and the parse, which read nothing else.
 *
 * - A declared `Content-Length` (what GitHub sends) is trusted: over the limit is refused
 *   before a byte is read, and within it the body is read with `c.req.text()`, which
 *   @hono/node-server serves straight from Node's `IncomingMessage`. Node's HTTP parser never
 *   hands over more bytes than the `Content-Length` says, so that read is bounded.
 * - Without one (chunked), the stream is counted as it arrives and reading stops at the limit.
 *
 * Not Hono's `bodyLimit`: it touches `c.req.raw.body`, which makes @hono/node-server build a
 * full WHATWG Request (undici Request, AbortSignal, a web stream over the socket) for every
 * delivery. That was over half of the skip path's CPU in `tests/bench/src/ingress-profile.ts`
 * (docs/performance.md, "Ingress").
 */
import type { Context, MiddlewareHandler } from 'hono';
import { answer, type WebhookEnv } from './context';

export function limitBody(maxBytes: number): MiddlewareHandler<WebhookEnv> {
  return async (c, next) => {
    const declared = declaredLength(c);
    if (declared !== undefined && declared > maxBytes) return tooLarge(c, declared);
    const body = declared !== undefined ? await c.req.text() : await readCounted(c, maxBytes);
    if (body === undefined) return tooLarge(c);
    c.set('body', body);
    await next();
  };
}

/** The Content-Length when it alone frames the body (no Transfer-Encoding), else undefined. */
function declaredLength(c: Context<WebhookEnv>): number | undefined {
  const length = c.req.header('content-length');
  if (length === undefined || c.req.header('transfer-encoding') !== undefined) return undefined;
  const bytes = Number(length);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
}

/** The body as text, or undefined once more than `maxBytes` arrived (the rest is not read). */
async function readCounted(c: Context<WebhookEnv>, maxBytes: number): Promise<string | undefined> {
  const stream = c.req.raw.body;
  if (!stream) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function tooLarge(c: Context<WebhookEnv>, declared?: number): Response {
  c.get('log').warn(
    { outcome: 'too_large', ...(declared !== undefined ? { bytes: declared } : {}) },
    'body too large',
  );
  return answer(c, 'too_large', 413, { error: 'payload too large' });
}
