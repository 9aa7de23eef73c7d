/**
 * One long-lived workflow per issue (ID = task name). It owns the whole lifecycle of that
 * issue's Coder agent: start, forward everything in arrival order, report status, clean up.
 *
 * Shape: the messages operators and the ingress use are wired here, each to one method of
 * `TaskRun` (task-steps.ts: the steps start, forward and close); the body is a short loop of
 * `condition` waits. The lifecycle's phases and what may follow what are `TaskLifecycle`
 * (state.ts). Each unit of work runs in a cancellable scope so that closing the issue stops
 * whatever is pending before cleaning up.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
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
import { TaskRun, type TaskWorkflowInput } from './task-steps';

export { MAX_HISTORY_EVENTS, Patches, type TaskWorkflowInput } from './task-steps';

export type TaskOutcome = 'closed' | 'no-task';

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskOutcome> {
  const run = new TaskRun(input);
  const task = run.task;

  setHandler(eventSignal, (raw) => run.onEvent(raw));
  setHandler(agentUpdateSignal, (raw) => run.onAgentUpdate(raw));
  setHandler(closeSignal, (arg) => run.onClose(arg));
  setHandler(stateQuery, () => task.snapshot());
  setHandler(sendMessageUpdate, (m) => run.sendMessage(m), {
    validator: (m) => run.checkSendMessage(m),
  });
  setHandler(retryUpdate, () => run.retry(), { validator: () => run.checkRetry() });
  setHandler(interruptUpdate, () => run.interrupt(), { validator: () => run.checkInterrupt() });
  setHandler(pauseSignal, (arg) => run.onPause(arg));
  setHandler(resumeSignal, () => run.onResume());
  setHandler(slotGrantedSignal, (raw) => run.onSlot(raw, true));
  setHandler(slotQueueSignal, (raw) => run.onSlot(raw, false));
  setHandler(stuckReminderSignal, (raw) => run.onStuck(raw));

  run.labelIssue();
  run.publishPhase();
  const lanes = [
    run.reactionLane(),
    run.statusLane(),
    run.controlLane(),
    run.budgetLane(),
    run.coderLane(),
  ];

  for (;;) {
    await condition(
      () => task.closeRequested || run.hasWork() || run.needsContinueAsNew() || run.nothingToDo(),
    );
    if (task.closeRequested || (run.nothingToDo() && !run.hasWork())) break;
    if (run.needsContinueAsNew()) {
      // Between units of work: queued events, pending reactions and the recent-delivery set
      // travel in the carried state, so a busy issue never has to go idle first.
      if (await run.readyToContinueAsNew()) {
        await condition(allHandlersFinished);
        log.info('continuing as new', { historyLength: workflowInfo().historyLength });
        return continueAsNew<typeof taskWorkflow>({ ...input, carried: task.carry() });
      }
      if (task.closeRequested) continue;
    }
    await run.work();
  }

  if (!task.closeRequested) {
    log.info('no agent for this issue; nothing to do', { skipped: task.state.counts.skipped });
    await condition(() => task.state.pendingReactions.length === 0);
    await run.beforeNoTask();
    return 'no-task';
  }
  await run.close(lanes);
  await condition(allHandlersFinished);
  log.info('task closed', { reason: task.closeReason });
  return 'closed';
}
