/**
 * Registers the `webhook-redelivery` Temporal Schedule. Every worker does it at start-up:
 * the first creates it, later ones (restarts, more replicas) bring its interval, task queue
 * and per-run bound up to date and leave the rest (pause state, recent runs, the last
 * run's result that carries the checkpoint) alone.
 */
import {
  REDELIVERY_SCHEDULE_ID,
  REDELIVERY_WORKFLOW_TYPE,
  type RedeliveryInput,
} from '@code-factory/workflows';
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';

export interface RedeliveryScheduleOptions {
  taskQueue: string;
  intervalMs: number;
  maxPerRun: number;
  /** Default `webhook-redelivery`; tests sharing one server use their own. */
  scheduleId?: string;
}

export async function ensureRedeliverySchedule(
  client: Client,
  options: RedeliveryScheduleOptions,
): Promise<'created' | 'updated'> {
  const scheduleId = options.scheduleId ?? REDELIVERY_SCHEDULE_ID;
  const args: [RedeliveryInput] = [{ maxPerRun: options.maxPerRun }];
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: REDELIVERY_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args,
    staticSummary: 'Redeliver failed GitHub webhook deliveries',
  };
  const spec = { intervals: [{ every: options.intervalMs }] };
  try {
    await client.schedule.create({
      scheduleId,
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
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec,
    action: { ...previous.action, ...action },
  }));
  return 'updated';
}
