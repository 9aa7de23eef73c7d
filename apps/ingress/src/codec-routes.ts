/**
 * The codec server the Temporal Web UI and CLI decode payloads through (Temporal's codec
 * server protocol: `POST …/encode` and `POST …/decode`, a `Payloads` message as JSON in
 * and out, 400 for what the codec cannot handle). Mounted at `/codec` only when
 * `CODEC_AUTH_TOKEN` is set, so it never serves without a token.
 *
 * Middleware, in order: CORS (the preflight carries no token, so it is answered first, and
 * only for `CODEC_CORS_ORIGINS`), bearer token, body size, then the handler.
 */
import {
  CodecError,
  type PayloadCodec,
  ProtocolError,
  payloadsFromJson,
  payloadsToJson,
} from '@code-factory/codec';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';

export const CODEC_PATH = '/codec';

export interface CodecRoutesOptions {
  token: string;
  /** Browser origins allowed to call (the Web UI's); none: no CORS headers at all. */
  origins: string[];
  maxBodyBytes: number;
  codec: PayloadCodec;
  logger: Logger;
}

export function codecRoutes(options: CodecRoutesOptions): Hono {
  const { codec, logger } = options;
  const app = new Hono();
  const allowed = new Set(options.origins);
  app.use(
    '*',
    cors({
      origin: (origin) => (allowed.has(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      maxAge: 600,
    }),
  );
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    logger.info(
      {
        path: c.req.path,
        status: c.res.status,
        namespace: c.req.header('x-namespace') ?? null,
        ms: Math.round(performance.now() - started),
      },
      'codec request',
    );
  });
  app.use(
    '*',
    bearerAuth({
      token: options.token,
      noAuthenticationHeader: { message: { error: 'authorization required' } },
      invalidAuthenticationHeader: { message: { error: 'malformed authorization header' } },
      invalidToken: { message: { error: 'invalid token' } },
    }),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => c.json({ error: 'payload too large' }, 413),
    }),
  );

  const handle = (direction: 'encode' | 'decode') =>
    app.post(`/${direction}`, async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch (error) {
        if (isHttpException(error)) throw error; // the body limit
        return c.json({ error: 'body is not JSON' }, 400);
      }
      try {
        const payloads = payloadsFromJson(body);
        const result =
          direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        return c.json(payloadsToJson(result));
      } catch (error) {
        if (error instanceof ProtocolError || error instanceof CodecError) {
          logger.warn(
            { path: c.req.path, kind: error instanceof CodecError ? error.kind : 'protocol' },
            'codec request refused',
          );
          return c.json({ error: error.message }, 400);
        }
        throw error;
      }
    });
  handle('encode');
  handle('decode');
  return app;
}

function isHttpException(error: unknown): boolean {
  return error instanceof Error && error.name === 'HTTPException';
}
