/**
 * A submitted review of the agent's pull request, as GitHub delivers it: the pull request
 * (linked to the issue), the review's comments behind the review's comments route, and the
 * webhooks (one per comment, one for the review) ready to send through the ingress.
 */
import type { FakeGitHubApp } from '../fake-github';
import type { ReviewCommentSeed } from '../fake-github/state';
import { samplePayloads, type WebhookPayload } from '../webhooks';
import { AGENT_LOGIN } from './stack';

export interface AgentReview {
  /** `pull_request_review_comment` payloads, in the order the comments were written. */
  comments: WebhookPayload[];
  /** The `pull_request_review` (submitted) payload. */
  review: WebhookPayload;
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
): AgentReview {
  const { owner, name: repo } = seed.repo;
  const headSha = String(seed.prNumber).padEnd(40, 'a');
  const pull = { owner, repo, prNumber: seed.prNumber, headSha, reviewId: seed.reviewId };
  github.addPullRequest({
    owner,
    repo,
    number: seed.prNumber,
    author: AGENT_LOGIN,
    headSha,
    headRef: `agent/${seed.issueNumber}`,
  });
  github.linkIssue(owner, repo, seed.prNumber, seed.issueNumber);
  github.setReviewComments(owner, repo, seed.prNumber, seed.reviewId, seed.comments);
  return {
    comments: seed.comments.map((c) =>
      samplePayloads.reviewComment({
        ...pull,
        commentId: c.id,
        path: c.path,
        ...(c.line === null ? {} : { line: c.line }),
        body: c.body,
      }),
    ),
    review: samplePayloads.review({ ...pull, body: seed.body }),
  };
}
