/**
 * `pull_request.dequeued`: the agent's pull request left the merge queue without merging.
 * GitHub's `reason` (a string; deliveries carry codes such as `MANUAL` or `CI_FAILURE`) goes
 * to the repository workflow, which tells the linked issues' tasks. Payload:
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request (action
 * `dequeued`, "Activity related to pull requests … removed from a merge queue"); the merge
 * queue: https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/configuring-pull-request-merges/managing-a-merge-queue
 */
import { z } from 'zod';
import { NOT_BY_AGENT, onAgentsPullRequest, PullRequestSchema, webhook } from './handler';

const Payload = z.object({
  pull_request: PullRequestSchema,
  reason: z.string().nullish(),
});

/** The reason as the agent reads it; GitHub's string is kept, bounded. */
const MAX_REASON = 200;

export const pullRequest = webhook({
  event: 'pull_request',
  actions: ['dequeued'],
  payload: Payload,
  classify({ pull_request: pr, reason }, ctx, base) {
    if (!onAgentsPullRequest(pr, ctx)) return NOT_BY_AGENT;
    const said = reason?.trim() ? reason.trim().slice(0, MAX_REASON) : 'not given by GitHub';
    return {
      action: 'route',
      event: {
        ...base,
        kind: 'route.dequeued',
        pullRequest: { number: pr.number, url: pr.html_url },
        reason: said,
      },
    };
  },
});
