/**
 * `issue_comment`: a comment on the issue signals its task; a comment on the agent's pull
 * request (GitHub sends those as issue comments too) is routed to the repository workflow.
 * A new comment on an open issue that mentions the agent is a trigger: signal-with-start, so
 * it starts the task when none runs, and is forwarded like any comment when one does. A
 * comment from outside the trust list is passed on marked `untrusted` (the task holds it for
 * approval), always as a plain signal: it never starts a task, mention or not.
 */
import { findMention } from '@code-factory/messages';
import { repoFullName, taskName } from '@code-factory/naming';
import { z } from 'zod';
import {
  AuthoredSchema,
  authorGuard,
  IssueSchema,
  NOT_BY_AGENT,
  onAgentsPullRequest,
  routeComment,
  webhook,
} from './handler';

const Payload = z.object({
  issue: IssueSchema.extend({
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
      authorAssociation: comment.author_association.toUpperCase(),
      ...(author.untrusted ? { untrusted: true } : {}),
    };
    if (!onPullRequest) {
      const task = taskName(ctx.taskNamePrefix, base.repository, issue.number);
      const event = {
        ...base,
        kind: 'comment.posted' as const,
        source: 'issue_comment' as const,
        issueNumber: issue.number,
        ...fields,
      };
      const line =
        action === 'created' && issue.state !== 'closed' && !author.untrusted
          ? findMention(comment.body, ctx.agentLogin)
          : null;
      if (line === null) return { action: 'signal-task', taskName: task, event };
      return {
        action: 'start-task',
        taskName: task,
        summary: `${repoFullName(base.repository)}#${issue.number}: ${issue.title}`,
        event: { ...event, mention: { line, issue: { title: issue.title, url: issue.html_url } } },
      };
    }
    const pullRequest = {
      number: issue.number,
      url: issue.pull_request?.html_url ?? issue.html_url,
    };
    return routeComment(base, 'pr_comment', pullRequest, fields);
  },
});
