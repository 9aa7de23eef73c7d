import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx } from '../classify-fixtures';

describe('pull_request_review_comment', () => {
  it('routes with file and line', () => {
    const payload = samplePayloads.reviewComment({
      prNumber: 7,
      path: 'src/a.ts',
      line: 3,
      commentId: 11,
    });
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      action: 'route',
      event: {
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          source: 'review_comment',
          commentId: 11,
          file: { path: 'src/a.ts', line: 3 },
          pullRequest: { number: 7, url: 'https://github.com/acme/widgets/pull/7' },
        },
      },
    });
  });

  it('falls back to original_line, then null (outdated comments)', () => {
    const payload = samplePayloads.reviewComment({ line: 3 });
    const comment = payload.comment as { line: unknown; original_line: unknown };
    comment.line = null;
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      event: { comment: { file: { line: 3 } } },
    });
    comment.original_line = null;
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      event: { comment: { file: { line: null } } },
    });
  });

  it('skips pull requests not by the agent', () => {
    const payload = samplePayloads.reviewComment({ prAuthor: 'human' });
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      action: 'skip',
    });
  });

  it('routes an untrusted author marked untrusted (held by the task)', () => {
    const payload = samplePayloads.reviewComment({ authorAssociation: 'NONE' });
    expect(classify('pull_request_review_comment', payload, ctx)).toMatchObject({
      action: 'route',
      event: { kind: 'route.comment', comment: { authorAssociation: 'NONE', untrusted: true } },
    });
  });
});
