/**
 * What a worker does to Temporal Schedules at start-up, before it polls: registers its own two
 * (`webhook-redelivery`, `stuck-tasks`), then brings every schedule of the product, the
 * repositories' job schedules included, under its first codec key (`schedule-keys.ts`).
 * A payload it cannot decrypt never stops it: its own schedules are recreated, the others are
 * reported (log, `code_factory_unreadable_schedules`, the schedule's note) and skipped.
 */
import type { CodecKeyring } from '@code-factory/codec';
import {
  REDELIVERY_WORKFLOW_TYPE,
  SCHEDULED_JOB_WORKFLOW_TYPE,
  STUCK_SCAN_WORKFLOW_TYPE,
  type StuckPhase,
} from '@code-factory/workflows';
import type { Client } from '@temporalio/client';
import type { Logger, MetricMeter } from '@temporalio/common';
import { ensureRedeliverySchedule } from './redelivery-schedule';
import { rewriteSchedulesUnderFirstKey, type ScheduleKeyReport } from './schedule-keys';
import type { ScheduleOutcome } from './schedules';
import { ensureStuckSchedule } from './stuck-schedule';

/** The workflow types whose schedules the product owns. */
export const SCHEDULED_WORKFLOW_TYPES = [
  REDELIVERY_WORKFLOW_TYPE,
  STUCK_SCAN_WORKFLOW_TYPE,
  SCHEDULED_JOB_WORKFLOW_TYPE,
] as const;

export interface WorkerSchedulesOptions {
  taskQueue: string;
  keys: CodecKeyring | null;
  logger: Logger;
  meter?: MetricMeter;
  redelivery: { intervalMs: number; maxPerRun: number; scheduleId?: string };
  stuck: { intervalMs: number; thresholdsMs: Record<StuckPhase, number>; scheduleId?: string };
}

export interface WorkerSchedules {
  redelivery: ScheduleOutcome;
  stuck: ScheduleOutcome;
  /** Null when the pass could not list the schedules (logged; the worker runs on). */
  keys: ScheduleKeyReport | null;
}

export async function keepWorkerSchedules(
  client: Client,
  options: WorkerSchedulesOptions,
): Promise<WorkerSchedules> {
  const { taskQueue, logger } = options;
  const redelivery = await ensureRedeliverySchedule(client, { taskQueue, ...options.redelivery });
  logOutcome(logger, 'webhook-redelivery', redelivery, {
    intervalMs: options.redelivery.intervalMs,
  });
  const stuck = await ensureStuckSchedule(client, { taskQueue, ...options.stuck });
  logOutcome(logger, 'stuck-tasks', stuck, { intervalMs: options.stuck.intervalMs });
  let keys: ScheduleKeyReport | null = null;
  try {
    keys = await rewriteSchedulesUnderFirstKey(client, {
      workflowTypes: SCHEDULED_WORKFLOW_TYPES,
      taskQueue,
      keys: options.keys,
      logger,
      ...(options.meter ? { meter: options.meter } : {}),
    });
    logger.info('schedules checked against the first codec key', {
      firstKey: options.keys?.primary.id ?? 'none',
      current: keys.current.length,
      rewritten: keys.rewritten.length,
      recreated: keys.recreated.length,
      unreadable: keys.unreadable.map((s) => s.scheduleId),
    });
  } catch (err) {
    logger.warn('could not check the schedules against the first codec key; trying at next start', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
  return { redelivery, stuck, keys };
}

function logOutcome(
  logger: Logger,
  name: string,
  outcome: ScheduleOutcome,
  meta: Record<string, unknown>,
): void {
  if (outcome === 'recreated') {
    logger.warn(`${name} schedule recreated: the previous one could not be decrypted`, meta);
  } else {
    logger.info(`${name} schedule ${outcome}`, meta);
  }
}
