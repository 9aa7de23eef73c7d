/**
 * A real worker against the shared Temporal dev server and the test kit's fake Coder and
 * GitHub, with timings shortened through configuration. One harness per test file.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { CoderTasksBackend } from '@code-factory/coder';
import type { IssueAssigned, TaskEvent } from '@code-factory/events';
import { GitHubApp } from '@code-factory/github';
import { taskName } from '@code-factory/naming';
import {
  type FakeCoder,
  type FakeGitHub,
  startFakeCoder,
  startFakeGitHub,
} from '@code-factory/testkit';
import { temporalAddress } from '@code-factory/testkit/vitest';
import {
  eventSignal,
  SearchAttributes,
  stateQuery,
  TASK_WORKFLOW_TYPE,
  type TaskSnapshot,
  type TaskWorkflowInput,
} from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../src/activities';
import { storedRepoConfig } from '../src/repo-config-store';
import { createWorker, workflowsPath } from '../src/worker';

export const REPO = { owner: 'acme', name: 'widgets' };
export const REQUESTER = { login: 'octo-lead', id: 1001 };
export const CODER_USER = 'demo-dev';

// Quiet SDK logs in tests (warnings and errors still show). Installed once per test process.
try {
  Runtime.install({
    logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN'),
  });
} catch {
  // Already installed by another test file in this process.
}

let bundle: Promise<{ code: string }> | undefined;
function sharedBundle() {
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
  });
  return bundle;
}

export interface Harness {
  client: Client;
  coder: FakeCoder;
  github: FakeGitHub;
  taskQueue: string;
  worker: Worker;
  deps: ActivityDeps;
  start(issueNumber: number, event: TaskEvent, extra?: Partial<TaskWorkflowInput>): Promise<string>;
  signal(workflowId: string, event: TaskEvent): Promise<void>;
  state(workflowId: string): Promise<TaskSnapshot>;
  waitFor(
    workflowId: string,
    check: (s: TaskSnapshot) => boolean,
    timeoutMs?: number,
  ): Promise<TaskSnapshot>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { coderTimings?: { pendingMs: number; initializingMs: number; workingMs: number } } = {},
): Promise<Harness> {
  const address = temporalAddress();
  // This harness drives Coder Tasks, so the fake plays Coder 2.36 (the last with Tasks).
  const coder = await startFakeCoder({
    release: '2.36',
    timings: options.coderTimings ?? { pendingMs: 100, initializingMs: 200, workingMs: 300 },
  });
  const github = await startFakeGitHub({});
  coder.addUser({ username: CODER_USER, githubUserId: REQUESTER.id });
  github.setPermission(REPO.owner, REPO.name, REQUESTER.login, 'write');

  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const deps: ActivityDeps = {
    github: new GitHubApp({ appId: 1, privateKey, baseUrl: github.url }),
    backends: {
      tasks: new CoderTasksBackend({
        url: coder.url,
        token: coder.token,
        organization: 'default',
        templateName: 'task-template',
      }),
    },
    defaultBackend: 'tasks',
    timings: { pollMs: 50, startupTimeoutMs: 10_000, errorGraceMs: 500 },
    templates: { standard: 'task-template', configAware: 'task-template-config' },
    agentLogin: 'xmtp-coder-agent',
    storedRepoConfig: (repo) => storedRepoConfig(client, repo),
  };
  const taskQueue = `test-${randomUUID()}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: createActivities(deps),
    workflowBundle: await sharedBundle(),
  });
  const running = worker.run();

  const harness: Harness = {
    client,
    coder,
    github,
    taskQueue,
    worker,
    deps,
    async start(issueNumber, event, extra = {}) {
      const workflowId = `${taskName('gh', REPO, issueNumber)}-${randomUUID().slice(0, 8)}`;
      const input: TaskWorkflowInput = {
        taskName: workflowId,
        repository: REPO,
        issueNumber,
        ...extra,
      };
      await client.workflow.signalWithStart(TASK_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        signal: eventSignal,
        signalArgs: [event],
        typedSearchAttributes: [
          { key: SearchAttributes.repository, value: `${REPO.owner}/${REPO.name}` },
          { key: SearchAttributes.issueNumber, value: issueNumber },
        ],
      });
      return workflowId;
    },
    async signal(workflowId, event) {
      await client.workflow.getHandle(workflowId).signal(eventSignal, event);
    },
    state(workflowId) {
      return client.workflow.getHandle(workflowId).query(stateQuery);
    },
    async waitFor(workflowId, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: TaskSnapshot | undefined;
      while (Date.now() < deadline) {
        last = await harness.state(workflowId).catch(() => last);
        if (last && check(last)) return last;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`condition not reached; last state: ${JSON.stringify(last)}`);
    },
    async close() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
  return harness;
}

let deliveries = 0;
function base(issueNumber: number) {
  return {
    deliveryId: `delivery-${++deliveries}-${randomUUID()}`,
    receivedAt: new Date().toISOString(),
    repository: REPO,
    issueNumber,
    installationId: 1,
  };
}

export const events = {
  assigned(issueNumber: number, sender = REQUESTER): IssueAssigned {
    return {
      ...base(issueNumber),
      kind: 'issue.assigned',
      issue: {
        title: `Issue ${issueNumber}`,
        url: `https://github.com/acme/widgets/issues/${issueNumber}`,
      },
      sender,
    };
  },
  closed(issueNumber: number): TaskEvent {
    return { ...base(issueNumber), kind: 'issue.closed', sender: REQUESTER };
  },
  comment(issueNumber: number, body: string, commentId: number): TaskEvent {
    return {
      ...base(issueNumber),
      kind: 'comment.posted',
      source: 'issue_comment',
      commentId,
      edited: false,
      author: REQUESTER,
      body,
      url: `https://github.com/acme/widgets/issues/${issueNumber}#issuecomment-${commentId}`,
      createdAt: new Date().toISOString(),
    };
  },
};
