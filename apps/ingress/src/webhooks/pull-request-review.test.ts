import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { BOT, ctx, skip } from '../classify-fixtures';

describe('pull_request_review.submitted', () => {
  it('routes reviews with a body', () => {
    const payload = samplePayloads.review({ prNumber: 7, reviewId: 21, body: 'Needs tests' });
    const review = payload.review as { html_url: string; submitted_at: string };
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({
      action: 'route',
      event: {
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          source: 'review',
          commentId: 21,
          body: 'Needs tests',
          url: review.html_url,
          createdAt: review.submitted_at,
        },
      },
    });
  });

  it.each([null, '', '   \n'])('skips reviews without text (%j)', (body) => {
    const payload = samplePayloads.review();
    (payload.review as { body: unknown }).body = body;
    expect(classify('pull_request_review', payload, ctx)).toEqual(skip('review without body'));
  });

  it('routes a review from outside the trust list marked untrusted', () => {
    const payload = samplePayloads.review({
      authorAssociation: 'NONE',
      authorLogin: 'eve',
    });
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({
      action: 'route',
      event: { comment: { source: 'review', author: { login: 'eve' }, untrusted: true } },
    });
  });

  it('skips reviews by the App bot', () => {
    const payload = samplePayloads.review({ authorLogin: BOT });
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('skips pull requests not by the agent', () => {
    const payload = samplePayloads.review({ prAuthor: 'human' });
    expect(classify('pull_request_review', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});
