/** Shared inputs of the classification tests (`classify.test.ts`, `webhooks/*.test.ts`). */
import type { ClassifyContext } from './classify';

export const AGENT = 'xmtp-coder-agent';
export const BOT = 'code-factory[bot]';

export const ctx: ClassifyContext = {
  agentLogin: AGENT,
  botLogin: BOT,
  trustedAssociations: ['OWNER', 'MEMBER', 'COLLABORATOR'],
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  taskNamePrefix: 'gh',
};

export const common = {
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  repository: { owner: 'acme', name: 'widgets' },
  installationId: 1,
};

export function without(payload: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(payload);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  delete node[last];
  return copy;
}

/** The sample payloads' default sender and comment author. */
export const LEAD = { login: 'octo-lead', id: 1001 };

export const issueUrl = (issueNumber: number) =>
  `https://github.com/acme/widgets/issues/${issueNumber}`;

export const pullRequest = (number: number) => ({
  number,
  url: `https://github.com/acme/widgets/pull/${number}`,
});

/** The decision to start issue `issueNumber`'s task; `event` is what the trigger carries. */
export function startTask(issueNumber: number, title: string, event: Record<string, unknown>) {
  return {
    action: 'start-task',
    taskName: `gh-widgets-${issueNumber}`,
    summary: `acme/widgets#${issueNumber}: ${title}`,
    event: { ...common, issueNumber, ...event },
  };
}

/** A start by an `issue.assigned` event (assignment, mention in the issue, label), sent by LEAD. */
export function startAssigned(issueNumber: number, title: string, more: object = {}) {
  const issue = { title, url: issueUrl(issueNumber) };
  return startTask(issueNumber, title, { kind: 'issue.assigned', issue, sender: LEAD, ...more });
}

export function signalTask(issueNumber: number, event: Record<string, unknown>) {
  return {
    action: 'signal-task',
    taskName: `gh-widgets-${issueNumber}`,
    event: { ...common, issueNumber, ...event },
  };
}

/** A decision for the repository's workflow. */
export const route = (event: Record<string, unknown>) => ({
  action: 'route',
  event: { ...common, ...event },
});

export const skip = (reason: string) => ({ action: 'skip', reason });

/** For `toMatchObject`: the decision also carries the validation message. */
export const invalid = (field: string) => ({ action: 'invalid', field });
