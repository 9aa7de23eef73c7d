/**
 * OpenTelemetry tracing, webhook to activity: the ingress and the worker assembled in-process
 * with tracing on, exporting over OTLP/HTTP (JSON) to a tiny receiver. One assignment must
 * leave a single trace with the ingress's server span, the workflow's spans (exported from the
 * sandbox through the sink) and the activity's span.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import {
  IngressConfigSchema,
  parseEnv,
  temporalSettings,
  WorkerConfigSchema,
} from '@code-factory/config';
import { createApp, createLogger, TemporalEventSink } from '@code-factory/ingress';
import { setupTracing as setupIngressTracing } from '@code-factory/ingress/tracing';
import { taskName } from '@code-factory/naming';
import {
  type FakeCoder,
  type FakeGitHub,
  samplePayloads,
  startFakeCoder,
  startFakeGitHub,
  webhookRequest,
} from '@code-factory/testkit';
import { temporalAddress } from '@code-factory/testkit/vitest';
import {
  createActivities,
  createWorker,
  depsFromConfig,
  workflowsPath,
} from '@code-factory/worker';
import { setupTracing as setupWorkerTracing } from '@code-factory/worker/tracing';
import { stateQuery, TASK_WORKFLOW_TYPE } from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WEBHOOK_SECRET = 'tracing-webhook-secret';
const LEAD = { login: 'octo-lead', id: 1001 };
const CODER_USER = 'demo-dev';
const AGENT_LOGIN = 'xmtp-coder-agent';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already in this process.
}

// --- A tiny OTLP/HTTP receiver ---------------------------------------------------------------

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}
interface ReceivedSpan {
  service: string | undefined;
  name: string;
  traceId: string;
  attributes: Record<string, unknown>;
}

function flatten(attributes: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (attributes ?? []).map((a) => [
      a.key,
      a.value.stringValue ?? a.value.intValue ?? a.value.boolValue,
    ]),
  );
}

interface Receiver {
  url: string;
  /** Content types of the POSTs, to check the exporter spoke JSON. */
  contentTypes: string[];
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const bodies: OtlpExport[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      contentTypes.push(req.headers['content-type'] ?? '');
      try {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    contentTypes,
    spans: () =>
      bodies.flatMap((body) =>
        (body.resourceSpans ?? []).flatMap((rs) => {
          const service = flatten(rs.resource?.attributes)['service.name'] as string | undefined;
          return (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((span) => ({
              service,
              name: span.name,
              traceId: span.traceId,
              attributes: flatten(span.attributes),
            })),
          );
        }),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// --- The product with tracing on ------------------------------------------------------------

let receiver: Receiver;
let coder: FakeCoder;
let github: FakeGitHub;
let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let sink: TemporalEventSink;
let ingressTracing: NonNullable<ReturnType<typeof setupIngressTracing>>;
let workerTracing: NonNullable<ReturnType<typeof setupWorkerTracing>>;
let app: ReturnType<typeof createApp>;
const repo = { owner: `trace-${randomUUID().slice(0, 6)}`, name: 'widgets' };
const prefix = `t${randomUUID().slice(0, 4)}`;

beforeAll(async () => {
  receiver = await startReceiver();
  // Both spellings of the endpoint: the base URL, and the traces URL itself.
  const ingress = setupIngressTracing({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'tracing-test-ingress',
  });
  const work = setupWorkerTracing({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_SERVICE_NAME: 'tracing-test-worker',
  });
  if (!ingress || !work) throw new Error('tracing should be on');
  ingressTracing = ingress;
  workerTracing = work;

  const address = temporalAddress();
  // Coder Tasks on 2.36: the spans asserted below are those of the polling path.
  coder = await startFakeCoder({
    release: '2.36',
    timings: { pendingMs: 50, initializingMs: 50, workingMs: 50 },
  });
  github = await startFakeGitHub({});
  coder.addUser({ username: CODER_USER, githubUserId: LEAD.id });
  github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);

  const taskQueue = `tracing-${randomUUID()}`;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CODER_TASK_NAME_PREFIX: prefix,
    AGENT_GITHUB_USERNAME: AGENT_LOGIN,
  };
  const workerConfig = parseEnv(WorkerConfigSchema, {
    ...common,
    APP_ID: '1',
    PRIVATE_KEY: privateKey,
    GITHUB_API_URL: github.url,
    CODER_URL: coder.url,
    CODER_BACKEND: 'tasks',
    CODER_TOKEN: coder.token,
    AGENT_POLL_INTERVAL_MS: '50',
    AGENT_STARTUP_TIMEOUT_MS: '15000',
    AGENT_ERROR_GRACE_MS: '500',
  });
  const ingressConfig = parseEnv(IngressConfigSchema, {
    ...common,
    WEBHOOK_SECRET,
    PORT: '0',
    GITHUB_APP_BOT_LOGIN: github.botLogin,
  });

  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
  nativeConnection = await NativeConnection.connect({ address });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: workerTracing.workflowInterceptorModules,
    logger: new DefaultLogger('WARN'),
  });
  worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: createActivities(await depsFromConfig(workerConfig, client)),
    workflowBundle,
    // The workflow interceptors are in the bundle; the rest as `main.ts` passes them.
    interceptors: { activity: workerTracing.workerOptions.interceptors.activity ?? [] },
    sinks: workerTracing.workerOptions.sinks,
  });
  running = worker.run();

  sink = new TemporalEventSink({
    settings: temporalSettings({ TEMPORAL_ADDRESS: address }),
    taskQueue,
    taskNamePrefix: prefix,
    timeoutMs: ingressConfig.TEMPORAL_SIGNAL_TIMEOUT_MS,
    interceptors: ingressTracing.clientInterceptors,
  });
  app = createApp({
    config: ingressConfig,
    sink,
    logger: createLogger({ destination: new Writable({ write: (_c, _e, done) => done() }) }),
    isTemporalReady: () => sink.isReady(),
    tracer: ingressTracing.tracer,
  });
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await sink?.close();
  await nativeConnection?.close();
  await connection?.close();
  await ingressTracing?.shutdown();
  await workerTracing?.shutdown();
  await Promise.all([coder?.close(), github?.close(), receiver?.close()]);
});

