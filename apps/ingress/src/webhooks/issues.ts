/** `issues`: an assignment to the agent starts the issue's task; a close signals it. */
import { repoFullName, taskName } from '@code-factory/naming';
import { z } from 'zod';
import { parse, positiveInt, sameLogin, UserSchema, type WebhookHandler } from './handler';

const AssignedPayload = z.object({
  assignee: z.object({ login: z.string().min(1) }),
  sender: UserSchema,
  issue: z.object({ number: positiveInt, title: z.string(), html_url: z.url() }),
});

const ClosedPayload = z.object({
  sender: UserSchema,
  issue: z.object({ number: positiveInt }),
});

export const issues: WebhookHandler = {
  event: 'issues',
  actions: ['assigned', 'closed'],
  classify(payload, ctx, base, action) {
    if (action === 'assigned') {
      const parsed = parse(AssignedPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const { assignee, sender, issue } = parsed.value;
      if (!sameLogin(assignee.login, ctx.agentLogin)) {
        return { action: 'skip', reason: 'assignee is not the agent' };
      }
      // The only event that may start a task workflow (signal-with-start).
      return {
        action: 'start-task',
        taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
        summary: `${repoFullName(base.repository)}#${issue.number}: ${issue.title}`,
        event: {
          ...base,
          kind: 'issue.assigned',
          issueNumber: issue.number,
          issue: { title: issue.title, url: issue.html_url },
          sender: { login: sender.login, id: sender.id },
        },
      };
    }
    const parsed = parse(ClosedPayload, payload);
    if (!parsed.ok) return parsed.decision;
    const { sender, issue } = parsed.value;
    return {
      action: 'signal-task',
      taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
      event: {
        ...base,
        kind: 'issue.closed',
        issueNumber: issue.number,
        sender: { login: sender.login, id: sender.id },
      },
    };
  },
};
