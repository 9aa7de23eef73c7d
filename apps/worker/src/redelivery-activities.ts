/**
 * Activities of the `webhook-redelivery` schedule's workflow: list the App's webhook
 * deliveries since the checkpoint, decide what to redeliver (`planRedeliveries`), and ask
 * GitHub to redeliver one. Counts are emitted as metrics here, where they are known.
 */
import type { GitHubApp } from '@code-factory/github';
import { planRedeliveries } from '@code-factory/github';
import type { RedeliveryActivities } from '@code-factory/workflows';
import { Context, log } from '@temporalio/activity';
import { withFailureMapping } from './failures';

/** A GUID whose redeliveries failed this many times is given up. */
export const MAX_REDELIVERIES = 3;
/** The next run re-reads this much before its checkpoint, for attempts GitHub logged late. */
const OVERLAP_MS = 60_000;

export interface RedeliveryDeps {
  github: Pick<GitHubApp, 'webhookDeliveriesSince' | 'redeliverWebhookDelivery'>;
  now?: () => number;
}

export function createRedeliveryActivities(deps: RedeliveryDeps): RedeliveryActivities {
  const now = deps.now ?? Date.now;
  const count = (name: string, value: number, description: string) => {
    Context.current()
      .metricMeter.createCounter(
        `code_factory_webhook_deliveries_${name}`,
        'deliveries',
        description,
      )
      .add(value);
  };
  const activities: RedeliveryActivities = {
    async findFailedWebhookDeliveries(input) {
      const started = now();
      const since = input.since ? Date.parse(input.since) : started - input.firstRunLookbackMs;
      const { deliveries, truncated } = await deps.github.webhookDeliveriesSince(new Date(since));
      const plan = planRedeliveries(deliveries, {
        now: started,
        maxPerRun: input.maxPerRun,
        maxRedeliveries: MAX_REDELIVERIES,
      });
      for (const given of plan.givenUp) {
        log.warn('webhook delivery given up', {
          deliveryId: given.guid,
          event: given.event,
          reason: given.reason,
        });
      }
      if (truncated) log.warn('more webhook deliveries than one run reads; the oldest are skipped');
      // Unresolved GUIDs (redelivered now, or left by the bound) hold the checkpoint back, so
      // the next run sees whether they succeeded.
      const unresolved = [...plan.redeliver, ...plan.deferred].map((c) => Date.parse(c.firstAt));
      const checkpoint = Math.min(started, ...unresolved) - OVERLAP_MS;
      count('seen', plan.seen, 'Webhook delivery GUIDs the redelivery schedule looked at');
      count('failed', plan.failed, 'Webhook delivery GUIDs with no successful attempt');
      count('given_up', plan.givenUp.length, 'Failed webhook deliveries no longer redelivered');
      return {
        since: new Date(since).toISOString(),
        checkpoint: new Date(Math.max(checkpoint, since)).toISOString(),
        seen: plan.seen,
        failed: plan.failed,
        givenUp: plan.givenUp.length,
        redeliver: plan.redeliver.map((c) => ({
          id: c.id,
          guid: c.guid,
          event: c.event,
          action: c.action,
        })),
      };
    },

    async redeliverWebhookDelivery(input) {
      await deps.github.redeliverWebhookDelivery(input.id);
      log.info('webhook delivery redelivered', { deliveryId: input.guid, event: input.event });
      count('redelivered', 1, 'Failed webhook deliveries GitHub was asked to send again');
    },
  };
  return withFailureMapping(
    activities as unknown as Record<string, (...args: never[]) => Promise<unknown>>,
  ) as unknown as RedeliveryActivities;
}
