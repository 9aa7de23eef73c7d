/**
 * The worker's workflow tests on the testkit stack (`@code-factory/testkit/stack`): a real
 * worker (Coder Tasks on a fake Coder 2.36, fake GitHub) against the shared Temporal dev
 * server, without the ingress: tests start and signal workflows through the client.
 */
import { randomUUID } from 'node:crypto';
import type { IssueAssigned, TaskEvent } from '@code-factory/events';
import { taskName } from '@code-factory/naming';
import type { FakeCoder, FakeGitHub } from '@code-factory/testkit';
import { CODER_USER, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import {
  eventSignal,
  SearchAttributes,
  TASK_WORKFLOW_TYPE,
  type TaskWorkflowInput,
} from '@code-factory/workflows';
import type { Client } from '@temporalio/client';

export const REPO = { owner: 'acme', name: 'widgets' };
export const REQUESTER = LEAD;
export { CODER_USER };

export interface Harness {
  client: Client;
  coder: FakeCoder;
  github: FakeGitHub;
  taskQueue: string;
  start(issueNumber: number, event: TaskEvent, extra?: Partial<TaskWorkflowInput>): Promise<string>;
  signal(workflowId: string, event: TaskEvent): Promise<void>;
  state: Stack['state'];
  waitFor: Stack['waitFor'];
  waitForIdle: Stack['waitForIdle'];
  close(): Promise<void>;
}

export async function startHarness(
  options: { coderTimings?: { pendingMs: number; initializingMs: number; workingMs: number } } = {},
): Promise<Harness> {
  // This harness drives Coder Tasks, so the fake plays Coder 2.36 (the last with Tasks).
  const stack = await startStack({
    coderRelease: '2.36',
    coderTimings: options.coderTimings,
    workerEnv: { CODER_BACKEND: 'tasks', AGENT_STARTUP_TIMEOUT_MS: '10000' },
    repo: REPO,
    taskQueue: `test-${randomUUID()}`,
    ingress: false,
  });
  const { client, taskQueue } = stack;
  return {
    client,
    coder: stack.coder,
    github: stack.github,
    taskQueue,
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
    state: stack.state,
    waitFor: stack.waitFor,
    waitForIdle: stack.waitForIdle,
    close: () => stack.close(),
  };
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
