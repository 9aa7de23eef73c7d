/**
 * A task waiting for Coder tries again when its timer fires (30 s after the failure, then
 * twice as long each time Coder is still down, at most 5 min; CODER_PROBE_INTERVAL_MS sets
 * the first) or at once when Coder pushes something about the chat. The time is in the
 * carried state, so a continue-as-new keeps the schedule.
 */
import { condition, log } from '@temporalio/workflow';
import type { TaskRun } from '../task/run';

export async function coderLane(run: TaskRun): Promise<void> {
  const { task } = run;
  for (;;) {
    await condition(() => task.closeRequested || task.phase === 'waiting-for-coder');
    if (task.closeRequested) return;
    const due = task.state.coderDown?.nextProbeAt ?? Date.now();
    const moved = await condition(
      () => task.closeRequested || task.phase !== 'waiting-for-coder',
      Math.max(1, due - Date.now()),
    );
    if (moved) continue;
    // A long outage adds a try every few minutes: let the loop see the history grow.
    run.continuation.noteHistory();
    tryCoderAgain(run, 'timer');
  }
}

/** A task waiting for Coder tries its step again now (its timer fired, or Coder pushed). */
export function tryCoderAgain(run: TaskRun, reason: string): void {
  const { task } = run;
  if (task.phase !== 'waiting-for-coder') return;
  log.info('trying Coder again', { reason, failedProbes: task.state.coderDown?.failedProbes });
  // A start is redone whole (the agent adopted by name); a send goes out again, in order.
  // The search attributes keep `waiting-for-coder` until the try succeeds or fails otherwise.
  task.retry(true);
  run.showDetails();
}
