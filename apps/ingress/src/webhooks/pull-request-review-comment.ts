/** `pull_request_review_comment`: a comment on a line of the agent's pull request. */
import { z } from 'zod';
import {
  AuthoredSchema,
  authorGuard,
  NOT_BY_AGENT,
  PullRequestSchema,
  parse,
  positiveInt,
  routeComment,
  sameLogin,
  type WebhookHandler,
} from './handler';

const Payload = z.object({
  pull_request: PullRequestSchema,
  comment: z.object({
    id: positiveInt,
    body: z.string(),
    html_url: z.url(),
    created_at: z.string(),
    path: z.string(),
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
    ...AuthoredSchema,
  }),
});

export const pullRequestReviewComment: WebhookHandler = {
  event: 'pull_request_review_comment',
  actions: ['created', 'edited'],
  classify(payload, ctx, base, action) {
    const parsed = parse(Payload, payload);
    if (!parsed.ok) return parsed.decision;
    const { pull_request: pr, comment } = parsed.value;
    if (!sameLogin(pr.user.login, ctx.agentLogin)) return NOT_BY_AGENT;
    const author = authorGuard(comment, ctx);
    if (author.skip) return author.skip;
    return routeComment(
      base,
      'review_comment',
      { number: pr.number, url: pr.html_url },
      {
        commentId: comment.id,
        edited: action === 'edited',
        author: author.actor,
        body: comment.body,
        url: comment.html_url,
        createdAt: comment.created_at,
        // An outdated comment has no current line; the original one still helps the agent.
        file: { path: comment.path, line: comment.line ?? comment.original_line ?? null },
      },
    );
  },
};
