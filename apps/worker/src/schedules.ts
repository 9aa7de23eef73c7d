/**
 * Registers an interval Temporal Schedule that starts one workflow per tick. Every worker does
 * it at start-up: the first creates the schedule, later ones (restarts, more replicas) bring
 * its interval, task queue and arguments up to date (re-encrypted under the worker's first
 * codec key) and leave the rest (pause state, recent runs, the last run's result) alone.
 *
 * One whose previous action this worker cannot decrypt (a key dropped from
 * `PAYLOAD_CODEC_KEYS`) is deleted and created anew: its content is the worker's own, so
 * nothing is lost but its history, and a worker never fails to start on it.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
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

export type ScheduleOutcome = 'created' | 'updated' | 'recreated';

const NOTE = 'Registered by the code-factory worker (docs/configuration.md)';

export async function ensureIntervalSchedule(
  client: Client,
  schedule: IntervalSchedule,
): Promise<ScheduleOutcome> {
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: schedule.workflowType,
    workflowId: schedule.scheduleId,
    taskQueue: schedule.taskQueue,
    args: schedule.args,
    staticSummary: schedule.summary,
  };
  const spec = { intervals: [{ every: schedule.intervalMs }] };
  const create = (note: string) =>
    client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec,
      action,
      policies: {
        // One run at a time; a run missed while the server was down is not made up twice.
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: '1 minute',
      },
      state: { note },
    });
  try {
    await create(NOTE);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(schedule.scheduleId);
  try {
    await handle.update((previous) => ({
      ...previous,
      spec,
      action: { ...previous.action, ...action },
    }));
    return 'updated';
  } catch (err) {
    if (!isCodecError(err)) throw err;
    try {
      await handle.delete();
    } catch (deleteErr) {
      if (!(deleteErr instanceof ScheduleNotFoundError)) throw deleteErr;
    }
    await create(
      `${NOTE}. Recreated ${new Date().toISOString()}: the previous one could not be read (${(err as Error).message}).`,
    );
    return 'recreated';
  }
}

/** The codec's refusal (packages/codec), however the SDK passed it on. */
export function isCodecError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if ((e as { name?: unknown }).name === 'CodecError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
