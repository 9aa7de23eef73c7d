import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx, invalid, route, skip } from '../classify-fixtures';

describe('merge_group.destroyed', () => {
  it('routes a dequeued group, with the pull request at its head and its head commit', () => {
    const payload = samplePayloads.mergeGroup({
      action: 'destroyed',
      reason: 'dequeued',
      prNumber: 31,
      headSha: 'e'.repeat(40),
    });
    expect(classify('merge_group', payload, ctx)).toEqual(
      route({
        kind: 'route.merge-group',
        pullRequestNumber: 31,
        headSha: 'e'.repeat(40),
      }),
    );
  });

  it('reads the pull request of a base branch with slashes', () => {
    const payload = samplePayloads.mergeGroup({ action: 'destroyed', reason: 'dequeued' });
    (payload.merge_group as { head_ref: string }).head_ref =
      `refs/heads/gh-readonly-queue/release/1.0/pr-8-${'0'.repeat(40)}`;
    expect(classify('merge_group', payload, ctx)).toMatchObject({
      event: { pullRequestNumber: 8 },
    });
  });

  it.each(['merged', 'invalidated'] as const)('skips a group %s', (reason) => {
    // Invalidated: an earlier entry left the queue; GitHub groups this pull request again.
    const payload = samplePayloads.mergeGroup({ action: 'destroyed', reason });
    expect(classify('merge_group', payload, ctx)).toEqual(skip(`merge group ${reason}`));
  });

  it('skips a group whose head names no pull request', () => {
    const payload = samplePayloads.mergeGroup({ action: 'destroyed', reason: 'dequeued' });
    (payload.merge_group as { head_ref: string }).head_ref = 'refs/heads/main';
    expect(classify('merge_group', payload, ctx)).toEqual(
      skip('merge group head names no pull request'),
    );
  });

  it('skips checks_requested', () => {
    expect(classify('merge_group', samplePayloads.mergeGroup(), ctx)).toEqual(
      skip('unhandled action merge_group.checks_requested'),
    );
  });

  it('names a malformed field', () => {
    const payload = samplePayloads.mergeGroup({ action: 'destroyed', reason: 'dequeued' });
    (payload.merge_group as { head_sha: unknown }).head_sha = 42;
    expect(classify('merge_group', payload, ctx)).toMatchObject(invalid('merge_group.head_sha'));
  });
});
