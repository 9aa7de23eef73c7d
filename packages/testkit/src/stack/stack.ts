/**
 * The whole product for tests, assembled once: fake Coder and GitHub (real HTTP), a GitHub App
 * key, the worker (real activities, configured through the production env schema; in this
 * process, as a child process, or left to the test), the ingress serving HTTP on a free port,
 * and a client, all against a Temporal server (the shared one of the vitest global setup by
 * default). Used by the worker's workflow tests, e2e, chaos, tracing, replay recording and the
 * bench.
 */
import { randomUUID } from 'node:crypto';
import { codecDataConverter } from '@code-factory/codec';
import { STATUS_MARKER } from '@code-factory/messages';
import { taskName } from '@code-factory/naming';
import { stateQuery, type TaskSnapshot } from '@code-factory/workflows';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { type FakeCoderOptions, startFakeCoder } from '../fake-coder';
import { type CoderRelease, DEFAULT_RELEASE } from '../fake-coder/release';
import { startFakeGitHub } from '../fake-github';
import { testAppKey } from '../keys';
import { until } from '../until';
import { samplePayloads } from '../webhooks';
import { spawnWorker, type WorkerProcess } from './child';
import { startTestIngress, type TestIngress, type TestIngressOptions } from './ingress';
import {
  type InProcessWorker,
  type InProcessWorkerOptions,
  quietRuntime,
  startInProcessWorker,
  workflowBundlePath,
} from './worker';

export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export const LEAD = { login: 'octo-lead', id: 1001 };
export const CODER_USER = 'demo-dev';
export const AGENT_LOGIN = 'xmtp-coder-agent';

type Repo = { owner: string; name: string };

/** The product for a test: see `startStack`. */
export type Stack = Awaited<ReturnType<typeof startStack>>;

export interface StackOptions {
  /** Extra worker environment (e.g. CODER_BACKEND). */
  workerEnv?: Record<string, string>;
  coderTimings?: FakeCoderOptions['timings'];
  /** Which Coder the fake plays (default `2.39`: chats on /api/v2 only, no Tasks). */
  coderRelease?: CoderRelease;
  /** Further fake Coder options (e.g. `tokenUserRole: 'member'`). */
  coderOptions?: Omit<FakeCoderOptions, 'timings' | 'release'>;
  /** A Temporal server of the test's own (default: the shared one from the global setup). */
  address?: string;
  /** Task name prefix (default: unique per stack, so stacks on one server never collide). */
  prefix?: string;
  /** Repository (default: a unique owner per stack, for the same reason). */
  repo?: Repo;
  taskQueue?: string;
  /** PAYLOAD_CODEC_KEYS for the ingress, the worker and the stack's client (default: plain). */
  codecKeys?: string;
  /** Extra ingress environment (e.g. CODEC_AUTH_TOKEN). */
  ingressEnv?: Record<string, string>;
  /** TEMPORAL_SIGNAL_TIMEOUT_MS of the ingress. */
  signalTimeoutMs?: number;
  /** No ingress (tests that signal workflows through the client only). */
  ingress?: boolean;
  /**
   * Where the worker runs: in this process (default), as a child process (`spawnWorker`), or
   * `none` (the test starts its own, from `workerEnv`).
   */
  worker?: 'in-process' | 'child' | 'none';
  /** Interceptors and sinks for the in-process worker (tests/tracing). */
  workerHooks?: Pick<
    InProcessWorkerOptions,
    'workflowInterceptorModules' | 'interceptors' | 'sinks'
  >;
  /** Tracer and client interceptors for the ingress (tests/tracing). */
  ingressHooks?: Pick<TestIngressOptions, 'tracer' | 'clientInterceptors'>;
  /**
   * Registers the `webhook-redelivery` schedule as the worker's main does (a stack on a
   * Temporal server of its own only: the schedule ID is one per namespace).
   */
  redeliverySchedule?: { intervalMs: number; maxPerRun?: number };
}

