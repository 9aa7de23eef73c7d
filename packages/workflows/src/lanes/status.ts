/**
 * Live progress: the status comment follows what Coder pushes (working, waiting for you, idle,
 * the pull request, the latest turn), edited at most once per STATUS_COMMENT_INTERVAL_MS.
 */
import { condition } from '@temporalio/workflow';
import type { TaskRun } from '../task/run';
import { coderDownView, heldView, liveView, shepherdView } from '../task/views';

export async function statusLane(run: TaskRun): Promise<void> {
  const { task } = run;
  for (;;) {
    await condition(
      () =>
        task.closeRequested ||
        (task.live.liveEditDue &&
          task.state.statusComment.id !== null &&
          (task.phase === 'ready' ||
            task.phase === 'working' ||
            task.phase === 'waiting-for-coder' ||
            task.failedOnAgentError)),
    );
    if (task.closeRequested) return;
    const interval = run.settings.statusCommentIntervalMs;
    const shownAt = task.state.statusComment.shownAt;
    const wait = shownAt === null ? 0 : shownAt + interval - run.clock();
    if (wait > 0) {
      if (await condition(() => task.closeRequested, wait)) return;
      run.heard();
    }
    const agent = task.state.agent;
    const coderDown = task.phase === 'waiting-for-coder';
    if (!agent || (task.parked && !task.failedOnAgentError && !coderDown)) continue;
    if (run.failures.explaining) {
      await condition(() => !run.failures.explaining || task.closeRequested);
      continue;
    }
    task.live.liveShown(run.clock());
    task.held.shown();
    const view = coderDown ? coderDownView(task, agent) : liveView(task, agent);
    await run.inLane(() => run.tryShowStatus(view));
  }
}

/** Rewrites the status comment from what the task knows now (never creates one early). */
export async function refreshStatus(run: TaskRun): Promise<void> {
  const { task } = run;
  const s = task.state;
  if (s.statusComment.id === null) return;
  task.live.refreshed();
  task.held.shown();
  const agent = s.agent;
  if (task.fleet.paused) {
    await run.tryShowStatus({ state: 'paused', agentUrl: agent?.url, ...heldView(task) });
  } else if (task.phase === 'waiting-for-coder') {
    await run.tryShowStatus(coderDownView(task, agent));
  } else if (task.phase === 'queued') {
    const ahead = s.slots.find((slot) => !slot.granted)?.ahead;
    await run.tryShowStatus({ state: 'queued', ahead: ahead ?? undefined, ...heldView(task) });
  } else if (agent && (task.phase === 'ready' || task.phase === 'working')) {
    task.live.liveShown(run.clock());
    await run.tryShowStatus(
      agent.pushed === true
        ? liveView(task, agent)
        : {
            state: 'running',
            agentUrl: agent.url,
            pullRequestUrl: s.pullRequestUrl ?? undefined,
            ...shepherdView(task),
            ...heldView(task),
          },
    );
  }
}
