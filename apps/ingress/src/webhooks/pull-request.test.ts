import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx, invalid, pullRequest, route, skip } from '../classify-fixtures';

describe('pull_request.dequeued', () => {
  it("routes the agent's pull request with GitHub's reason", () => {
    const payload = samplePayloads.pullRequestDequeued({ prNumber: 12, reason: 'CI_FAILURE' });
    expect(classify('pull_request', payload, ctx)).toEqual(
      route({
        kind: 'route.dequeued',
        pullRequest: pullRequest(12),
        reason: 'CI_FAILURE',
      }),
    );
  });

  it('says so when GitHub gives no reason, and bounds a long one', () => {
    const none = { ...samplePayloads.pullRequestDequeued(), reason: null };
    expect(classify('pull_request', none, ctx)).toMatchObject({
      event: { reason: 'not given by GitHub' },
    });
    const long = samplePayloads.pullRequestDequeued({ reason: 'x'.repeat(500) });
    expect(classify('pull_request', long, ctx)).toMatchObject({
      event: { reason: 'x'.repeat(200) },
    });
  });

  it("skips other people's pull requests", () => {
    const payload = samplePayloads.pullRequestDequeued({ prAuthor: 'octo-dev' });
    expect(classify('pull_request', payload, ctx)).toEqual(
      skip('pull request is not by the agent'),
    );
  });

  it('skips every other action', () => {
    for (const action of ['opened', 'enqueued', 'synchronize', 'reopened']) {
      const payload = { ...samplePayloads.pullRequestDequeued(), action };
      expect(classify('pull_request', payload, ctx)).toEqual(
        skip(`unhandled action pull_request.${action}`),
      );
    }
  });

  it('names a malformed field', () => {
    const payload = samplePayloads.pullRequestDequeued();
    (payload.pull_request as { number: unknown }).number = 'seven';
    expect(classify('pull_request', payload, ctx)).toMatchObject(invalid('pull_request.number'));
  });
});
