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
import { ensureIntervalSchedule, type ScheduleOutcome, type ScheduleTiming } from './schedules';

export interface StuckScheduleOptions extends ScheduleTiming {
  thresholdsMs: Record<StuckPhase, number>;
}

export function ensureStuckSchedule(
  client: Client,
  { thresholdsMs, ...timing }: StuckScheduleOptions,
): Promise<ScheduleOutcome> {
  const args: [StuckScanInput] = [{ thresholdsMs }];
  return ensureIntervalSchedule(client, {
    ...timing,
    scheduleId: timing.scheduleId ?? STUCK_SCHEDULE_ID,
    workflowType: STUCK_SCAN_WORKFLOW_TYPE,
    args,
    summary: 'Find tasks stuck in a phase and remind them',
  });
}
