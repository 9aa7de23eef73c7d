/**
 * One long-lived workflow per issue (ID = task name). It owns the whole lifecycle of that
 * issue's Coder agent: start, forward everything in arrival order, report status, clean up.
 *
 * Shape: the messages are wired here, one line each, to `task/handlers.ts`; the body is a
 * short loop over `steps/work.ts` beside five lanes (`lanes/`); after a close that found the
 * agent's pull request merged, a run of its own watches the merge (`steps/follow.ts`). `TaskRun` (task/run.ts) is what
 * they share; the lifecycle's phases and what may follow what are `TaskLifecycle`
 * (state/lifecycle.ts). Each unit of work runs in a cancellable scope so that closing the
 * issue stops whatever is pending before cleaning up. docs/architecture.md walks a comment
 * through these modules.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  agentUpdateSignal,
  closeSignal,
  eventSignal,
  interruptUpdate,
  pauseSignal,
  resumeSignal,
  retryUpdate,
  sendMessageUpdate,
  stateQuery,
} from './definitions';
import { slotGrantedSignal, slotQueueSignal, stuckReminderSignal } from './fleet-definitions';
import { budgetLane } from './lanes/budget';
import { coderLane } from './lanes/coder';
import { shepherdLane } from './lanes/shepherd';
import { statusLane } from './lanes/status';
import { close } from './steps/close';
import { followThrough } from './steps/follow';
import { onSlotNotice, releaseSlots } from './steps/slots';
import { hasWork, nothingToDo, work } from './steps/work';
import * as on from './task/handlers';
import { TaskRun, type TaskWorkflowInput } from './task/run';

export type { TaskWorkflowInput } from './task/run';

export type TaskOutcome = 'closed' | 'no-task';

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskOutcome> {
  const run = new TaskRun(input);
  const { task } = run;
  // Asked before the handlers are set: a signal buffered for this run's first activation is
  // handled as `setHandler` runs, and an untrusted comment must find the answer there.
  run.holding = patched('held-input');
  task.holdsUntrusted = run.holding;

  setHandler(eventSignal, (raw) => on.onEvent(run, raw));
  setHandler(agentUpdateSignal, (raw) => on.onAgentUpdate(run, raw));
  setHandler(closeSignal, (arg) => on.onClose(run, arg));
  setHandler(stateQuery, () => task.snapshot());
  setHandler(sendMessageUpdate, (m) => on.sendMessage(run, m), {
    validator: (m) => on.validateSendMessage(run, m),
  });
  setHandler(retryUpdate, () => on.retry(run), { validator: () => on.validateRetry(run) });
  setHandler(interruptUpdate, () => on.interrupt(run), {
    validator: () => on.validateInterrupt(run),
  });
  setHandler(pauseSignal, (arg) => on.onPause(run, arg));
  setHandler(resumeSignal, () => on.onResume(run));
  setHandler(slotGrantedSignal, (raw) => onSlotNotice(run, raw, true));
  setHandler(slotQueueSignal, (raw) => onSlotNotice(run, raw, false));
  setHandler(stuckReminderSignal, (raw) => on.onStuck(run, raw));

  run.labelIssue();
  // Asked at the start of the run, before any local activity can resolve (docs/architecture.md#versioning).
  run.shepherding = patched('shepherd-lanes');
  run.costing = patched('issue-cost');
  run.stableClock = patched('status-clock');
  run.following = patched('follow-through');
  run.settingsByActivity = patched('settings-activity');
  run.publishPhase();
  if (task.phase === 'following') {
    // A run of its own (continued from the close): the watch of the merge, then the end or a
    // new agent (the next run starts it).
    const next = await followThrough(run);
    await condition(allHandlersFinished);
    if (next === 'restart')
      return continueAsNew<typeof taskWorkflow>({ ...input, carried: task.carry() });
    log.info('watch of the merge ended; task closed');
    return 'closed';
  }
  if (task.state.agent) await run.loadSettings();
  const lanes = [
    statusLane(run),
    run.control.lane(),
    budgetLane(run),
    coderLane(run),
    shepherdLane(run),
  ];

  for (;;) {
    await condition(
      () => task.closeRequested || hasWork(run) || run.continuation.needed() || nothingToDo(run),
    );
    if (task.closeRequested || (nothingToDo(run) && !hasWork(run))) break;
    if (run.continuation.needed()) {
      // Between units of work: what waits travels in the carried state.
      if (await run.continuation.ready()) {
        await condition(allHandlersFinished);
        log.info('continuing as new', { historyLength: workflowInfo().historyLength });
        return continueAsNew<typeof taskWorkflow>({ ...input, carried: task.carry() });
      }
      if (task.closeRequested) continue;
    }
    await work(run);
  }

  if (!task.closeRequested) {
    log.info('no agent for this issue; nothing to do', { skipped: task.state.counts.skipped });
    await condition(() => task.state.pendingReactions.length === 0);
    await releaseSlots(run);
    return 'no-task';
  }
  const closedAs = await close(run, lanes);
  await condition(allHandlersFinished);
  if (closedAs === 'following') {
    // The watch runs in a run of its own: a short history for its hours or days.
    log.info('task closed; its merge is watched', { reason: task.closeReason });
    return continueAsNew<typeof taskWorkflow>({ ...input, carried: task.carry() });
  }
  log.info('task closed', { reason: task.closeReason });
  return 'closed';
}
