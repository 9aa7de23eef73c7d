/**
 * The whole product in one process, like tests/e2e's `startStack()`, but against a Temporal
 * dev server of its own: operator commands (batch signal, batch terminate) act on every
 * workflow a query matches, so they must not reach other test files' workflows on the
 * shared server, and the Web UI test needs a server started with the UI.
 *
 * Task names use the default prefix `gh`, so issue 42 of acme/widgets is `gh-widgets-42`,
 * exactly as in docs/operations.md.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
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
  samplePayloads,
  startFakeCoder,
  startFakeGitHub,
  webhookRequest,
} from '@code-factory/testkit';
import { temporalCli } from '@code-factory/testkit/vitest';
import {
  createActivities,
  createWorker,
  depsFromConfig,
  workflowsPath,
} from '@code-factory/worker';
import { ALL_SEARCH_ATTRIBUTES, stateQuery } from '@code-factory/workflows';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';

export const TASK_PREFIX = 'gh';
/** The repository of the cookbook's examples (own server: no other test shares it). */
export const DEMO_REPO = { owner: 'acme', name: 'widgets' };
export const LEAD = { login: 'octo-lead', id: 1001 };
export const CODER_USER = 'demo-dev';
export const AGENT_LOGIN = 'xmtp-coder-agent';
const WEBHOOK_SECRET = 'ops-webhook-secret';

try {
  // The cookbook makes tasks fail on purpose: their warnings are expected.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Installed already in this process.
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** Web UI base URL, when started with the UI. */
  uiUrl?: string;
  stop(): Promise<void>;
}

/** A Temporal dev server (the project's CLI binary) with the product's search attributes. */
export async function startDevServer(options: { ui?: boolean } = {}): Promise<DevServer> {
  const port = await freePort();
  const uiPort = options.ui ? await freePort() : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      port,
      ...(uiPort ? { ui: true, uiPort } : {}),
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
  return {
    address: env.address,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

export interface OpsStack {
  address: string;
  ingressUrl: string;
  coder: FakeCoder;
  github: FakeGitHub;
  client: Client;
  taskQueue: string;
  taskName(issueNumber: number, repo?: { owner: string; name: string }): string;
  deliver(event: string, payload: unknown): Promise<{ status: number; body: unknown }>;
  /** Assigns an issue to the agent through the ingress; returns the workflow ID. */
  assign(
    issueNumber: number,
    title: string,
    repo?: { owner: string; name: string },
  ): Promise<string>;
  /** Polls the `state` query until `phase` is one of `phases`. */
  waitForPhase(workflowId: string, phases: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;

export async function startOpsStack(address: string): Promise<OpsStack> {
  const coder = await startFakeCoder({
    timings: { pendingMs: 100, initializingMs: 200, workingMs: 300 },
  });
  const github = await startFakeGitHub({});
  coder.addUser({ username: CODER_USER, githubUserId: LEAD.id });
  // Repositories with a .code-factory/config.toml start from the config-aware template.
  coder.addTemplate({ name: 'task-template-config' });

  const taskQueue = 'code-factory';
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CODER_TASK_NAME_PREFIX: TASK_PREFIX,
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
    AGENT_ERROR_GRACE_MS: '300',
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
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const worker: Worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: createActivities(depsFromConfig(workerConfig, client)),
    workflowBundle: await bundle,
  });
  const running = worker.run();

  const logger = createLogger({
    destination: new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
  });
  const sink = new TemporalEventSink({
    settings: temporalSettings({ TEMPORAL_ADDRESS: address }),
    taskQueue,
    taskNamePrefix: TASK_PREFIX,
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
  const ingressUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const deliver: OpsStack['deliver'] = async (event, payload) => {
    const request = await webhookRequest({ secret: WEBHOOK_SECRET, event, payload });
    const response = await fetch(`${ingressUrl}/webhooks/github`, { method: 'POST', ...request });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body };
  };

  const nameOf = (issueNumber: number, repo = DEMO_REPO) =>
    taskName(TASK_PREFIX, repo, issueNumber);

  return {
    address,
    ingressUrl,
    coder,
    github,
    client,
    taskQueue,
    taskName: nameOf,
    deliver,
    async assign(issueNumber, title, repo = DEMO_REPO) {
      github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);
      const res = await deliver(
        'issues',
        samplePayloads.issueAssigned({
          owner: repo.owner,
          repo: repo.name,
          issueNumber,
          title,
          sender: LEAD.login,
          senderId: LEAD.id,
          assignee: AGENT_LOGIN,
        }),
      );
      if (res.status !== 202) {
        throw new Error(`assignment refused: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return nameOf(issueNumber, repo);
    },
    async waitForPhase(workflowId, phases, timeoutMs = 20_000) {
      const handle = client.workflow.getHandle(workflowId);
      const deadline = Date.now() + timeoutMs;
      let last = '(no answer)';
      for (;;) {
        try {
          last = (await handle.query(stateQuery)).phase;
          if (phases.includes(last)) return;
        } catch (err) {
          last = `query failed: ${err instanceof Error ? err.message : String(err)}`;
        }
        if (Date.now() > deadline) {
          throw new Error(`${workflowId} did not reach ${phases.join('|')}; last: ${last}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      await sink.close();
      await nativeConnection.close();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
}
