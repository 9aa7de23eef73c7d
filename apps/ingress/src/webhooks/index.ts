/**
 * The registry: every GitHub webhook event the ingress handles, one module each (or one per
 * action, when an event's actions do different things: `issues-opened.ts`). A delivery of an
 * event or action not listed here is a 200 skip. Adding an event: docs/architecture.md,
 * "Adding a webhook event type".
 */
import type { WebhookHandler } from './handler';
import { issueComment } from './issue-comment';
import { issues } from './issues';
import { issuesEdited } from './issues-edited';
import { issuesLabeled } from './issues-labeled';
import { issuesOpened } from './issues-opened';
import { mergeGroup } from './merge-group';
import { pullRequest } from './pull-request';
import { pullRequestClosed } from './pull-request-closed';
import { pullRequestReview } from './pull-request-review';
import { pullRequestReviewComment } from './pull-request-review-comment';
import { push } from './push';
import { workflowRun } from './workflow-run';

export const WEBHOOK_HANDLERS: readonly WebhookHandler[] = [
  issues,
  issuesOpened,
  issuesEdited,
  issuesLabeled,
  issueComment,
  pullRequestReviewComment,
  pullRequestReview,
  workflowRun,
  push,
  pullRequest,
  pullRequestClosed,
  mergeGroup,
];
