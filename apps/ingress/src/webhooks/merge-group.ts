/**
 * `merge_group.destroyed` with reason `dequeued`: a merge queue's group left the queue without
 * merging. Its head ref names the pull request at its head
 * (`refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`) and its checks ran at `head_sha`: the
 * repository workflow finds whether that pull request is the agent's and which runs failed
 * there. `merged` needs nothing; `invalidated` ("invalidated by an earlier queue entry being
 * dequeued") leaves the pull request in the queue, where GitHub groups it again; and
 * `checks_requested` is CI's business. Payload:
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#merge_group (`reason`:
 * `merged`, `invalidated` or `dequeued`).
 */
import { z } from 'zod';
import { webhook } from './handler';

const Payload = z.object({
  reason: z.string().nullish(),
  merge_group: z.object({
    head_sha: z.string().min(7),
    head_ref: z.string(),
  }),
});

const QUEUE_REF = /^refs\/heads\/gh-readonly-queue\/.+\/pr-(\d+)-[0-9a-f]+$/;

export const mergeGroup = webhook({
  event: 'merge_group',
  actions: ['destroyed'],
  payload: Payload,
  classify({ reason, merge_group: group }, _ctx, base) {
    if (reason !== 'dequeued') {
      return { action: 'skip', reason: `merge group ${reason ?? 'destroyed without a reason'}` };
    }
    const number = Number(QUEUE_REF.exec(group.head_ref)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(number) || number <= 0) {
      return { action: 'skip', reason: 'merge group head names no pull request' };
    }
    return {
      action: 'route',
      event: {
        ...base,
        kind: 'route.merge-group',
        pullRequestNumber: number,
        headSha: group.head_sha,
      },
    };
  },
});
