/** `pull_request_review`: a submitted review with text on the agent's pull request. */
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
  review: z.object({
    id: positiveInt,
    body: z.string().nullish(),
    html_url: z.url(),
    submitted_at: z.string(),
    ...AuthoredSchema,
  }),
});

export const pullRequestReview: WebhookHandler = {
  event: 'pull_request_review',
  actions: ['submitted'],
  classify(payload, ctx, base) {
    const parsed = parse(Payload, payload);
    if (!parsed.ok) return parsed.decision;
    const { pull_request: pr, review } = parsed.value;
    if (!sameLogin(pr.user.login, ctx.agentLogin)) return NOT_BY_AGENT;
    const body = review.body ?? '';
    // An approval or "request changes" without text: nothing for the agent to act on.
    if (body.trim() === '') return { action: 'skip', reason: 'review without body' };
    const author = authorGuard(review, ctx);
    if (author.skip) return author.skip;
    return routeComment(
      base,
      'review',
      { number: pr.number, url: pr.html_url },
      {
        commentId: review.id,
        edited: false,
        author: author.actor,
        body,
        url: review.html_url,
        createdAt: review.submitted_at,
      },
    );
  },
};
