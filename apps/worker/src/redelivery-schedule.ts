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
import { ensureIntervalSchedule } from './schedules';

export interface RedeliveryScheduleOptions {
  taskQueue: string;
  intervalMs: number;
  maxPerRun: number;
  /** Default `webhook-redelivery`; tests sharing one server use their own. */
  scheduleId?: string;
}

export function ensureRedeliverySchedule(
  client: Client,
  options: RedeliveryScheduleOptions,
): Promise<'created' | 'updated'> {
  const args: [RedeliveryInput] = [{ maxPerRun: options.maxPerRun }];
  return ensureIntervalSchedule(client, {
    scheduleId: options.scheduleId ?? REDELIVERY_SCHEDULE_ID,
    workflowType: REDELIVERY_WORKFLOW_TYPE,
    args,
    taskQueue: options.taskQueue,
    intervalMs: options.intervalMs,
    summary: 'Redeliver failed GitHub webhook deliveries',
  });
}