describe('tracing', () => {
  it('is off without an OTLP endpoint', () => {
    expect(setupIngressTracing({ OTEL_SERVICE_NAME: 'x' })).toBeNull();
    expect(setupWorkerTracing({ OTEL_SERVICE_NAME: 'x' })).toBeNull();
    expect(
      setupIngressTracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBeNull();
    expect(() => setupWorkerTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });

  it('follows an assignment from the webhook to the activity in one trace', async () => {
    const issueNumber = 77;
    const name = taskName(prefix, repo, issueNumber);
    const deliveryId = randomUUID();
    const request = await webhookRequest({
      secret: WEBHOOK_SECRET,
      event: 'issues',
      deliveryId,
      payload: samplePayloads.issueAssigned({
        owner: repo.owner,
        repo: repo.name,
        issueNumber,
        sender: LEAD.login,
        senderId: LEAD.id,
        assignee: AGENT_LOGIN,
        title: 'Trace me',
      }),
    });
    const response = await app.request('/webhooks/github', { method: 'POST', ...request });
    expect(response.status).toBe(202);

    const handle = client.workflow.getHandle(name);
    await until(async () => (await handle.query(stateQuery)).phase === 'ready');

    const found = await until(async () => {
      await Promise.all([ingressTracing.forceFlush(), workerTracing.forceFlush()]);
      const spans = receiver.spans();
      const webhook = spans.find(
        (s) =>
          s.service === 'tracing-test-ingress' && s.attributes['github.delivery'] === deliveryId,
      );
      if (!webhook) return undefined;
      const trace = spans.filter((s) => s.traceId === webhook.traceId);
      const activity = trace.find(
        (s) => s.service === 'tracing-test-worker' && s.name === 'RunActivity:startAgent',
      );
      const workflow = trace.find(
        (s) => s.service === 'tracing-test-worker' && s.name === 'StartActivity:startAgent',
      );
      return activity && workflow ? { webhook, trace, activity, workflow } : undefined;
    });

    console.log(
      `trace ${found.webhook.traceId}:`,
      found.trace.map((s) => `${s.service}/${s.name}`),
    );
    expect(found.webhook.attributes).toMatchObject({
      'github.event': 'issues',
      'github.delivery': deliveryId,
      temporalWorkflowId: name,
      'http.response.status_code': 202,
    });
    // The client interceptor's span, child of the webhook's, carried the context to Temporal.
    expect(found.trace.map((s) => s.name)).toContain(
      `SignalWithStartWorkflow:${TASK_WORKFLOW_TYPE}`,
    );
    expect(found.activity.attributes).toMatchObject({ temporalWorkflowId: name });
    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    // No bodies in span attributes: nothing from the issue's title.
    expect(JSON.stringify(found.trace)).not.toContain('Trace me');
  });
});
