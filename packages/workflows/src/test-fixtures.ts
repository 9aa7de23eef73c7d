/** What the workflow package's unit tests share: an agent, an issue, its events, a running task. */
import type { AgentRef } from './activities';
import { TaskLifecycle } from './state';

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

/** Coder's push for the chat stopped on a spent budget (`usage_limit`, a person must act). */
export function usageLimitUpdate(explanation = 'A budget is spent.') {
  return {
    chatId: agent.id,
    status: 'error',
    readiness: 'error',
    error: {
      kind: 'usage_limit',
      message: 'quota',
      retryable: false,
      userFixable: true,
      explanation,
    },
  };
}
