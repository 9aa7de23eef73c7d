/**
 * Deliveries of what happens on the default branch after an agent pull request merged
 * (follow-through, issue 27 part 2), built on the samples of `webhooks.ts`:
 *  - `pull_request.closed` of a merged pull request (`merge_commit_sha`: the commit the merge
 *    made on the base branch): https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
 *  - the revert of one: GitHub's "Revert" button opens a pull request whose body begins
 *    "Reverts owner/repo#N", and `git revert` (which that pull request's commit is made by) writes
 *    "This reverts commit <sha>." in the commit message:
 *    https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/incorporating-changes-from-a-pull-request/reverting-a-pull-request
 *  - a `push` of such a commit: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
import { isoNow, samplePayloads, type WebhookPayload } from './webhooks';

type PullParams = NonNullable<Parameters<typeof samplePayloads.pullRequestDequeued>[0]>;
type PushParams = NonNullable<Parameters<typeof samplePayloads.push>[0]>;

export const defaultBranchPayloads = {
  /**
   * `pull_request.closed`, merged by default (`merged: false`: closed without merging). The
   * author is the agent unless `prAuthor` says otherwise.
   */
  pullRequestClosed(
    p: PullParams & { merged?: boolean; mergeCommitSha?: string; body?: string } = {},
  ): WebhookPayload {
    const { reason: _reason, ...sample } = samplePayloads.pullRequestDequeued(p);
    const pull = sample.pull_request as Record<string, unknown>;
    const merged = p.merged ?? true;
    const at = isoNow();
    const pull_request = {
      ...pull,
      state: 'closed',
      body: p.body ?? pull.body ?? null,
      closed_at: at,
      merged,
      merged_at: merged ? at : null,
      merge_commit_sha: merged ? (p.mergeCommitSha ?? 'd'.repeat(40)) : (p.mergeCommitSha ?? null),
      merged_by: merged ? sample.sender : null,
    };
    return { ...sample, action: 'closed', pull_request };
  },

  /**
   * GitHub's revert of pull request `reverts`: its own pull request `prNumber`, by a person,
   * merged, the body as the Revert button writes it.
   */
  revertPullRequestMerged(p: PullParams & { reverts: number; mergeCommitSha?: string }) {
    const { reverts, ...rest } = p;
    const owner = p.owner ?? 'acme';
    const repo = p.repo ?? 'widgets';
    return defaultBranchPayloads.pullRequestClosed({
      prAuthor: 'octo-lead',
      headRef: `revert-${reverts}-fix`,
      title: `Revert "Fix #${reverts}"`,
      ...rest,
      body: `Reverts ${owner}/${repo}#${reverts}`,
    });
  },

  /** A push to the default branch of one commit that reverts `reverts` (a merge commit). */
  revertPush(p: PushParams & { reverts: string; title?: string }): WebhookPayload {
    const { reverts, title = 'Fix the widget', ...rest } = p;
    return samplePayloads.push({
      modified: ['src/widget.ts'],
      ...rest,
      message: `Revert "${title}"\n\nThis reverts commit ${reverts}.`,
    });
  },
};
