/**
 * The whole product in one process for end-to-end tests: fake Coder and GitHub (real HTTP),
 * the worker (real activities, configured through the same env schema as production), and
 * the ingress serving HTTP on a free port, all against the shared Temporal dev server.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import {
  IngressConfigSchema,
  parseEnv,
  temporalSettings,
  WorkerConfigSchema,
} from '@code-factory/config';
import { createApp, createLogger, TemporalEventSink } from '@code-factory/ingress';
import { taskName } from '@code-factory/naming';
import {
  type FakeCoder,
  type FakeGitHub,
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
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';

export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export const LEAD = { login: 'octo-lead', id: 1001 };
export const CODER_USER = 'demo-dev';
export const AGENT_LOGIN = 'xmtp-coder-agent';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already in this process.
}

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;

export interface Stack {
  ingressUrl: string;
  coder: FakeCoder;
  github: FakeGitHub;
  client: Client;
  taskQueue: string;
  /**
   * This stack's repository: its owner is unique per stack, because tests share one Temporal
   * server and a repository's workflow (ID `repo-owner/name`) must not be shared by stacks.
   */
  repo: { owner: string; name: string };
  /** The task name (= workflow ID) of an issue of `repo` in this stack. */
  taskName(issueNumber: number): string;
  /** Ingress log lines (JSON), for tests that scan them. */
  ingressLogs: string[];
  /** Signs and posts a webhook; returns status and parsed body. */
  deliver(
    event: string,
    payload: unknown,
    deliveryId?: string,
  ): Promise<{ status: number; body: unknown }>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Extra worker environment (e.g. CODER_BACKEND). */
  workerEnv?: Record<string, string>;
  coderTimings?: { pendingMs: number; initializingMs: number; workingMs: number };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const address = temporalAddress();
  const coder = await startFakeCoder({
    timings: options.coderTimings ?? { pendingMs: 100, initializingMs: 200, workingMs: 300 },
  });
  const github = await startFakeGitHub({});
  const repo = { owner: `acme-${randomUUID().slice(0, 6)}`, name: 'widgets' };
  coder.addUser({ username: CODER_USER, githubUserId: LEAD.id });
  github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);

  const taskQueue = `e2e-${randomUUID()}`;
  const prefix = `e${randomUUID().slice(0, 4)}`;
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
    CODER_TOKEN: coder.token,
    AGENT_POLL_INTERVAL_MS: '50',
    AGENT_STARTUP_TIMEOUT_MS: '15000',
    AGENT_ERROR_GRACE_MS: '500',
    ...options.workerEnv,
  });
  const ingressConfig = parseEnv(IngressConfigSchema, {
    ...common,
    WEBHOOK_SECRET,
    PORT: '0',
    GITHUB_APP_BOT_LOGIN: github.botLogin,
  });

  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const nativeConnection = await NativeConnection.connect({ address });
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
  });
  const workflowBundle = await bundle;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const startWorker = async () => {
    worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities(depsFromConfig(workerConfig, client)),
      workflowBundle,
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    worker?.shutdown();
    await running;
    worker = undefined;
  };
  await startWorker();

  const ingressLogs: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _enc, done) {
        ingressLogs.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  });
  const sink = new TemporalEventSink({
    settings: temporalSettings({ TEMPORAL_ADDRESS: address }),
    taskQueue,
    taskNamePrefix: prefix,
    timeoutMs: ingressConfig.TEMPORAL_SIGNAL_TIMEOUT_MS,
  });
  const app = createApp({
    config: ingressConfig,
    sink,
    logger,
    isTemporalReady: () => sink.isReady(),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const ingressUrl = `http://127.0.0.1:${port}`;

  return {
    ingressUrl,
    coder,
    github,
    client,
    taskQueue,
    ingressLogs,
    repo,
    taskName: (issueNumber) => taskName(prefix, repo, issueNumber),
    async deliver(event, payload, deliveryId) {
      const request = await webhookRequest({ secret: WEBHOOK_SECRET, event, payload, deliveryId });
      const response = await fetch(`${ingressUrl}/webhooks/github`, { method: 'POST', ...request });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return { status: response.status, body };
    },
    stopWorker,
    startWorker,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopWorker();
      await sink.close();
      await nativeConnection.close();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
}
