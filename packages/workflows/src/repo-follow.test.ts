import { describe, expect, it } from 'vitest';
import { type FollowedMerge, MAX_FOLLOWED_MERGES, MergeRegistry } from './repo-follow';

const DAY = 24 * 3_600_000;
const merge = (
  n: number,
  at = 0,
  sha = `${n}`.padStart(7, '0').padEnd(40, 'a'),
): FollowedMerge => ({
  sha,
  pullRequest: { number: n, url: `https://github.com/acme/widgets/pull/${n}` },
  issues: [n + 100],
  at,
});

describe('MergeRegistry', () => {
  it('finds a merge by its commit, whole or abbreviated as a revert may name it, and by its pull request', () => {
    const merges = new MergeRegistry();
    merges.remember(merge(7, 0, 'AbCdEf0123'.padEnd(40, '9')));
    expect(merges.atCommit('abcdef0123'.padEnd(40, '9'))?.pullRequest.number).toBe(7);
    expect(merges.atCommit('abcdef0')?.pullRequest.number).toBe(7);
    // Fewer than 7 characters name too many commits to be sure.
    expect(merges.atCommit('abcdef')).toBeUndefined();
    expect(merges.atCommit('1234567')).toBeUndefined();
    expect(merges.ofPullRequest(7)?.issues).toEqual([107]);
    expect(merges.ofPullRequest(8)).toBeUndefined();
  });

  it('keeps one entry per merge commit and per pull request, the newer answer winning', () => {
    const merges = new MergeRegistry();
    merges.remember(merge(7, 0));
    merges.remember({ ...merge(7, 10), issues: [1, 2] });
    expect(merges.merges).toHaveLength(1);
    expect(merges.ofPullRequest(7)?.issues).toEqual([1, 2]);
  });

  it('forgets merges older than the longest watch, and past its bound the oldest first', () => {
    const merges = new MergeRegistry();
    merges.remember(merge(1, 0));
    merges.remember(merge(2, 91 * DAY));
    expect(merges.merges.map((m) => m.pullRequest.number)).toEqual([2]);
    for (let n = 3; n < MAX_FOLLOWED_MERGES + 10; n++) merges.remember(merge(n, 91 * DAY + n));
    expect(merges.merges).toHaveLength(MAX_FOLLOWED_MERGES);
    expect(merges.ofPullRequest(2)).toBeUndefined();
    expect(merges.ofPullRequest(MAX_FOLLOWED_MERGES + 9)).toBeDefined();
  });

  it('changes the carried list in place (the workflow carries it as it is)', () => {
    const carried: FollowedMerge[] = [];
    new MergeRegistry(carried).remember(merge(7));
    expect(carried).toHaveLength(1);
  });
});
