/**
 * The registry: every GitHub webhook event the ingress handles, one module each. A delivery
 * of an event not listed here is a 200 skip. Adding an event: docs/architecture.md, "Adding
 * a webhook event type".
 */
import type { WebhookHandler } from './handler';
import { issueComment } from './issue-comment';
import { issues } from './issues';
import { mergeGroup } from './merge-group';
import { pullRequest } from './pull-request';
import { pullRequestReview } from './pull-request-review';
import { pullRequestReviewComment } from './pull-request-review-comment';
import { push } from './push';
import { workflowRun } from './workflow-run';

export const WEBHOOK_HANDLERS: readonly WebhookHandler[] = [
  issues,
  issueComment,
  pullRequestReviewComment,
  pullRequestReview,
  workflowRun,
  push,
  pullRequest,
  mergeGroup,
];
