/**
 * A loopback relay from the Temporal Web UI to the ingress's codec endpoint that adds the
 * `Authorization` header. The Web UI sends no token of its own; in production the proxy that
 * authenticates operators adds it. `pnpm dev` uses this relay in its place (and the Web UI test
 * checks what that shows). It answers the browser's CORS preflight for the UI's origin only and
 * listens on 127.0.0.1.
 */
import { type RunningServer, serveApp } from '@code-factory/testkit';
import { Hono } from 'hono';
import { cors } from 'hono/cors';

export interface CodecRelayOptions {
  /** The ingress's codec endpoint, e.g. http://127.0.0.1:8787/codec (settable later). */
  target?: string;
  /** CODEC_AUTH_TOKEN of the ingress. */
  token: string;
  /** Origin(s) of the Web UI, e.g. http://localhost:8233. */
  uiOrigin: string | string[];
  port?: number;
}

export interface CodecRelay extends RunningServer {
  /** The endpoint to give the Web UI (`--ui-codec-endpoint`). */
  endpoint: string;
  setTarget(url: string): void;
  /** false: forward without the token, as a UI without the operators' proxy would. */
  setAuthorizing(on: boolean): void;
}

export async function startCodecRelay(options: CodecRelayOptions): Promise<CodecRelay> {
  let target = options.target;
  let authorizing = true;
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: options.uiOrigin,
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Namespace'],
    }),
  );
  app.post('/codec/:op{encode|decode}', async (c) => {
    if (!target) return c.json({ error: 'codec relay: no target yet' }, 503);
    const response = await fetch(`${target}/${c.req.param('op')}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': c.req.header('x-namespace') ?? 'default',
        ...(authorizing ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: await c.req.text(),
    });
    return new Response(await response.text(), {
      status: response.status,
      headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
    });
  });
  const server = await serveApp(app, { port: options.port ?? 0 });
  return Object.assign(server, {
    endpoint: `${server.url}/codec`,
    setTarget: (url: string) => {
      target = url;
    },
    setAuthorizing: (on: boolean) => {
      authorizing = on;
    },
  });
}
