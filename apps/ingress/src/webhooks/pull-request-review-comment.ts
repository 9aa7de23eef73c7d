/** `pull_request_review_comment`: a comment on a line of the agent's pull request. */
import { z } from 'zod';
import {
  AuthoredSchema,
  PullRequestSchema,
  pullRequestAuthor,
  routeComment,
  webhook,
} from './handler';

const Payload = z.object({
  pull_request: PullRequestSchema,
  comment: AuthoredSchema.extend({
    body: z.string(),
    created_at: z.string(),
    path: z.string(),
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
  }),
});

export const pullRequestReviewComment = webhook({
  event: 'pull_request_review_comment',
  actions: ['created', 'edited'],
  payload: Payload,
  classify({ pull_request: pr, comment }, ctx, base, action) {
    const author = pullRequestAuthor(pr, comment, ctx);
    if (author.skip) return author.skip;
    // An outdated comment has no current line; the original one still helps the agent.
    const line = comment.line ?? comment.original_line ?? null;
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
        file: { path: comment.path, line },
        authorAssociation: comment.author_association.toUpperCase(),
        ...(author.untrusted ? { untrusted: true } : {}),
      },
    );
  },
});
