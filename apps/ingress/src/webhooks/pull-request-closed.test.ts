import { defaultBranchPayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx, invalid, pullRequest, route, skip } from '../classify-fixtures';

const sha = '5eed'.padEnd(40, '0');

describe('pull_request.closed', () => {
  it("routes the agent's merged pull request with its merge commit and base branch", () => {
    const payload = defaultBranchPayloads.pullRequestClosed({ prNumber: 12, mergeCommitSha: sha });
    expect(classify('pull_request', payload, ctx)).toEqual(
      route({
        kind: 'route.merged',
        pullRequest: pullRequest(12),
        mergeCommitSha: sha,
        baseBranch: 'main',
      }),
    );
  });

  it('skips a pull request closed without merging, the agent’s or not', () => {
    for (const prAuthor of ['xmtp-coder-agent', 'octo-dev']) {
      const payload = defaultBranchPayloads.pullRequestClosed({ prAuthor, merged: false });
      expect(classify('pull_request', payload, ctx)).toEqual(
        skip('pull request closed without merging'),
      );
    }
  });

  it('routes a merged revert of one of this repository’s pull requests', () => {
    const payload = defaultBranchPayloads.revertPullRequestMerged({ prNumber: 13, reverts: 12 });
    expect(classify('pull_request', payload, ctx)).toEqual(
      route({
        kind: 'route.reverted',
        pullRequest: pullRequest(13),
        reverts: 12,
      }),
    );
  });

  it("skips other merges: someone else's pull request, a revert of another repository's", () => {
    const plain = defaultBranchPayloads.pullRequestClosed({
      prAuthor: 'octo-dev',
      body: 'Fixes #4',
    });
    expect(classify('pull_request', plain, ctx)).toEqual(
      skip("merged pull request is not the agent's nor a revert"),
    );
    const elsewhere = defaultBranchPayloads.pullRequestClosed({
      prAuthor: 'octo-dev',
      body: 'Reverts other/widgets#12',
    });
    expect(classify('pull_request', elsewhere, ctx)).toMatchObject({ action: 'skip' });
  });

  it('reads the revert line as the button writes it, and nothing looser', () => {
    const reverts = (body: string) => {
      const payload = defaultBranchPayloads.pullRequestClosed({ prAuthor: 'octo-dev', body });
      const decision = classify('pull_request', payload, ctx);
      return decision.action === 'route' && decision.event.kind === 'route.reverted'
        ? decision.event.reverts
        : null;
    };
    expect(reverts('Reverts Acme/Widgets#12')).toBe(12);
    expect(reverts('Reverts acme/widgets#12\n\nBroke the build.')).toBe(12);
    expect(reverts('This PR reverts acme/widgets#12 partly')).toBeNull();
    expect(reverts('Reverts acme/widgets#0')).toBeNull();
    expect(reverts('')).toBeNull();
  });

  it('names a malformed field and never routes it', () => {
    const payload = defaultBranchPayloads.pullRequestClosed();
    (payload.pull_request as { merge_commit_sha: unknown }).merge_commit_sha = 42;
    expect(classify('pull_request', payload, ctx)).toMatchObject(
      invalid('pull_request.merge_commit_sha'),
    );
    const noSha = defaultBranchPayloads.pullRequestClosed();
    (noSha.pull_request as { merge_commit_sha: unknown }).merge_commit_sha = null;
    expect(classify('pull_request', noSha, ctx)).toMatchObject(
      invalid('pull_request.merge_commit_sha'),
    );
    const noBase = defaultBranchPayloads.pullRequestClosed();
    (noBase.pull_request as { base: unknown }).base = 'main';
    expect(classify('pull_request', noBase, ctx)).toMatchObject(invalid('pull_request.base'));
  });
});
