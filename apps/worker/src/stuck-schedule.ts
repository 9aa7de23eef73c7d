/**
 * Registers the `stuck-tasks` Temporal Schedule at worker start (`schedules.ts`): every
 * `STUCK_SCAN_INTERVAL_MS` a `stuckScanWorkflow` finds tasks that stay too long in a phase
 * (`STUCK_AFTER_*_MS`), counts them and reminds each (docs/operations.md, "Fleet controls").
 */
import {
  STUCK_SCAN_WORKFLOW_TYPE,
  STUCK_SCHEDULE_ID,
  type StuckPhase,
  type StuckScanInput,
} from '@code-factory/workflows';
import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from './schedules';

export interface StuckScheduleOptions {
  taskQueue: string;
  intervalMs: number;
  thresholdsMs: Record<StuckPhase, number>;
  /** Default `stuck-tasks`; tests sharing one server use their own. */
  scheduleId?: string;
}

export function ensureStuckSchedule(
  client: Client,
  options: StuckScheduleOptions,
): Promise<'created' | 'updated'> {
  const args: [StuckScanInput] = [{ thresholdsMs: options.thresholdsMs }];
  return ensureIntervalSchedule(client, {
    scheduleId: options.scheduleId ?? STUCK_SCHEDULE_ID,
    workflowType: STUCK_SCAN_WORKFLOW_TYPE,
    args,
    taskQueue: options.taskQueue,
    intervalMs: options.intervalMs,
    summary: 'Find tasks stuck in a phase and remind them',
  });
}
