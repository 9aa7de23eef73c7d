/**
 * A task waiting for the budget tries again every BUDGET_RETRY_INTERVAL_MS (a durable timer):
 * the agent is nudged once, and a budget still spent parks it again, editing the status
 * comment, never posting. Coder clearing the error (`agentUpdate`) or `retry` goes on earlier.
 */
import { condition, log } from '@temporalio/workflow';
import { retry } from '../task/handlers';
import type { TaskRun } from '../task/run';

export const BUDGET_NUDGE =
  'The usage limit that stopped you may have been lifted. Please continue where you left off.';

export async function budgetLane(run: TaskRun): Promise<void> {
  const { task } = run;
  for (;;) {
    await condition(() => task.closeRequested || task.phase === 'waiting-for-budget');
    if (task.closeRequested) return;
    const interval = run.settings.budgetRetryIntervalMs;
    const moved = await condition(
      () => task.closeRequested || task.phase !== 'waiting-for-budget',
      interval,
    );
    if (moved) continue;
    log.info('trying again after the budget wait', { intervalMs: interval });
    retry(run, BUDGET_NUDGE);
  }
}
