/**
 * The whole product in one process for end-to-end tests: fake Coder and GitHub (real HTTP),
 * the worker (real activities, configured through the same env schema as production), and
 * the ingress serving HTTP on a free port, all against the shared Temporal dev server.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { codecDataConverter } from '@code-factory/codec';
import { parseEnv, WorkerConfigSchema } from '@code-factory/config';
import { taskName } from '@code-factory/naming';
import {
  type CoderRelease,
  type FakeCoder,
  type FakeCoderOptions,
  type FakeGitHub,
  samplePayloads,
  startFakeCoder,
  startFakeGitHub,
} from '@code-factory/testkit';
import {
  announceCoder,
  createActivities,
  createRedeliveryActivities,
  createRepoConfigActivities,
  createWorker,
  depsFromConfig,
  ensureRedeliverySchedule,
  type WorkerDeps,
  workflowsPath,
} from '@code-factory/worker';
import { stateQuery } from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { startTestIngress, type TestIngress } from './ingress';

export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export { WORKER_PROCESS_ENTRY } from './paths';
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
  /** The template the fake Coder serves for repositories with a config. */
  configTemplate: { activeVersionId: string };
  /** The task name (= workflow ID) of an issue in this stack (of `repo` unless given). */
  taskName(issueNumber: number, repo?: { owner: string; name: string }): string;
  /** Assigns an issue to the agent through the ingress (as LEAD); returns the workflow ID. */
  assign(
    issueNumber: number,
    title: string,
    repo?: { owner: string; name: string },
  ): Promise<string>;
  /** Polls the `state` query until the phase is one of `phases`. */
  waitForPhase(workflowId: string, phases: string[], timeoutMs?: number): Promise<void>;
  /**
   * What the issue's agent received so far, in order (the brief first), whichever backend
   * runs it; undefined while Coder has no agent for it.
   */
  agentTexts(workflowId: string): string[] | undefined;
  /** Whether the issue's agent is still live in Coder (a task not deleted, a chat not archived). */
  agentLive(workflowId: string): boolean;
  /** The Coder user linked to LEAD's GitHub account (the requester of every assignment). */
  coderUserId: string;
  /** What the worker detected in the fake Coder. */
  coderBackend(): WorkerDeps['coder'];
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
  /** Stops the ingress: deliveries fail as they would while it is down or deploying. */
  stopIngress(): Promise<void>;
  /** Starts it again on the same port. */
  startIngress(): Promise<void>;
  /** host:port of the Temporal server the stack uses. */
  address: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Extra worker environment (e.g. CODER_BACKEND). */
  workerEnv?: Record<string, string>;
  coderTimings?: FakeCoderOptions['timings'];
  /** Which Coder the fake plays (default `current`: chats on /api/v2 only, no Tasks). */
  coderRelease?: CoderRelease;
  /** Further fake Coder options (e.g. `tokenUserIsOwner: false`). */
  coderOptions?: Omit<FakeCoderOptions, 'timings' | 'release'>;
  /** A Temporal server of the test's own (default: the shared one from the global setup). */
  address?: string;
  /** Task name prefix (default: unique per stack, so stacks on one server never collide). */
  prefix?: string;
  /** Repository (default: a unique owner per stack, for the same reason). */
  repo?: { owner: string; name: string };
  taskQueue?: string;
  /** PAYLOAD_CODEC_KEYS for the ingress, the worker and the stack's client (default: plain). */
  codecKeys?: string;
  /** Extra ingress environment (e.g. CODEC_AUTH_TOKEN). */
  ingressEnv?: Record<string, string>;
  /**
   * Registers the `webhook-redelivery` schedule as the worker's main does (a stack on a
   * Temporal server of its own only: the schedule ID is one per namespace).
   */
  redeliverySchedule?: { intervalMs: number; maxPerRun?: number };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The vitest context only inside vitest: the bench uses this stack with its own server.
  const address =
    options.address ?? (await import('@code-factory/testkit/vitest')).temporalAddress();
  const coder = await startFakeCoder({
    timings: options.coderTimings ?? { pendingMs: 100, initializingMs: 200, workingMs: 300 },
    release: options.coderRelease ?? 'current',
    ...options.coderOptions,
  });
  const github = await startFakeGitHub({});
  const repo = options.repo ?? { owner: `acme-${randomUUID().slice(0, 6)}`, name: 'widgets' };
  const coderUser = coder.addUser({ username: CODER_USER, githubUserId: LEAD.id });
  // Repositories with a .code-factory/config.toml start from the config-aware template.
  const configTemplate = coder.addTemplate({ name: 'task-template-config' });
  github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);

  const taskQueue = options.taskQueue ?? `e2e-${randomUUID()}`;
  const prefix = options.prefix ?? `e${randomUUID().slice(0, 4)}`;
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
    STATUS_COMMENT_INTERVAL_MS: '100',
    CODER_STREAM_RECONNECT_MS: '100',
    ...(options.codecKeys ? { PAYLOAD_CODEC_KEYS: options.codecKeys } : {}),
    ...options.workerEnv,
  });
  const dataConverter = codecDataConverter(options.codecKeys);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default', dataConverter });
  const nativeConnection = await NativeConnection.connect({ address });
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
  });
  const workflowBundle = await bundle;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let deps: WorkerDeps | undefined;
  const startWorker = async () => {
    deps = await depsFromConfig(workerConfig, client);
    await announceCoder(deps);
    worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: {
        ...createActivities(deps),
        ...createRedeliveryActivities(deps),
        ...createRepoConfigActivities(deps),
      },
      workflowBundle,
      dataConverter,
    });
    running = worker.run();
  };
  const stopWorker = async () => {
    deps?.releaseStreams();
    worker?.shutdown();
    await running;
    worker = undefined;
  };
  await startWorker();
  if (options.redeliverySchedule) {
    await ensureRedeliverySchedule(client, {
      taskQueue,
      intervalMs: options.redeliverySchedule.intervalMs,
      maxPerRun: options.redeliverySchedule.maxPerRun ?? 50,
    });
  }

  const ingressOptions = {
    address,
    taskQueue,
    prefix,
    agentLogin: AGENT_LOGIN,
    webhookSecret: WEBHOOK_SECRET,
    botLogin: github.botLogin,
    env: {
      ...(options.codecKeys ? { PAYLOAD_CODEC_KEYS: options.codecKeys } : {}),
      ...options.ingressEnv,
    },
  };
  let ingress: TestIngress | undefined = await startTestIngress(ingressOptions);
  const ingressUrl = ingress.url;
  const ingressPort = Number(new URL(ingressUrl).port);
  const ingressLogs = ingress.logs;
  // Webhooks go through the fake GitHub, which records each delivery and its outcome.
  github.configureWebhook({ url: `${ingressUrl}/webhooks/github`, secret: WEBHOOK_SECRET });
  const deliver: Stack['deliver'] = async (event, payload, deliveryId) => {
    const { status, body } = await github.sendWebhook(
      event,
      payload,
      deliveryId ? { guid: deliveryId } : {},
    );
    return { status, body };
  };
  const stopIngress = async () => {
    await ingress?.close();
    ingress = undefined;
  };
  const startIngress = async () => {
    if (ingress) return;
    ingress = await startTestIngress({ ...ingressOptions, port: ingressPort, logs: ingressLogs });
  };

  return {
    ingressUrl,
    coder,
    github,
    client,
    taskQueue,
    ingressLogs,
    agentTexts(workflowId) {
      const chat = coder.chatByLabel('code-factory/task', workflowId);
      if (chat) return coder.chatMessages(chat.id).map((m) => m.text);
      const task = coder.release === '2.36' ? coder.taskByName(workflowId) : undefined;
      return task ? coder.inputs(task.id) : undefined;
    },
    agentLive(workflowId) {
      const chat = coder.chatByLabel('code-factory/task', workflowId);
      if (chat) return !chat.archived;
      return coder.release === '2.36' && coder.taskByName(workflowId) !== undefined;
    },
    coderUserId: coderUser.id,
    coderBackend: () => {
      if (!deps) throw new Error('the worker has not started');
      return deps.coder;
    },
    repo,
    configTemplate,
    taskName: (issueNumber, other = repo) => taskName(prefix, other, issueNumber),
    async assign(issueNumber, title, other = repo) {
      github.setPermission(other.owner, other.name, LEAD.login, 'write', LEAD.id);
      const res = await deliver(
        'issues',
        samplePayloads.issueAssigned({
          owner: other.owner,
          repo: other.name,
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
      return taskName(prefix, other, issueNumber);
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
    deliver,
    stopWorker,
    startWorker,
    stopIngress,
    startIngress,
    address,
    async close() {
      await stopIngress();
      await stopWorker();
      await nativeConnection.close();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
}
