/** What the workflow package's unit tests share: an agent, an issue, its events, a running task. */
import type { AgentRef } from './activities';
import { type FollowState, FollowThrough, TaskLifecycle } from './state';

export const agent: AgentRef = {
  backend: 'agents',
  id: 'chat-1',
  owner: 'dev',
  name: 'gh-widgets-1',
  url: 'https://c/agents/chat-1',
  pushed: true,
};

export const repository = { owner: 'acme', name: 'widgets' };

export function assignment(deliveryId = 'd-assign') {
  return {
    kind: 'issue.assigned' as const,
    deliveryId,
    receivedAt: '2026-11-24T12:00:00Z',
    repository,
    issueNumber: 1,
    installationId: 7,
    issue: { title: 'Fix it', url: 'https://github.com/acme/widgets/issues/1' },
    sender: { login: 'lead', id: 2 },
  };
}

export function comment(deliveryId: string) {
  return {
    kind: 'comment.posted' as const,
    deliveryId,
    receivedAt: '2026-11-24T12:00:00Z',
    repository,
    issueNumber: 1,
    installationId: 7,
    commentId: Number(deliveryId.replace(/\D/g, '')) || 1,
    source: 'issue_comment' as const,
    author: { login: 'dev', id: 3 },
    body: `comment ${deliveryId}`,
    edited: false,
    createdAt: '2026-11-24T12:00:00Z',
    url: 'https://github.com/acme/widgets/issues/1#issuecomment-1',
  };
}

export function fresh(): TaskLifecycle {
  return new TaskLifecycle('gh-widgets-1', repository, 1);
}

export function running(): TaskLifecycle {
  const task = fresh();
  task.assign(assignment());
  task.started({ agent });
  task.ready();
  return task;
}

/** Coder's push for the agent's chat: its status and readiness, and whatever else it carries. */
export function agentUpdate(status: string, readiness: string, more: object = {}) {
  return { chatId: agent.id, status, readiness, ...more };
}

/** Coder's push for the chat stopped on `error`. */
export const agentError = (error: object) => agentUpdate('error', 'error', { error });

/** Coder's push for the chat stopped on a spent budget (`usage_limit`, a person must act). */
export function usageLimitUpdate(explanation = 'A budget is spent.') {
  return agentError({
    kind: 'usage_limit',
    message: 'quota',
    retryable: false,
    userFixable: true,
    explanation,
  });
}

/** The watch of a merge of the agent's pull request #12 (follow-through), until 1 000 000 ms. */
export const watch: FollowState = FollowThrough.watchOf(
  {
    number: 12,
    url: 'https://github.com/acme/widgets/pull/12',
    sha: 'abc1234'.padEnd(40, '0'),
    branch: 'main',
  },
  1_000_000,
  true,
);

/** A task that closed after its pull request merged and now watches `main`. */
export function following(): TaskLifecycle {
  const task = running();
  task.close();
  task.beginFollowing(structuredClone(watch));
  return task;
}
