/**
 * `issues.labeled`: a label added to an open issue may start its task, the labeller being the
 * requester. Which label does is the repository's (`[triggers] label`, else TRIGGER_LABEL),
 * which only the worker can read: so every label a person adds is handed to the task, and the
 * worker's gate lets through only the trigger label (docs/architecture.md, "Triggers").
 * Removing a label (`unlabeled`) does nothing: releasing stays `/agent release`.
 */
import { z } from 'zod';
import {
  CLOSED_ISSUE,
  IssueSchema,
  requesterGuard,
  startTask,
  UserSchema,
  webhook,
} from './handler';

const Payload = z.object({
  sender: UserSchema,
  issue: IssueSchema,
  // GitHub's schema has `label` optional; a delivery without one starts nothing.
  label: z.object({ name: z.string().min(1).max(100) }).optional(),
});

export const issuesLabeled = webhook({
  event: 'issues',
  actions: ['labeled'],
  payload: Payload,
  classify({ sender, issue, label }, ctx, base) {
    if (!label) return { action: 'skip', reason: 'no label in the delivery' };
    if (issue.state === 'closed') return CLOSED_ISSUE;
    const refused = requesterGuard(sender, ctx);
    if (refused) return refused;
    return startTask(
      base,
      ctx,
      issue,
      { login: sender.login, id: sender.id },
      { trigger: 'label', label: label.name },
    );
  },
});
