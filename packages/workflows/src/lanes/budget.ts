/**
 * The budget, two ways:
 * - Coder's usage limit (an agent error): a task waiting for it tries again every
 *   BUDGET_RETRY_INTERVAL_MS (a durable timer): the agent is nudged once, and a budget still
 *   spent parks it again, editing the status comment, never posting. Coder clearing the error
 *   (`agentUpdate`) or `retry` goes on earlier.
 * - The issue's cost limit (`limits.max_cost_per_issue`, change `issue-cost`): when an agent
 *   update finds the spend at the limit the task parks in the same phase, and this lane stops
 *   the agent, tells the issue once per limit and shows it on the status comment. No timer:
 *   the limit does not lift by itself; `/agent budget <limit>` or `retry` goes on.
 */
import { budgetReachedNotice, formatDollars, overBudgetProblem } from '@code-factory/messages';
import { condition, log } from '@temporalio/workflow';
import { retry } from '../task/handlers';
import { acts, coderOptions } from '../task/options';
import type { TaskRun } from '../task/run';

export const BUDGET_NUDGE =
  'The usage limit that stopped you may have been lifted. Please continue where you left off.';

export async function budgetLane(run: TaskRun): Promise<void> {
  const { task } = run;
  const coderLimit = () => task.phase === 'waiting-for-budget' && !task.overCostLimit;
  for (;;) {
    await condition(
      () => task.closeRequested || coderLimit() || (run.costing && task.costs.stopDue),
    );
    if (task.closeRequested) return;
    if (run.costing && task.costs.stopDue) {
      await run.inLane(() => stopAtLimit(run));
      continue;
    }
    const interval = run.settings.budgetRetryIntervalMs;
    const moved = await condition(() => task.closeRequested || !coderLimit(), interval);
    if (moved) continue;
    log.info('trying again after the budget wait', { intervalMs: interval });
    retry(run, BUDGET_NUDGE);
  }
}

/** The issue reached its cost limit: the agent's turn is stopped, the issue told once. */
async function stopAtLimit(run: TaskRun): Promise<void> {
  const { task } = run;
  task.costs.stopped();
  const agent = task.state.agent;
  const limit = task.costs.limit(run.settings.maxCostPerIssueMicros);
  const spent = task.costs.spent;
  if (!agent || limit === null || !spent) return;
  if (agent.backend === 'agents') {
    try {
      await acts.interruptAgent.executeWithOptions(
        { ...coderOptions, summary: `interrupt ${agent.name} (cost limit)` },
        [{ agent }],
      );
    } catch (err) {
      log.warn('could not interrupt the agent at the cost limit', { error: `${err}` });
    }
  }
  if (task.costs.tellDue(limit)) {
    task.costs.told(limit);
    await run.tryPost(budgetReachedNotice(spent, limit));
  }
  log.info('agent stopped at the cost limit', { limit: formatDollars(limit) });
  if (!task.overCostLimit) return;
  await run.tryShowStatus({
    state: 'over-budget',
    problem: overBudgetProblem(limit),
    agentUrl: agent.url,
    ...(task.state.pullRequestUrl ? { pullRequestUrl: task.state.pullRequestUrl } : {}),
    cost: spent,
  });
}
