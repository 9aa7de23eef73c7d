/** `pull_request_review`: a submitted review with text on the agent's pull request. */
import { z } from 'zod';
import {
  AuthoredSchema,
  authorGuard,
  NOT_BY_AGENT,
  onAgentsPullRequest,
  PullRequestSchema,
  routeComment,
  webhook,
} from './handler';

const Payload = z.object({
  pull_request: PullRequestSchema,
  review: AuthoredSchema.extend({ body: z.string().nullish(), submitted_at: z.string() }),
});

export const pullRequestReview = webhook({
  event: 'pull_request_review',
  actions: ['submitted'],
  payload: Payload,
  classify({ pull_request: pr, review }, ctx, base) {
    if (!onAgentsPullRequest(pr, ctx)) return NOT_BY_AGENT;
    const body = review.body ?? '';
    // An approval or "request changes" without text: nothing for the agent to act on.
    if (body.trim() === '') return { action: 'skip', reason: 'review without body' };
    const author = authorGuard(review, ctx);
    if (author.skip) return author.skip;
    const pullRequest = { number: pr.number, url: pr.html_url };
    return routeComment(base, 'review', pullRequest, {
      commentId: review.id,
      edited: false,
      author: author.actor,
      body,
      url: review.html_url,
      createdAt: review.submitted_at,
      authorAssociation: review.author_association.toUpperCase(),
      ...(author.untrusted ? { untrusted: true } : {}),
    });
  },
});
