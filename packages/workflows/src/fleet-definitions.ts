/**
 * Fleet controls (issue 14): the messages of the concurrency-slots workflow, the signals it
 * and the `stuck-tasks` schedule send to task workflows, and their activities. Names are what
 * operators type in the `temporal` CLI; renaming one breaks running workflows and runbooks.
 * Safe to import from clients and from workflow code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcquireSlotResult, SlotsSnapshot } from './slots';

export const SLOTS_WORKFLOW_TYPE = 'slotsWorkflow';
/** How often a slots workflow checks that its holders still run, unless its input says. */
export const DEFAULT_SLOT_CHECK_INTERVAL_MS = 5 * 60_000;

export interface AcquireSlotInput {
  /** The asking task's workflow ID: grants and queue positions are signalled to it. */
  taskId: string;
  /** The scope's limit as configured now (integer ≥ 1); the latest acquire's limit wins. */
  limit: number;
}
/**
 * Ask for a slot: `{ granted: true }` or `{ granted: false, ahead }`. FIFO and idempotent per
 * `taskId` (asking again answers the same way and never takes a second slot).
 */
export const acquireSlotUpdate = defineUpdate<AcquireSlotResult, [AcquireSlotInput]>('acquireSlot');
/** Give the slot (or the place in the queue) back. Idempotent; unknown tasks are ignored. */
export const releaseSlotSignal = defineSignal<[{ taskId: string }]>('releaseSlot');
/** Holders, queue (with positions) and the current limit. */
export const slotsQuery = defineQuery<SlotsSnapshot>('slots');

/**
 * To a task workflow: the scope granted it a slot after it waited. Final for this
 * acquisition: a later `{ granted: false }` answer or `slotQueue` for the same scope is stale.
 */
export interface SlotGranted {
  /** The slots workflow ID (`installationSlotsId` / `repoSlotsId`). */
  scope: string;
}
export const slotGrantedSignal = defineSignal<[SlotGranted]>('slotGranted');

/**
 * To a waiting task workflow: its place in the scope's queue moved. Positions only go down,
 * so a task keeps the smallest `ahead` it has heard for the scope.
 */
export interface SlotQueue {
  scope: string;
  /** How many tasks wait in front of it. */
  ahead: number;
}
export const slotQueueSignal = defineSignal<[SlotQueue]>('slotQueue');

/** Task phases that count as stuck when a task stays in them too long. */
export const STUCK_PHASES = [
  'starting',
  'failed',
  'waiting-for-budget',
  'waiting-for-human',
] as const;
export type StuckPhase = (typeof STUCK_PHASES)[number];

/**
 * To a task workflow, from the `stuck-tasks` schedule: it has been in `phase` since `since`
 * (its `CodeFactoryPhaseSince`). Sent on every scan while the task stays stuck; the task
 * posts one reminder per distinct `since` (one stuck period).
 */
export interface StuckReminder {
  phase: string;
  /** ISO time the phase began. */
  since: string;
}
export const stuckReminderSignal = defineSignal<[StuckReminder]>('stuckReminder');

export const STUCK_SCHEDULE_ID = 'stuck-tasks';
export const STUCK_SCAN_WORKFLOW_TYPE = 'stuckScanWorkflow';

export interface StuckTask {
  workflowId: string;
  phase: StuckPhase;
  since: string;
}

/** Activities of the slots and stuck-scan workflows (worker: `fleet-activities.ts`). */
export interface FleetActivities {
  /**
   * Asks the scope's slots workflow for a slot (update-with-start: the first acquire starts
   * it). Retries are safe: acquiring is idempotent per task.
   */
  acquireSlot(input: { scope: string; taskId: string; limit: number }): Promise<AcquireSlotResult>;
  /** Which of these workflows no longer run (closed, terminated, timed out or not found). */
  findEndedWorkflows(input: { workflowIds: string[] }): Promise<{
    ended: Array<{ workflowId: string; status: string }>;
  }>;
  /**
   * Running task workflows in a stuck phase since before its threshold, at most `limit`;
   * sets the `code_factory_stuck_tasks` gauge per phase to the full count.
   */
  findStuckTasks(input: {
    thresholdsMs: Record<StuckPhase, number>;
    limit: number;
  }): Promise<{ tasks: StuckTask[]; counts: Record<StuckPhase, number> }>;
}
