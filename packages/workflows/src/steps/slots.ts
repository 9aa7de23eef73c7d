/**
 * Concurrency slots before a start: one per limited scope, in a fixed order (repository, then
 * installation), keeping the first while waiting for the second. While one is not free the
 * task is `queued` and the status comment says how many wait in front of it.
 */
import { condition, log, workflowInfo } from '@temporalio/workflow';
import { releaseSlotOf } from '../slots-workflow';
import { slotActs } from '../task/options';
import type { TaskRun } from '../task/run';

export interface SlotScope {
  scope: string;
  /** Unlimited (absent, null, below 1): skipped. */
  limit: number | null | undefined;
}

export async function takeSlots(run: TaskRun, scopes: SlotScope[]): Promise<void> {
  const { task } = run;
  const taskId = workflowInfo().workflowId;
  for (const { scope, limit } of scopes) {
    if (typeof limit !== 'number' || limit < 1) continue;
    task.fleet.slotAsked(scope);
    const answer = await slotActs.acquireSlot.executeWithOptions(
      { summary: `slot of ${scope} (limit ${limit})` },
      [{ scope, taskId, limit }],
    );
    task.fleet.slotAnswered(scope, answer);
    let shown: number | null | undefined;
    for (;;) {
      const slot = task.fleet.slotOf(scope);
      if (!slot || slot.granted) break;
      if (task.phase !== 'queued') {
        task.queued();
        run.publishPhase();
      }
      if (slot.ahead !== shown) {
        shown = slot.ahead;
        await run.tryShowStatus({ state: 'queued', ahead: slot.ahead ?? undefined });
      }
      await condition(() => {
        const now = task.fleet.slotOf(scope);
        return !now || now.granted || now.ahead !== shown;
      });
    }
  }
  if (task.phase === 'queued') {
    log.info('slots granted; starting');
    task.dequeued();
    run.publishPhase();
  }
}

/** Gives back every slot the task holds or waits for (a signal each; never throws). */
export async function releaseSlots(run: TaskRun): Promise<void> {
  const taskId = workflowInfo().workflowId;
  for (const scope of run.task.fleet.releaseSlots()) await releaseSlotOf(scope, taskId);
}

/** `slotGranted` / `slotQueue` from a slots workflow (unknown scopes are ignored). */
export function onSlotNotice(run: TaskRun, raw: unknown, granted: boolean): void {
  const notice = raw as { scope?: unknown; ahead?: unknown } | null;
  if (!notice || typeof notice.scope !== 'string') return;
  if (granted) run.task.fleet.slotAnswered(notice.scope, { granted: true });
  else if (typeof notice.ahead === 'number' && Number.isFinite(notice.ahead)) {
    run.task.fleet.slotAnswered(notice.scope, { granted: false, ahead: notice.ahead });
  }
}
