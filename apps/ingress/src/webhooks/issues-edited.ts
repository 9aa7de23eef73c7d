/**
 * `issues.edited`: an edit of the issue's body that adds a mention of the agent (the body
 * before it, `changes.body.from`, had none) starts the task, or reaches the running agent.
 */
import { mentionAdded } from '@code-factory/messages';
import { z } from 'zod';
import {
  AuthoredIssueSchema,
  CLOSED_ISSUE,
  requesterGuard,
  sameLogin,
  startTask,
  UserSchema,
  webhook,
} from './handler';

const Payload = z.object({
  sender: UserSchema,
  issue: AuthoredIssueSchema,
  // GitHub sends `changes.body` only when the body changed (a title edit has `changes.title`).
  changes: z.object({ body: z.object({ from: z.string().nullish() }).optional() }).optional(),
});

export const issuesEdited = webhook({
  event: 'issues',
  actions: ['edited'],
  payload: Payload,
  classify({ sender, issue, changes }, ctx, base) {
    if (!changes?.body) return { action: 'skip', reason: 'the body was not edited' };
    const line = mentionAdded(changes.body.from, issue.body, ctx.agentLogin);
    if (line === null) return { action: 'skip', reason: 'the edit adds no mention of the agent' };
    if (issue.state === 'closed') return CLOSED_ISSUE;
    const refused = requesterGuard(sender, ctx);
    if (refused) return refused;
    // The editor asks. Their association is known only when they wrote the issue; anyone
    // else who may edit it has at least triage access, and the worker checks their permission.
    const byAuthor = issue.user !== null && sameLogin(issue.user.login, sender.login);
    const association = issue.author_association.toUpperCase();
    if (byAuthor && !ctx.trustedAssociations.includes(association)) {
      return { action: 'skip', reason: `untrusted author (${association})` };
    }
    return startTask(
      base,
      ctx,
      issue,
      { login: sender.login, id: sender.id },
      {
        trigger: 'mention',
        mention: {
          line,
          url: issue.html_url,
          edited: true,
          ...(byAuthor ? { association } : {}),
        },
      },
    );
  },
});
