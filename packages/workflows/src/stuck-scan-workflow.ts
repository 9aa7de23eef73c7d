/**
 * One run of the `stuck-tasks` schedule: find running task workflows that stay too long in a
 * phase where nothing moves without someone (starting, failed, waiting for budget, waiting
 * for a human), count them (the activity sets the `code_factory_stuck_tasks` gauge), and
 * signal each one `stuckReminder`. The task decides what to post: one reminder per stuck
 * period, keyed by `since`, so a task found again by later runs posts nothing new.
 */
import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import { type FleetActivities, type StuckPhase, stuckReminderSignal } from './fleet-definitions';
import { FLEET_ACTIVITY_RETRY } from './slots-workflow';

export interface StuckScanInput {
  /** How long a task may stay in each phase before it counts as stuck (`STUCK_AFTER_*_MS`). */
  thresholdsMs: Record<StuckPhase, number>;
  /** At most this many tasks are signalled per run; the rest are found by the next run. */
  maxPerRun?: number;
}

export interface StuckScanResult {
  counts: Record<StuckPhase, number>;
  reminded: number;
  /** Tasks that closed between the listing and the signal. */
  gone: number;
}

const DEFAULT_MAX_PER_RUN = 200;

const acts = proxyActivities<Pick<FleetActivities, 'findStuckTasks'>>({
  startToCloseTimeout: '2 minutes',
  // A run that fails leaves the tasks to the next run.
  retry: { ...FLEET_ACTIVITY_RETRY, maximumAttempts: 3 },
});

export async function stuckScanWorkflow(input: StuckScanInput): Promise<StuckScanResult> {
  const { tasks, counts } = await acts.findStuckTasks({
    thresholdsMs: input.thresholdsMs,
    limit: input.maxPerRun ?? DEFAULT_MAX_PER_RUN,
  });
  let reminded = 0;
  let gone = 0;
  for (const task of tasks) {
    try {
      await getExternalWorkflowHandle(task.workflowId).signal(stuckReminderSignal, {
        phase: task.phase,
        since: task.since,
      });
      reminded++;
    } catch (err) {
      gone++;
      log.info('stuck task closed before its reminder', {
        taskId: task.workflowId,
        error: `${err}`,
      });
    }
  }
  const result = { counts, reminded, gone };
  log.info('stuck tasks scan', { ...counts, reminded, gone });
  return result;
}
