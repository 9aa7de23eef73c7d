import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { type IngressConfig, IngressConfigSchema, parseEnv } from '@code-factory/config';
import type { RepoEvent } from '@code-factory/events';
import { samplePayloads, signWebhook, webhookRequest } from '@code-factory/testkit';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import type { SignalTask, StartTask } from './classify';
import { createLogger } from './logger';
import { createIngressMetrics } from './metrics';
import {
  type EventSink,
  type HandOff,
  SinkUnavailableError,
  TemporalEventSink,
} from './temporal-sink';

const SECRET = 'test-webhook-secret';
const URL = 'http://ingress.test/webhooks/github';

/** Our own port: an in-test implementation that records and can be told to misbehave. */
class RecordingSink implements EventSink {
  readonly calls: Array<{ method: string; workflowId?: string; kind: string }> = [];
  behaviour: 'ok' | 'unavailable' | 'no-workflow' | 'boom' = 'ok';

  startTask(action: StartTask) {
    return this.handle('startTask', action.taskName, action.event.kind);
  }
  signalTask(action: SignalTask) {
    return this.handle('signalTask', action.taskName, action.event.kind);
  }
  route(event: RepoEvent) {
    return this.handle(
      'route',
      `repo-${event.repository.owner}/${event.repository.name}`,
      event.kind,
    );
  }

  private async handle(method: string, workflowId: string, kind: string): Promise<HandOff> {
    this.calls.push({ method, workflowId, kind });
    switch (this.behaviour) {
      case 'unavailable':
        throw new SinkUnavailableError('connection refused');
      case 'no-workflow':
        return { status: 'no-workflow', workflowId };
      case 'boom':
        throw new Error('unexpected');
      default:
        return { status: 'signalled', workflowId };
    }
  }
}

function setup(
  env: Record<string, string> = {},
  sinkOf?: (config: IngressConfig) => EventSink,
  now: () => Date = () => new Date('2025-01-02T03:04:05Z'),
) {
  const config = parseEnv(IngressConfigSchema, {
    WEBHOOK_SECRET: SECRET,
    MAX_BODY_BYTES: String(64 * 1024),
    TEMPORAL_SIGNAL_TIMEOUT_MS: '200',
    GITHUB_APP_BOT_LOGIN: 'code-factory[bot]',
    ...env,
  });
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
  const sink = new RecordingSink();
  const metrics = createIngressMetrics({ processMetrics: false });
  let ready = true;
  const app = createApp({
    config,
    sink: sinkOf?.(config) ?? sink,
    logger,
    metrics,
    isTemporalReady: async () => ready,
    now,
  });
  const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, sink, metrics, logs, lines, setReady: (value: boolean) => (ready = value) };
}

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** Accepts TCP connections and never writes a byte. */
async function silentServer() {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return { address: `127.0.0.1:${port}` };
}

async function deliver(app: ReturnType<typeof setup>['app'], event: string, payload: unknown) {
  const req = await webhookRequest({ secret: SECRET, event, payload, deliveryId: 'delivery-1' });
  return app.request(URL, { method: 'POST', headers: req.headers, body: req.body });
}

async function signedRaw(body: string, headers: Record<string, string> = {}) {
  return {
    method: 'POST',
    headers: {
      'x-github-event': 'issues',
      'x-github-delivery': 'delivery-1',
      'x-hub-signature-256': await signWebhook(SECRET, body),
      ...headers,
    },
    body,
  };
}

