/**
 * `issues`: an assignment to the agent starts the issue's task; a close signals it. The other
 * ways in have a module each: `issues-opened.ts`, `issues-edited.ts`, `issues-labeled.ts`.
 */
import { taskName } from '@code-factory/naming';
import { z } from 'zod';
import { positiveInt, sameLogin, startTask, UserSchema, webhook } from './handler';

const Payload = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('assigned'),
    assignee: z.object({ login: z.string().min(1) }),
    sender: UserSchema,
    issue: z.object({ number: positiveInt, title: z.string(), html_url: z.url() }),
  }),
  z.object({
    action: z.literal('closed'),
    sender: UserSchema,
    issue: z.object({ number: positiveInt }),
  }),
]);

export const issues = webhook({
  event: 'issues',
  actions: ['assigned', 'closed'],
  payload: Payload,
  classify(payload, ctx, base) {
    const { sender, issue } = payload;
    const task = taskName(ctx.taskNamePrefix, base.repository, issue.number);
    const actor = { login: sender.login, id: sender.id };
    if (payload.action === 'closed') {
      return {
        action: 'signal-task',
        taskName: task,
        event: { ...base, kind: 'issue.closed', issueNumber: issue.number, sender: actor },
      };
    }
    if (!sameLogin(payload.assignee.login, ctx.agentLogin)) {
      return { action: 'skip', reason: 'assignee is not the agent' };
    }
    // A trigger: signal-with-start of the task workflow.
    return startTask(base, ctx, payload.issue, actor);
  },
});
