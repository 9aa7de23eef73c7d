import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';

/** One request as the fake saw it, before any fault or route ran. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
  headers: Record<string, string>;
  /** Response status, filled in once the response is ready (undefined while in flight). */
  status?: number;
  at: number;
}

/** Makes the next `times` requests matching `method` and `path` answer with `status`. */
export interface FaultSpec {
  method?: string;
  path: RegExp;
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  headers?: Record<string, string>;
  /** JSON body (objects) or text (strings); default `{ message: 'injected fault' }`. */
  body?: unknown;
  /** Wait this long before answering: with a large value this is a hung server. */
  delayMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export type FakeEnv = { Variables: { body: unknown } };
export type FakeContext = Context<FakeEnv>;

/** JSON when the text is JSON, else the text; undefined when empty. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The request's JSON body as an object ({} for anything else). */
export function bodyOf(c: FakeContext): Record<string, unknown> {
  const body = c.get('body');
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * Hono app with request recording and fault injection installed as the first middleware.
 * Routes registered afterwards read the already-parsed body with `c.get('body')`.
 */
export class HttpFake {
  readonly app = new Hono<FakeEnv>();
  readonly #log: RecordedCall[] = [];
  #faults: Array<FaultSpec & { remaining: number }> = [];
  readonly #delays = new Set<() => void>();

  constructor() {
    this.app.use('*', async (c, next) => {
      const url = new URL(c.req.url);
      const body = parseJson(await c.req.text());
      c.set('body', body);
      const call: RecordedCall = {
        method: c.req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body,
        headers: Object.fromEntries(c.req.raw.headers),
        at: Date.now(),
      };
      this.#log.push(call);
      const fault = this.#faults.find(
        (f) => (!f.method || f.method.toUpperCase() === call.method) && f.path.test(call.path),
      );
      if (fault) {
        fault.remaining -= 1;
        this.#faults = this.#faults.filter((f) => f.remaining > 0);
        if (fault.delayMs) await this.#sleep(fault.delayMs);
        call.status = fault.status;
        return faultResponse(fault);
      }
      await next();
      call.status = c.res.status;
    });
  }

  // The call log and fault injector every fake exposes to tests: own properties, so a fake
  // spreads them into its controls.
  calls = (): RecordedCall[] => [...this.#log];
  callsTo = (method: string, path: RegExp): RecordedCall[] =>
    this.#log.filter((c) => c.method === method.toUpperCase() && path.test(c.path));
  fail = (fault: FaultSpec): void => {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  };
  /** Clears the call log and pending faults; seeded state stays. */
  reset = (): void => {
    this.#log.length = 0;
    this.#faults = [];
  };
  /** Answers requests held by `delayMs` faults now (close() does this too). */
  releaseDelays = (): void => {
    for (const release of this.#delays) release();
  };

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => release(), ms);
      const release = () => {
        clearTimeout(timer);
        this.#delays.delete(release);
        resolve();
      };
      this.#delays.add(release);
    });
  }
}

function faultResponse(fault: FaultSpec): Response {
  const body = fault.body ?? { message: 'injected fault' };
  const isText = typeof body === 'string';
  const headers = new Headers({
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    ...fault.headers,
  });
  // 204/304 must not carry a body.
  const empty = fault.status === 204 || fault.status === 304;
  return new Response(empty ? null : isText ? body : JSON.stringify(body), {
    status: fault.status,
    headers,
  });
}

export interface ServeOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Called once the server exists, before it listens: attach `upgrade` listeners here. */
  onServer?: (server: Server) => void;
  /** Called when close() starts: end what closeAllConnections() does not (sockets, timers). */
  beforeClose?: () => void;
}

/** Serves a Hono app (or any fetch handler) on 127.0.0.1. */
export function serveApp(app: FetchHandler, opts: ServeOptions = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: (request) => app.fetch(request), hostname: '127.0.0.1', port: opts.port ?? 0 },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              opts.beforeClose?.();
              server.close(() => done());
              // Keep-alive sockets would otherwise hold close() open until they time out.
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
        });
      },
    );
    // serve() without TLS or http2 options creates a node:http Server.
    opts.onServer?.(server as Server);
    server.once('error', reject);
  });
}

type FetchHandler = { fetch: (request: Request) => Response | Promise<Response> };

/** Serves a fake; closing also releases requests held by `delayMs` faults. */
export function listen(
  fake: { app: FetchHandler; releaseDelays(): void },
  port = 0,
  { onServer, beforeClose }: Omit<ServeOptions, 'port'> = {},
): Promise<RunningServer> {
  const release = () => {
    fake.releaseDelays();
    beforeClose?.();
  };
  return serveApp(fake.app, { port, onServer, beforeClose: release });
}
