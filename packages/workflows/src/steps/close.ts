/**
 * The close: what waits is dropped, the lanes end, the agent is stopped, the status comment
 * says so and the slots go back. The issue is closed whatever Coder or GitHub say now: a
 * clean-up call that still fails after its retries is logged and counted. When the agent's
 * pull request merged and the repository watches merges (change `follow-through`), the task
 * then watches the branch (`following`, steps/follow.ts) instead of closing.
 */
import { log, metricMeter } from '@temporalio/workflow';
import { repositoryOf } from '../task/handlers';
import { acts, coderOptions } from '../task/options';
import type { TaskRun } from '../task/run';
import { costView } from '../task/views';
import { followFacts, mergeToWatch } from './follow';
import { releaseSlots } from './slots';

export async function close(run: TaskRun, lanes: Promise<void>[]): Promise<'closed' | 'following'> {
  const { task } = run;
  const wasClosing = task.phase === 'closing';
  const dropped = task.close();
  if (!wasClosing) run.publishPhase();
  if (dropped) log.info('dropped queued items on close', { dropped });
  await Promise.all(lanes);
  const agent = task.state.agent;
  if (agent) {
    await cleanUp(run, 'stop agent', () =>
      acts.stopAgent.executeWithOptions({ ...coderOptions, summary: `stop agent ${agent.name}` }, [
        { agent },
      ]),
    );
  }
  const watch = run.following && agent ? await mergeToWatch(run) : null;
  if (agent) {
    await cleanUp(run, 'status comment', () =>
      run.showStatus({
        state: run.control.released ? 'released' : 'completed',
        pullRequestUrl: task.state.pullRequestUrl ?? watch?.pullRequest.url,
        ...(run.costing ? costView(task) : {}),
        ...(watch ? { follow: followFacts(watch) } : {}),
      }),
    );
  }
  const spent = run.costing ? task.costs.spent : null;
  if (spent) {
    metricMeter
      .createHistogram(
        'code_factory_issue_cost_micros',
        'int',
        'micro-dollars',
        'What an issue cost over all its agents, recorded when its task closes',
      )
      .record(spent.totalMicros, { repository: repositoryOf(run) });
  }
  await releaseSlots(run);
  if (watch) {
    task.beginFollowing(watch);
    run.publishPhase();
    return 'following';
  }
  task.closed();
  run.publishPhase();
  return 'closed';
}

async function cleanUp(run: TaskRun, what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    run.task.cleanupFailed();
    log.error('clean-up step failed; the task closes anyway', { step: what, error: `${err}` });
  }
}
