/**
 * One turn of the loop: the inbox's head (an assignment starts the agent, a run of comments
 * and CI failures is forwarded), or the 👀 reactions alone when nothing can be sent.
 */
import { log } from '@temporalio/workflow';
import { type FailedStep, isDeliverable } from '../state';
import type { TaskRun } from '../task/run';
import { forward, MAX_BATCH, reactToNext } from './forward';
import { checkMergeable } from './mergeable';
import { start } from './start';

/** Something for the loop: the inbox's head, or a reaction to add. */
export function hasWork(run: TaskRun): boolean {
  return run.task.hasWork() || run.task.state.pendingReactions.length > 0;
}

/** A run whose events were all skipped (no agent, no assignment) has nothing to shepherd. */
export function nothingToDo(run: TaskRun): boolean {
  const s = run.task.state;
  return (
    !s.agent &&
    !s.assignment &&
    s.inbox.length === 0 &&
    s.commands.length === 0 &&
    !run.control.busy
  );
}

export async function work(run: TaskRun): Promise<void> {
  const { task } = run;
  // Work to do: the forward step adds the reactions with its send.
  if (task.hasWork()) return step(run);
  // Nothing to send now (parked, no agent): the reactions go out one by one.
  while (task.state.pendingReactions.length > 0) {
    if (task.closeRequested) return;
    await reactToNext(run);
  }
}

/** Works on the head of the inbox; a failure parks the task until `retry` or close. */
async function step(run: TaskRun): Promise<void> {
  const { task } = run;
  const head = task.inbox.next();
  if (!head) return;
  const failedStep: FailedStep = head.kind === 'issue.assigned' ? 'start' : 'deliver';
  try {
    if (head.kind === 'issue.assigned') {
      if (task.state.agent) {
        log.info('assignment ignored: an agent already runs', { agentId: task.state.agent.id });
        task.skipped(1);
        return;
      }
      await run.cancellable(() => start(run, head));
      const started = task.state.agent !== null && !task.parked && !task.closeRequested;
      if (started) run.continuation.startDone = true;
    } else if (head.kind === 'pr.moved') {
      await run.cancellable(() => checkMergeable(run, head));
    } else if (isDeliverable(head)) {
      const batch = [head, ...task.inbox.takeDeliverableRun(MAX_BATCH - 1)];
      await run.cancellable(() => forward(run, batch));
      if (task.phase === 'working') run.becomeReady();
    }
  } catch (err) {
    if (task.closeRequested) return;
    await run.failures.handle(err, failedStep);
  }
  run.showDetails();
}
