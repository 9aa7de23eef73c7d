/**
 * `issues.opened`: a new issue whose body mentions the agent starts its task, the mention
 * line being the brief's first instruction. The author must be trusted, as a commenter must.
 */
import { findMention } from '@code-factory/messages';
import { z } from 'zod';
import {
  AuthoredIssueSchema,
  requesterGuard,
  startTask,
  trustedAuthor,
  UserSchema,
  webhook,
} from './handler';

const Payload = z.object({
  sender: UserSchema,
  issue: AuthoredIssueSchema,
});

export const issuesOpened = webhook({
  event: 'issues',
  actions: ['opened'],
  payload: Payload,
  classify({ sender, issue }, ctx, base) {
    const line = findMention(issue.body, ctx.agentLogin);
    if (line === null) return { action: 'skip', reason: 'no mention of the agent' };
    const refused = requesterGuard(sender, ctx);
    if (refused) return refused;
    const author = trustedAuthor(issue, ctx);
    if (author.skip) return author.skip;
    return startTask(base, ctx, issue, author.actor, {
      trigger: 'mention',
      mention: {
        line,
        url: issue.html_url,
        association: issue.author_association.toUpperCase(),
      },
    });
  },
});