export async function startStack(options: StackOptions = {}) {
  // Unless the test installed a Runtime of its own first (e.g. to collect worker logs).
  quietRuntime();
  // The vitest context only inside vitest: the bench uses this stack with its own server.
  const address = options.address ?? (await import('../vitest-context')).temporalAddress();
  const coder = await startFakeCoder({
    timings: options.coderTimings ?? { pendingMs: 100, initializingMs: 200, workingMs: 300 },
    release: options.coderRelease ?? DEFAULT_RELEASE,
    // Tests poll far faster than a deployment would (50 ms): Coder's per-user rate limit is a
    // test of its own (owner-keys, fake-coder-keys), not a brake on every suite.
    rateLimit: false,
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
  const codec: Record<string, string> = options.codecKeys
    ? { PAYLOAD_CODEC_KEYS: options.codecKeys }
    : {};
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CODER_TASK_NAME_PREFIX: prefix,
    AGENT_GITHUB_USERNAME: AGENT_LOGIN,
    APP_ID: '1',
    PRIVATE_KEY: testAppKey().pkcs8,
    GITHUB_API_URL: github.url,
    CODER_URL: coder.url,
    CODER_TOKEN: coder.token,
    AGENT_POLL_INTERVAL_MS: '50',
    AGENT_STARTUP_TIMEOUT_MS: '15000',
    AGENT_ERROR_GRACE_MS: '500',
    STATUS_COMMENT_INTERVAL_MS: '100',
    CODER_STREAM_RECONNECT_MS: '100',
    ...codec,
    ...options.workerEnv,
  };
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace: 'default',
    dataConverter: codecDataConverter(options.codecKeys),
  });

  const mode = options.worker ?? 'in-process';
  let inProcess: InProcessWorker | undefined;
  let child: WorkerProcess | undefined;
  /** A worker process of this stack on the shared workflow bundle (await its `ready`). */
  const spawnWorkerProcess = async () =>
    spawnWorker({ ...workerEnv, WORKFLOW_BUNDLE_PATH: await workflowBundlePath() });
  const startWorker = async () => {
    if (mode === 'in-process') {
      inProcess = await startInProcessWorker({ env: workerEnv, client, ...options.workerHooks });
    } else if (mode === 'child') {
      child = await spawnWorkerProcess();
      await child.ready;
    }
  };
  const stopWorker = async () => {
    await inProcess?.stop();
    inProcess = undefined;
    if (child) {
      child.child.send({ type: 'shutdown' });
      await child.exited;
      child = undefined;
    }
  };
  await startWorker();
  if (options.redeliverySchedule) {
    const { ensureRedeliverySchedule } = await import('@code-factory/worker');
    await ensureRedeliverySchedule(client, {
      taskQueue,
      intervalMs: options.redeliverySchedule.intervalMs,
      maxPerRun: options.redeliverySchedule.maxPerRun ?? 50,
    });
  }

  const ingressOptions: TestIngressOptions = {
    address,
    taskQueue,
    prefix,
    agentLogin: AGENT_LOGIN,
    webhookSecret: WEBHOOK_SECRET,
    botLogin: github.botLogin,
    signalTimeoutMs: options.signalTimeoutMs,
    env: { ...codec, ...options.ingressEnv },
    ...options.ingressHooks,
  };
  let ingress: TestIngress | undefined =
    options.ingress === false ? undefined : await startTestIngress(ingressOptions);
  const ingressUrl = ingress?.url ?? 'http://127.0.0.1:1';
  const ingressPort = Number(new URL(ingressUrl).port);
  const ingressLogs = ingress?.logs ?? [];
  // Webhooks go through the fake GitHub, which records each delivery and its outcome.
  github.configureWebhook({ url: `${ingressUrl}/webhooks/github`, secret: WEBHOOK_SECRET });
  /** Posts a webhook through the fake GitHub (recorded in its delivery log). */
  const deliver = async (event: string, payload: unknown, deliveryId?: string) => {
    const guid = deliveryId ? { guid: deliveryId } : {};
    const { status, body } = await github.sendWebhook(event, payload, guid);
    return { status, body };
  };
  /** Delivers as `deliver` does and fails unless the ingress accepted the delivery (202). */
  const deliverAccepted = async (event: string, payload: unknown): Promise<void> => {
    const res = await deliver(event, payload);
    if (res.status !== 202) {
      throw new Error(`${event} not accepted: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  const stopIngress = async () => {
    await ingress?.close();
    ingress = undefined;
  };
  const state = (workflowId: string) => client.workflow.getHandle(workflowId).query(stateQuery);
  /** Polls the `state` query until `check` holds; returns that state. */
  const waitFor = async (
    workflowId: string,
    check: (state: TaskSnapshot) => boolean,
    timeoutMs = 20_000,
  ): Promise<TaskSnapshot> => {
    let last = '(no answer)';
    const probe = async () => {
      try {
        const current = await state(workflowId);
        last = JSON.stringify(current);
        return check(current) && current;
      } catch (err) {
        last = `query failed: ${err instanceof Error ? err.message : String(err)}`;
        return undefined;
      }
    };
    return until(probe, workflowId, timeoutMs, 50).catch(() => {
      throw new Error(`${workflowId}: condition not reached; last: ${last}`);
    });
  };
  /** Parameters of `samplePayloads` for an issue of the stack's repository, sent by LEAD. */
  const issue = (issueNumber: number, sender: { login: string; id: number } = LEAD) => ({
    owner: repo.owner,
    repo: repo.name,
    issueNumber,
    sender: sender.login,
    senderId: sender.id,
    assignee: AGENT_LOGIN,
  });
  const agentChat = (workflowId: string) => coder.chatByLabel('code-factory/task', workflowId);
  /** Assigns an issue to the agent through the ingress (as LEAD); returns the workflow ID. */
  const assign = async (issueNumber: number, title: string, other: Repo = repo) => {
    github.setPermission(other.owner, other.name, LEAD.login, 'write', LEAD.id);
    const where = { ...issue(issueNumber), owner: other.owner, repo: other.name, title };
    await deliverAccepted('issues', samplePayloads.issueAssigned(where));
    return taskName(prefix, other, issueNumber);
  };
  const agentTask = (workflowId: string) =>
    coder.release === '2.36' ? coder.taskByName(workflowId) : undefined;
  /** The App's status comments on an issue (of `repo` unless given): one once the task reports. */
  const statusComments = (issueNumber: number, other: Repo = repo) =>
    github
      .comments(other.owner, other.name, issueNumber)
      .filter((c) => c.body.startsWith(STATUS_MARKER));
  /** What the issue's status comment says now; '' before there is one. */
  const statusComment = (issueNumber: number, other: Repo = repo) =>
    statusComments(issueNumber, other)[0]?.body ?? '';

  return {
    ingressUrl,
    coder,
    github,
    client,
    taskQueue,
    /** CODER_TASK_NAME_PREFIX of this stack. */
    prefix,
    /** Ingress log lines (JSON), for tests that scan them. */
    ingressLogs,
    /** The worker's environment (`WorkerConfigSchema`), e.g. for a worker process of the test's. */
    workerEnv,
    /**
     * What the issue's agent received so far, in order (the brief first), whichever backend
     * runs it; undefined while Coder has no agent for it.
     */
    agentTexts(workflowId: string): string[] | undefined {
      const chat = agentChat(workflowId);
      if (chat) return coder.chatMessages(chat.id).map((m) => m.text);
      const task = agentTask(workflowId);
      return task && coder.inputs(task.id);
    },
    /** Whether the issue's agent is still live in Coder (a task not deleted, a chat not archived). */
    agentLive(workflowId: string): boolean {
      const chat = agentChat(workflowId);
      return chat ? !chat.archived : agentTask(workflowId) !== undefined;
    },
    /** The Coder user linked to LEAD's GitHub account (the requester of every assignment). */
    coderUserId: coderUser.id,
    /** What the in-process worker detected in the fake Coder. */
    coderBackend: () => {
      if (!inProcess) throw new Error('no in-process worker is running');
      return inProcess.deps.coder;
    },
    /** The worker process, when the stack runs one (`worker: 'child'`). */
    workerProcess: () => child,
    /** Another worker process of this stack (e.g. a second one, or one the test kills). */
    spawnWorker: spawnWorkerProcess,
    /**
     * This stack's repository: its owner is unique per stack, because tests share one Temporal
     * server and a repository's workflow (ID `repo-owner/name`) must not be shared by stacks.
     */
    repo,
    /** The template the fake Coder serves for repositories with a config. */
    configTemplate,
    /** The task name (= workflow ID) of an issue in this stack (of `repo` unless given). */
    taskName: (issueNumber: number, other: Repo = repo) => taskName(prefix, other, issueNumber),
    issue,
    assign,
    /** `assign`, then waits until the agent is ready; returns the workflow ID. */
    async assignUntilReady(
      issueNumber: number,
      title: string,
      other: Repo = repo,
    ): Promise<string> {
      const workflowId = await assign(issueNumber, title, other);
      await waitFor(workflowId, (s) => s.phase === 'ready');
      return workflowId;
    },
    /** The issue's Coder chat (Coder Agents), once it exists. */
    chatOf: (workflowId: string) => until(() => agentChat(workflowId), `the chat of ${workflowId}`),
    /** The `state` query of a task workflow. */
    state,
    /**
     * Whether a workflow with this ID exists (any status). Read by ID, so it is exact at once:
     * after the ingress answered a delivery, `false` proves the delivery started nothing.
     */
    async workflowExists(workflowId: string): Promise<boolean> {
      try {
        await client.workflow.getHandle(workflowId).describe();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    /** Signals a workflow has received so far (its history's signal events); 0 if none. */
    async signalCount(workflowId: string): Promise<number> {
      const handle = client.workflow.getHandle(workflowId);
      const history = await handle.fetchHistory().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return { events: [] };
        throw err;
      });
      // temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
      return (history.events ?? []).filter((e) => e.eventType === 26).length;
    },
    /**
     * Waits until the workflow has nothing in flight: no workflow task and no activity pending
     * (a retrying activity stays pending). The positive signal before asserting that nothing
     * else happened.
     */
    async waitForIdle(workflowId: string, timeoutMs = 20_000): Promise<void> {
      const handle = client.workflow.getHandle(workflowId);
      const idle = async () => {
        const { raw } = await handle.describe();
        return !raw.pendingWorkflowTask && (raw.pendingActivities ?? []).length === 0;
      };
      await until(idle, `${workflowId} idle (no workflow task or activity pending)`, timeoutMs, 50);
    },
    waitFor,
    /** Polls the `state` query until the phase is one of `phases`. */
    async waitForPhase(workflowId: string, phases: string[], timeoutMs?: number): Promise<void> {
      await waitFor(workflowId, (s) => phases.includes(s.phase), timeoutMs);
    },
    statusComments,
    statusComment,
    /** Waits until the status comment says every one of `texts`; returns what it says. */
    statusSays: (issueNumber: number, texts: string | string[], other: Repo = repo) => {
      const wanted = [texts].flat();
      const says = () => {
        const body = statusComment(issueNumber, other);
        return body && wanted.every((text) => body.includes(text)) ? body : undefined;
      };
      return until(says, `status comment of #${issueNumber} saying ${wanted.join(' and ')}`).catch(
        (err: Error) => {
          throw new Error(`${err.message}; it says:\n${statusComment(issueNumber, other)}`);
        },
      );
    },
    deliver,
    deliverAccepted,
    /** Signs and posts a webhook straight to the ingress; also says how long the answer took. */
    deliverDirect(event: string, payload: unknown, deliveryId?: string) {
      if (!ingress) throw new Error('the ingress is not running');
      return ingress.deliver(event, payload, deliveryId);
    },
    /** Stops the ingress: deliveries fail as they would while it is down or deploying. */
    stopIngress,
    /** Starts it again on the same port. */
    async startIngress() {
      ingress ??= await startTestIngress({
        ...ingressOptions,
        port: ingressPort,
        logs: ingressLogs,
      });
    },
    /** host:port of the Temporal server the stack uses. */
    address,
    async close() {
      await stopIngress();
      await stopWorker();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
}
