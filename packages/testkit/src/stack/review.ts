/**
 * The agent's pull request as GitHub shows it: linked to its issue, with a CI run at its head,
 * or a submitted review with its comments and the webhooks (one per comment, one for the
 * review) ready to send through the ingress.
 */
import type { FakeGitHubApp } from '../fake-github';
import type { ReviewCommentSeed, WorkflowJobSeed } from '../fake-github/state';
import { samplePayloads, type WebhookPayload } from '../webhooks';
import { AGENT_LOGIN } from './stack';

/**
 * The agent's pull request for an issue, linked to it; with `failingLog` or `jobs`, a CI run
 * at its head (`failingLog`: `lint` passes, `unit tests` fails with this log). Returns its
 * head and the webhook of a review comment on it.
 */
export function seedAgentPull(
  github: FakeGitHubApp,
  seed: {
    repo: { owner: string; name: string };
    issueNumber: number;
    prNumber: number;
    headSha?: string;
    failingLog?: string;
    jobs?: WorkflowJobSeed[];
    /** The run's id; default the issue number × 10. */
    runId?: number;
  },
) {
  const { owner, name: repo } = seed.repo;
  const headSha = seed.headSha ?? String(seed.prNumber).padEnd(40, 'a');
  const headRef = `agent/${seed.issueNumber}`;
  const number = seed.prNumber;
  const runId = seed.runId ?? seed.issueNumber * 10;
  github.addPullRequest({ owner, repo, number, author: AGENT_LOGIN, headSha, headRef });
  github.linkIssue(owner, repo, seed.prNumber, seed.issueNumber);
  const jobs =
    seed.jobs ??
    (seed.failingLog !== undefined
      ? [
          { id: runId * 10 + 1, name: 'lint', conclusion: 'success' as const, log: 'ok' },
          {
            id: runId * 10 + 2,
            name: 'unit tests',
            conclusion: 'failure' as const,
            log: seed.failingLog,
          },
        ]
      : undefined);
  if (jobs) github.addWorkflowRun({ owner, repo, runId, headSha, jobs });
  const where = { owner, repo, prNumber: number, headSha };
  return {
    headSha,
    reviewComment: (p: Parameters<typeof samplePayloads.reviewComment>[0] = {}) =>
      samplePayloads.reviewComment({ ...where, ...p }),
  };
}

export function seedAgentReview(
  github: FakeGitHubApp,
  seed: {
    repo: { owner: string; name: string };
    issueNumber: number;
    prNumber: number;
    reviewId: number;
    body: string;
    comments: ReviewCommentSeed[];
  },
): {
  /** `pull_request_review_comment` payloads, in the order the comments were written. */
  comments: WebhookPayload[];
  /** The `pull_request_review` (submitted) payload. */
  review: WebhookPayload;
} {
  const { owner, name: repo } = seed.repo;
  const { headSha, reviewComment } = seedAgentPull(github, seed);
  const pull = { owner, repo, prNumber: seed.prNumber, headSha, reviewId: seed.reviewId };
  github.setReviewComments(owner, repo, seed.prNumber, seed.reviewId, seed.comments);
  return {
    comments: seed.comments.map((c) =>
      reviewComment({
        reviewId: seed.reviewId,
        commentId: c.id,
        path: c.path,
        ...(c.line === null ? {} : { line: c.line }),
        body: c.body,
      }),
    ),
    review: samplePayloads.review({ ...pull, body: seed.body }),
  };
}