describe('POST /webhooks/github', () => {
  it('413 when Content-Length is over the limit', async () => {
    const { app, sink } = setup();
    const res = await app.request(URL, {
      method: 'POST',
      headers: { 'content-length': String(10 * 1024 * 1024) },
      body: 'x',
    });
    expect(res.status).toBe(413);
    expect(sink.calls).toEqual([]);
  });

  it('413 when the body is over the limit, even validly signed', async () => {
    const { app } = setup({ MAX_BODY_BYTES: '1024' });
    const payload = samplePayloads.issueAssigned({ body: 'x'.repeat(2000) });
    const res = await deliver(app, 'issues', payload);
    expect(res.status).toBe(413);
  });

  it('413 on an endless body without Content-Length, without buffering it', async () => {
    const { app } = setup({ MAX_BODY_BYTES: '1024' });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const request = new Request(URL, {
      method: 'POST',
      body: endless,
      // Required by undici for stream bodies.
      duplex: 'half',
    } as RequestInit);
    const res = await app.request(request);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it('401 when the signature header is missing', async () => {
    const { app, logs } = setup();
    const req = await webhookRequest({
      secret: SECRET,
      event: 'issues',
      payload: samplePayloads.issueAssigned(),
    });
    const { 'x-hub-signature-256': _, ...headers } = req.headers;
    const res = await app.request(URL, { method: 'POST', headers, body: req.body });
    expect(res.status).toBe(401);
    expect(logs().at(-1)).toMatchObject({ reason: 'signature missing', outcome: 'unauthorized' });
  });

  it('401 when the signature does not match', async () => {
    const { app } = setup();
    const req = await webhookRequest({
      secret: 'another-secret',
      event: 'issues',
      payload: samplePayloads.issueAssigned(),
    });
    const res = await app.request(URL, { method: 'POST', ...req });
    expect(res.status).toBe(401);
  });

  it('401, not 400, for a bad signature on a body that is not JSON (never parsed)', async () => {
    const { app } = setup();
    const res = await app.request(URL, {
      method: 'POST',
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body: '{not json',
    });
    expect(res.status).toBe(401);
  });

  it('401 for an empty body', async () => {
    const { app } = setup();
    const res = await app.request(URL, {
      method: 'POST',
      headers: { 'x-github-event': 'ping', 'x-hub-signature-256': 'sha256=00' },
    });
    expect(res.status).toBe(401);
  });

  it('400 when X-GitHub-Event is missing', async () => {
    const { app } = setup();
    const body = JSON.stringify(samplePayloads.issueAssigned());
    const init = await signedRaw(body);
    const { 'x-github-event': _, ...headers } = init.headers;
    const res = await app.request(URL, { ...init, headers });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'missing X-GitHub-Event header' });
  });

  it('400 when the signed body is not JSON', async () => {
    const { app } = setup();
    const res = await app.request(URL, await signedRaw('{not json'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'body is not JSON' });
  });

  it('skips an event nobody routes on its header, without parsing the signed body', async () => {
    const { app, sink } = setup();
    for (const event of ['star', 'ping']) {
      const res = await app.request(URL, await signedRaw('{not json', { 'x-github-event': event }));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        ok: true,
        skipped: event === 'ping' ? 'ping' : 'unhandled event star',
      });
    }
    // A routed event's body is still parsed: the same bytes are refused.
    expect((await app.request(URL, await signedRaw('{not json'))).status).toBe(400);
    expect(sink.calls).toHaveLength(0);
  });

  it('200 with the reason for a skipped delivery, and logs it', async () => {
    const { app, sink, logs } = setup();
    const res = await deliver(app, 'issues', samplePayloads.issueAssigned({ assignee: 'someone' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, skipped: 'assignee is not the agent' });
    expect(sink.calls).toEqual([]);
    expect(logs().at(-1)).toMatchObject({
      level: 'info',
      deliveryId: 'delivery-1',
      event: 'issues',
      reason: 'assignee is not the agent',
    });
  });

  it('200 for ping', async () => {
    const { app, sink } = setup();
    const res = await deliver(app, 'ping', { zen: 'Design for failure.', hook_id: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, skipped: 'ping' });
    expect(sink.calls).toEqual([]);
  });

  it('400 naming the field for a signed but malformed payload', async () => {
    const { app, sink } = setup();
    const payload = samplePayloads.issueAssigned();
    (payload.issue as { number: unknown }).number = 'forty-two';
    const res = await deliver(app, 'issues', payload);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'issue.number' });
    expect(sink.calls).toEqual([]);
  });

  it('202 and starts the task for an assignment to the agent', async () => {
    const { app, sink } = setup();
    const res = await deliver(app, 'issues', samplePayloads.issueAssigned({ issueNumber: 42 }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true, workflowId: 'gh-widgets-42' });
    expect(sink.calls).toEqual([
      { method: 'startTask', workflowId: 'gh-widgets-42', kind: 'issue.assigned' },
    ]);
  });

  it('202 and signals the task for a comment; the body never reaches the logs', async () => {
    const { app, sink, lines } = setup();
    const payload = samplePayloads.issueComment({ body: 'SECRET-PLAN-DO-NOT-LOG' });
    const res = await deliver(app, 'issue_comment', payload);
    expect(res.status).toBe(202);
    expect(sink.calls).toEqual([
      { method: 'signalTask', workflowId: 'gh-widgets-42', kind: 'comment.posted' },
    ]);
    expect(lines.join('')).not.toContain('SECRET-PLAN-DO-NOT-LOG');
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('202 and routes repository events', async () => {
    const { app, sink } = setup();
    const res = await deliver(app, 'push', samplePayloads.push());
    expect(res.status).toBe(202);
    expect(sink.calls).toEqual([
      { method: 'route', workflowId: 'repo-acme/widgets', kind: 'config.push' },
    ]);
  });

  it('200 skipped when a signal finds no running task (comment after close)', async () => {
    const { app, sink } = setup();
    sink.behaviour = 'no-workflow';
    const res = await deliver(app, 'issue_comment', samplePayloads.issueComment());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, skipped: 'no active task for this issue' });
  });

  it('503 when Temporal is unavailable', async () => {
    const { app, sink, logs } = setup();
    sink.behaviour = 'unavailable';
    const res = await deliver(app, 'issues', samplePayloads.issueAssigned());
    expect(res.status).toBe(503);
    expect(logs().at(-1)).toMatchObject({ level: 'error', outcome: 'unavailable' });
  });

  it('503 quickly when the hand-off hangs past the deadline', async () => {
    // A Temporal that takes the connection and never answers: only the sink's deadline ends it.
    const silent = await silentServer();
    const { app, logs } = setup({ TEMPORAL_SIGNAL_TIMEOUT_MS: '100' }, (config) => {
      const sink = new TemporalEventSink({
        settings: { address: silent.address, namespace: 'default' },
        taskQueue: 'unused',
        taskNamePrefix: config.CODER_TASK_NAME_PREFIX,
        timeoutMs: config.TEMPORAL_SIGNAL_TIMEOUT_MS,
      });
      closers.push(() => sink.close());
      return sink;
    });
    const started = Date.now();
    const res = await deliver(app, 'issues', samplePayloads.issueAssigned());
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logs().at(-1)).toMatchObject({ outcome: 'unavailable' });
  });

  it('500 for an unexpected sink error, and the app keeps serving', async () => {
    const { app, sink } = setup();
    sink.behaviour = 'boom';
    expect((await deliver(app, 'issues', samplePayloads.issueAssigned())).status).toBe(500);
    sink.behaviour = 'ok';
    expect((await deliver(app, 'issues', samplePayloads.issueAssigned())).status).toBe(202);
  });

  it('500 for a step that throws, counted as an error and logged', async () => {
    const { app, metrics, logs } = setup({}, undefined, () => {
      throw new Error('clock broke');
    });
    const res = await deliver(app, 'issues', samplePayloads.issueAssigned());
    expect(res.status).toBe(500);
    expect(await metrics.registry.metrics()).toContain('ingress_requests_total{outcome="error"} 1');
    expect(logs().at(-1)).toMatchObject({ level: 'error', msg: 'unhandled error' });
  });

  it('every log line carries the delivery id and event', async () => {
    const { app, sink, logs } = setup();
    await deliver(app, 'issues', samplePayloads.issueAssigned());
    sink.behaviour = 'unavailable';
    await deliver(app, 'issues', samplePayloads.issueAssigned());
    await deliver(app, 'issues', samplePayloads.issueAssigned({ assignee: 'x' }));
    expect(logs().length).toBeGreaterThanOrEqual(3);
    for (const line of logs()) {
      expect(line).toMatchObject({ deliveryId: 'delivery-1', event: 'issues' });
    }
  });
});

