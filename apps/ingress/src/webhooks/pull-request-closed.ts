/**
 * `pull_request.closed` of a merged pull request (follow-through after the merge): the agent's
 * goes to the repository workflow with its merge commit (`route.merged`), which remembers it
 * for the task watching the default branch; one whose body names another as GitHub's
 * revert button writes it ("Reverts owner/repo#N", this repository's) goes there as a revert
 * (`route.reverted`). A pull request closed without merging, and any other merge, is skipped.
 * Payload: https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
 * (`merged`, `merge_commit_sha`, `base.ref`, `body`); the revert button:
 * https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/incorporating-changes-from-a-pull-request/reverting-a-pull-request
 */
import type { Repository } from '@code-factory/events';
import { z } from 'zod';
import { onAgentsPullRequest, PullRequestSchema, webhook } from './handler';

const Payload = z.object({
  pull_request: PullRequestSchema.extend({
    merged: z.boolean().nullish(),
    merge_commit_sha: z.string().min(7).max(64).nullish(),
    body: z.string().nullish(),
    base: z.object({ ref: z.string().min(1) }),
  }),
});

/** The first line GitHub's revert button writes in the revert's body. */
const REVERTS = /^\s*Reverts ([\w.-]+)\/([\w.-]+)#(\d+)\s*$/m;

/** The number of the pull request of `repository` that `body` says it reverts, or null. */
function revertedPullRequest(body: string | null | undefined, repository: Repository) {
  const found = REVERTS.exec(body ?? '');
  if (!found) return null;
  const [, owner = '', name = '', number = ''] = found;
  const here =
    `${owner}/${name}`.toLowerCase() === `${repository.owner}/${repository.name}`.toLowerCase();
  const n = Number(number);
  return here && Number.isSafeInteger(n) && n > 0 ? n : null;
}

export const pullRequestClosed = webhook({
  event: 'pull_request',
  actions: ['closed'],
  payload: Payload,
  classify({ pull_request: pr }, ctx, base) {
    if (pr.merged !== true)
      return { action: 'skip', reason: 'pull request closed without merging' };
    const pullRequest = { number: pr.number, url: pr.html_url };
    if (onAgentsPullRequest(pr, ctx)) {
      if (!pr.merge_commit_sha) {
        return {
          action: 'invalid',
          field: 'pull_request.merge_commit_sha',
          problem: 'a merged pull request has a merge commit',
        };
      }
      return {
        action: 'route',
        event: {
          ...base,
          kind: 'route.merged',
          pullRequest,
          mergeCommitSha: pr.merge_commit_sha,
          baseBranch: pr.base.ref,
        },
      };
    }
    const reverts = revertedPullRequest(pr.body, base.repository);
    if (reverts === null) {
      return { action: 'skip', reason: "merged pull request is not the agent's nor a revert" };
    }
    return { action: 'route', event: { ...base, kind: 'route.reverted', pullRequest, reverts } };
  },
});
