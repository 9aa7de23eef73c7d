/**
 * `issue_comment`: a comment on the issue signals its task; a comment on the agent's pull
 * request (GitHub sends those as issue comments too) is routed to the repository workflow.
 */
import { taskName } from '@code-factory/naming';
import { z } from 'zod';
import {
  AuthoredSchema,
  authorGuard,
  NOT_BY_AGENT,
  onAgentsPullRequest,
  positiveInt,
  routeComment,
  webhook,
} from './handler';

const Payload = z.object({
  issue: z.object({
    number: positiveInt,
    html_url: z.url(),
    user: z.object({ login: z.string().min(1) }),
    pull_request: z.object({ html_url: z.url().nullish() }).nullish(),
  }),
  comment: AuthoredSchema.extend({ body: z.string().nullish(), created_at: z.string() }),
});

export const issueComment = webhook({
  event: 'issue_comment',
  actions: ['created', 'edited'],
  payload: Payload,
  classify({ issue, comment }, ctx, base, action) {
    const onPullRequest = issue.pull_request != null;
    if (onPullRequest && !onAgentsPullRequest(issue, ctx)) return NOT_BY_AGENT;
    const author = authorGuard(comment, ctx);
    if (author.skip) return author.skip;
    const fields = {
      commentId: comment.id,
      edited: action === 'edited',
      author: author.actor,
      body: comment.body ?? '',
      url: comment.html_url,
      createdAt: comment.created_at,
    };
    if (!onPullRequest) {
      return {
        action: 'signal-task',
        taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
        event: {
          ...base,
          kind: 'comment.posted',
          source: 'issue_comment',
          issueNumber: issue.number,
          ...fields,
        },
      };
    }
    const pullRequest = {
      number: issue.number,
      url: issue.pull_request?.html_url ?? issue.html_url,
    };
    return routeComment(base, 'pr_comment', pullRequest, fields);
  },
});
