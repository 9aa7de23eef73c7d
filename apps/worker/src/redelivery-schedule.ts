/**
 * Registers the `webhook-redelivery` Temporal Schedule at worker start (`schedules.ts`): its
 * interval, task queue and per-run bound follow the configuration; the checkpoint carried in
 * the last run's result is left alone.
 */
import {
  REDELIVERY_SCHEDULE_ID,
  REDELIVERY_WORKFLOW_TYPE,
  type RedeliveryInput,
} from '@code-factory/workflows';
import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule, type ScheduleOutcome, type ScheduleTiming } from './schedules';

export interface RedeliveryScheduleOptions extends ScheduleTiming {
  maxPerRun: number;
}

export function ensureRedeliverySchedule(
  client: Client,
  { maxPerRun, ...timing }: RedeliveryScheduleOptions,
): Promise<ScheduleOutcome> {
  const args: [RedeliveryInput] = [{ maxPerRun }];
  const summary = 'Redeliver failed GitHub webhook deliveries';
  const scheduleId = timing.scheduleId ?? REDELIVERY_SCHEDULE_ID;
  return ensureIntervalSchedule(client, {
    ...timing,
    scheduleId,
    workflowType: REDELIVERY_WORKFLOW_TYPE,
    args,
    summary,
  });
}
