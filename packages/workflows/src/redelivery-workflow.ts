/**
 * One run of the `webhook-redelivery` schedule: find the App's webhook deliveries that
 * failed since the checkpoint and ask GitHub to send them again (docs/configuration.md,
 * "Webhook redelivery"). Each run is short; the state it keeps is one checkpoint.
 *
 * The checkpoint travels as the run's result: a schedule hands the last completed run's
 * result to the next run (`workflowInfo().lastResult`), so it survives worker restarts
 * without a database. A run that fails leaves the previous checkpoint in place.
 */
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { ErrorTypes } from './activities';

export const REDELIVERY_SCHEDULE_ID = 'webhook-redelivery';
export const REDELIVERY_WORKFLOW_TYPE = 'webhookRedeliveryWorkflow';

export interface RedeliveryInput {
  /** At most this many deliveries are redelivered per run (`WEBHOOK_REDELIVERY_MAX_PER_RUN`). */
  maxPerRun: number;
  /** How far back the first run (no checkpoint yet) looks; default one hour. */
  firstRunLookbackMs?: number;
}

export interface RedeliveryResult {
  /** ISO time the next run lists deliveries from. */
  checkpoint: string;
  /** ISO time this run listed from. */
  since: string;
  seen: number;
  failed: number;
  redelivered: number;
  givenUp: number;
  /** Redeliveries GitHub refused this run; they are tried again next run. */
  errors: number;
}

export interface FailedDeliveries {
  since: string;
  checkpoint: string;
  seen: number;
  failed: number;
  givenUp: number;
  redeliver: Array<{ id: number; guid: string; event: string; action: string | null }>;
}

/** Activities of the redelivery workflow (worker: `redelivery-activities.ts`). */
export interface RedeliveryActivities {
  /** Lists deliveries since `since` (null: the first run's look-back) and plans the run. */
  findFailedWebhookDeliveries(input: {
    since: string | null;
    maxPerRun: number;
    firstRunLookbackMs: number;
  }): Promise<FailedDeliveries>;
  redeliverWebhookDelivery(input: { id: number; guid: string; event: string }): Promise<void>;
}

const DEFAULT_LOOKBACK_MS = 60 * 60_000;

const acts = proxyActivities<RedeliveryActivities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [ErrorTypes.nonRetryable, ErrorTypes.userFixable],
  },
});

export async function webhookRedeliveryWorkflow(input: RedeliveryInput): Promise<RedeliveryResult> {
  const found = await acts.findFailedWebhookDeliveries({
    since: checkpointOf(workflowInfo().lastResult),
    maxPerRun: input.maxPerRun,
    firstRunLookbackMs: input.firstRunLookbackMs ?? DEFAULT_LOOKBACK_MS,
  });
  let redelivered = 0;
  let errors = 0;
  for (const delivery of found.redeliver) {
    try {
      await acts.redeliverWebhookDelivery({
        id: delivery.id,
        guid: delivery.guid,
        event: delivery.event,
      });
      redelivered++;
    } catch (err) {
      // Its GUID is still failed and before the checkpoint: the next run tries again.
      errors++;
      log.warn('redelivery refused', {
        deliveryId: delivery.guid,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  const result: RedeliveryResult = {
    checkpoint: found.checkpoint,
    since: found.since,
    seen: found.seen,
    failed: found.failed,
    redelivered,
    givenUp: found.givenUp,
    errors,
  };
  log.info('webhook redelivery run', { ...result });
  return result;
}

/** The previous run's checkpoint, when it left a usable one. */
function checkpointOf(last: unknown): string | null {
  if (last === null || typeof last !== 'object') return null;
  const checkpoint = (last as { checkpoint?: unknown }).checkpoint;
  return typeof checkpoint === 'string' && !Number.isNaN(Date.parse(checkpoint))
    ? checkpoint
    : null;
}