/**
 * The same app served by @hono/node-server as `main.ts` serves it: the body is read from
 * Node's request (declared length) or counted as it arrives (chunked), never both.
 */
describe('POST /webhooks/github over HTTP', () => {
  async function served(env: Record<string, string> = {}) {
    const { app, sink } = setup(env);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    closers.push(() => new Promise((done) => server.close(() => done())));
    const { port } = server.address() as AddressInfo;
    /** Sends `chunks` (chunked unless `headers` declares a length); resolves status and body. */
    const post = (headers: Record<string, string>, chunks: string[]) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/webhooks/github',
          method: 'POST',
          headers,
        });
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', fail);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    return { sink, post };
  }
  /** A signed assignment of ~100 KB, over the 32 KiB limit these tests set. */
  const oversized = () =>
    signedRaw(JSON.stringify(samplePayloads.issueAssigned({ body: 'x'.repeat(100_000) })));
  /** The headers with the body's length declared, as GitHub sends them. */
  const declared = (req: { headers: Record<string, string>; body: string }) => ({
    ...req.headers,
    'content-length': String(Buffer.byteLength(req.body)),
  });

  it('202 for a signed assignment with Content-Length, as GitHub sends it', async () => {
    const { sink, post } = await served();
    const req = await signedRaw(JSON.stringify(samplePayloads.issueAssigned()));
    const res = await post(declared(req), [req.body]);
    expect(res.status).toBe(202);
    expect(sink.calls.map((call) => call.method)).toEqual(['startTask']);
  });

  it('202 for a signed chunked body within the limit, read in pieces', async () => {
    const { sink, post } = await served();
    const req = await signedRaw(JSON.stringify(samplePayloads.issueAssigned()));
    const half = Math.floor(req.body.length / 2);
    const res = await post(req.headers, [req.body.slice(0, half), req.body.slice(half)]);
    expect(res.status).toBe(202);
    expect(sink.calls).toHaveLength(1);
  });

  it('413 for a chunked body over the limit, and the server goes on serving', async () => {
    const { sink, post } = await served({ MAX_BODY_BYTES: '32768' });
    const req = await oversized();
    const big = await post(
      req.headers,
      Array.from({ length: 10 }, (_, i) => req.body.slice(i * 12_000, (i + 1) * 12_000)),
    );
    expect(big.status).toBe(413);
    const small = await signedRaw(JSON.stringify(samplePayloads.issueAssigned()));
    expect((await post(small.headers, [small.body])).status).toBe(202);
    expect(sink.calls).toHaveLength(1);
  });

  it('413 for a declared length over the limit, before the body is read', async () => {
    const { sink, post } = await served({ MAX_BODY_BYTES: '32768' });
    const req = await oversized();
    const res = await post(declared(req), [req.body]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: 'payload too large' });
    expect(sink.calls).toEqual([]);
  });

  it('401 for a body whose bytes differ from what was signed', async () => {
    const { post } = await served();
    const req = await signedRaw(JSON.stringify(samplePayloads.issueAssigned()));
    const res = await post(req.headers, [req.body.replace('"assigned"', '"assigned" ')]);
    expect(res.status).toBe(401);
  });
});

describe('probes and metrics', () => {
  it('GET /healthz is 200', async () => {
    const { app } = setup();
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('GET /readyz follows Temporal', async () => {
    const { app, setReady } = setup();
    expect((await app.request('/readyz')).status).toBe(200);
    setReady(false);
    expect((await app.request('/readyz')).status).toBe(503);
  });

  it('GET /metrics counts outcomes and latency', async () => {
    const { app } = setup();
    await deliver(app, 'issues', samplePayloads.issueAssigned());
    await deliver(app, 'ping', {});
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('ingress_requests_total{outcome="accepted"} 1');
    expect(text).toContain('ingress_requests_total{outcome="skipped"} 1');
    expect(text).toContain('ingress_request_duration_seconds_count{outcome="accepted"} 1');
  });

  it('GET /schema.json serves the repo config JSON schema', async () => {
    const { app } = setup();
    const res = await app.request('/schema.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'object', properties: expect.any(Object) });
  });
});
