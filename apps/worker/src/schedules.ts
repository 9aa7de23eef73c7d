/**
 * Registers an interval Temporal Schedule that starts one workflow per tick. Every worker does
 * it at start-up: the first creates the schedule, later ones (restarts, more replicas) bring
 * its interval, task queue and arguments up to date and leave the rest (pause state, recent
 * runs, the last run's result) alone.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';

/** Where and how often a schedule runs; `scheduleId` defaults per schedule (tests set their own). */
export interface ScheduleTiming {
  taskQueue: string;
  intervalMs: number;
  scheduleId?: string;
}

export interface IntervalSchedule {
  scheduleId: string;
  workflowType: string;
  args: unknown[];
  taskQueue: string;
  intervalMs: number;
  /** What the Web UI shows for each run. */
  summary: string;
}

export async function ensureIntervalSchedule(
  client: Client,
  schedule: IntervalSchedule,
): Promise<'created' | 'updated'> {
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: schedule.workflowType,
    workflowId: schedule.scheduleId,
    taskQueue: schedule.taskQueue,
    args: schedule.args,
    staticSummary: schedule.summary,
  };
  const spec = { intervals: [{ every: schedule.intervalMs }] };
  try {
    await client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec,
      action,
      policies: {
        // One run at a time; a run missed while the server was down is not made up twice.
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: '1 minute',
      },
      state: { note: 'Registered by the code-factory worker (docs/configuration.md)' },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(schedule.scheduleId).update((previous) => ({
    ...previous,
    spec,
    action: { ...previous.action, ...action },
  }));
  return 'updated';
}
