/**
 * What each message does (`task-workflow.ts` wires them): signals from the ingress, Coder's
 * pushes, the slots workflows and the schedules; updates and their validators from operators.
 * Handlers only change the state and wake the loop or a lane; none calls an activity but
 * `interrupt`, an operator's update that answers once Coder did.
 */
import { log, metricMeter, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import { SearchAttributes, type SendMessageInput } from '../definitions';
import { checkSendMessage, checkStuckReminder } from '../guards';
import { tryCoderAgain } from '../lanes/coder';
import type { FailedStep, InboxItem } from '../state';
import { acts, coderOptions } from './options';
import type { TaskRun } from './run';

const RETRY_NUDGE =
  'The problem that stopped you has been fixed. Please continue where you left off.';

export function onEvent(run: TaskRun, raw: unknown): void {
  run.continuation.noteHistory();
  const result = run.task.accept(raw);
  const deliveryId = (raw as { deliveryId?: unknown } | null)?.deliveryId;
  if (result.outcome === 'command') {
    log.info('command taken from a comment', { deliveryId });
  } else if (result.outcome === 'held') {
    log.info('comment from outside the trust list held for approval', {
      deliveryId,
      held: run.task.held.count,
    });
    run.showDetails();
  } else if (result.outcome === 'invalid' || result.outcome === 'foreign') {
    log.warn('event refused', { deliveryId, outcome: result.outcome, reason: result.reason });
  } else if (result.outcome !== 'accepted') {
    const why = result.outcome === 'ignored' ? { reason: result.reason } : {};
    log.info('event ignored', { deliveryId, outcome: result.outcome, ...why });
  } else {
    log.info('event accepted', { deliveryId, kind: result.item.kind });
    if (result.item.kind === 'issue.closed') run.cancelWork();
    if (run.shepherding) shepherdSaw(run, result.item);
  }
}

/** What the shepherd lane's ledger and timers learn from an event taken. */
function shepherdSaw(run: TaskRun, item: InboxItem): void {
  const now = Date.now();
  run.task.shepherd.active(now);
  if (item.kind === 'comment.posted' && item.pullRequest) {
    // A person looked at the pull request: the review clock starts again.
    run.task.shepherd.reviewed(now);
    if (item.source === 'review' || item.source === 'review_comment') run.threadsDue = true;
  }
  run.shepherdVersion++;
}

export function onAgentUpdate(run: TaskRun, raw: unknown): void {
  run.continuation.noteHistory();
  const { task } = run;
  const wasIdle = task.state.live?.readiness === 'ready';
  const pullBefore = task.state.pullRequestUrl;
  const result = task.live.observe(raw);
  if (!result.taken) {
    log.info('agent update ignored', { reason: result.reason });
    return;
  }
  if (run.costing) costSeen(run, raw);
  if (run.shepherding) {
    const now = Date.now();
    const readiness = task.state.live?.readiness;
    task.shepherd.active(now);
    task.shepherd.readiness(readiness, now);
    if (task.state.pullRequestUrl) {
      task.shepherd.pullRequestKnown(now);
      // Idle again (or idle with a pull request new to the task): which review threads are open?
      const news = !wasIdle || pullBefore !== task.state.pullRequestUrl;
      if (readiness === 'ready' && news) run.threadsDue = true;
    }
    run.shepherdVersion++;
  }
  const blocking = task.live.blockingError();
  if (run.costing && overLimitNow(run)) {
    // The issue reached its cost limit: parked at once; the budget lane stops the agent.
    log.info('the issue reached its cost limit', { spent: task.costs.spent?.totalMicros });
    task.overBudget('The issue reached its cost limit.');
    run.publishPhase();
  } else if (blocking && (task.phase === 'ready' || task.phase === 'working')) {
    // The agent cannot go on until a person acts: say so now, hold what comes.
    log.info('agent stopped on an error a person must fix', {
      kind: task.state.live?.error?.kind,
    });
    run.failures.parkOnAgentError(blocking);
    run.publishPhase();
  } else if (task.canResumeAfterAgentError()) {
    // Someone fixed what stopped the agent (budget, credentials): go on with what waits.
    log.info('agent error cleared in Coder; resuming');
    task.resume();
    run.publishPhase();
  } else if (task.phase === 'waiting-for-coder') {
    // Coder pushed something about the chat (its stream is back): try now, not at the timer.
    tryCoderAgain(run, 'agent update');
  }
}

/** What the update says the agent cost, and a merge of its pull request to count. */
function costSeen(run: TaskRun, raw: unknown): void {
  const { task } = run;
  const chatId = task.state.agent?.id;
  const cost = (raw as { cost?: unknown }).cost;
  if (chatId && task.costs.observe(chatId, cost)) task.live.changed();
  const pr = task.state.live?.pullRequest;
  const spent = task.costs.spent;
  if (pr?.state === 'merged' && spent && task.costs.countMerge(pr.url)) {
    metricMeter
      .createHistogram(
        'code_factory_merged_pr_cost_micros',
        'int',
        'micro-dollars',
        'What an issue had cost (all its agents) when its agent pull request merged',
      )
      .record(spent.totalMicros, { repository: repositoryOf(run) });
  }
}

/** Ready or working, a limit set and the spend at it. */
function overLimitNow(run: TaskRun): boolean {
  const { task } = run;
  return (
    (task.phase === 'ready' || task.phase === 'working') &&
    task.costs.over(run.settings.maxCostPerIssueMicros)
  );
}

export function repositoryOf(run: TaskRun): string {
  return `${run.input.repository.owner}/${run.input.repository.name}`;
}

/** `pause` signal: hold what comes, forward nothing, say so on the issue. */
export function onPause(run: TaskRun, arg: { reason?: unknown } | undefined): void {
  run.continuation.noteHistory();
  const reason = typeof arg?.reason === 'string' ? arg.reason.slice(0, 200) : undefined;
  if (!run.task.fleet.pause()) return;
  log.info('task paused by the operators', { reason });
  publishPaused(run);
}

/** `resume` signal: forward what waits, in order. */
export function onResume(run: TaskRun): void {
  run.continuation.noteHistory();
  if (!run.task.fleet.unpause()) return;
  log.info('task resumed by the operators');
  publishPaused(run);
}

function publishPaused(run: TaskRun): void {
  upsertSearchAttributes([{ key: SearchAttributes.paused, value: run.task.fleet.paused }]);
  run.showDetails();
}

/** `stuckReminder` from the `stuck-tasks` schedule: one reminder per stuck period. */
export function onStuck(run: TaskRun, raw: unknown): void {
  run.continuation.noteHistory();
  const checked = checkStuckReminder(raw);
  if (!checked.ok) {
    log.warn('stuck reminder refused', { reason: checked.reason });
    return;
  }
  if (run.task.stuck(checked.value.phase, checked.value.since)) {
    log.info('task is stuck; reminding the issue', checked.value);
  }
}

export function onClose(run: TaskRun, arg: { reason?: unknown } | undefined): void {
  const reason = typeof arg?.reason === 'string' ? arg.reason.slice(0, 200) : 'operator';
  run.continuation.noteHistory();
  log.info('close requested by signal', { reason });
  run.task.requestClose(`closed by ${reason}`);
  run.cancelWork();
}

export function validateSendMessage(run: TaskRun, message: unknown): void {
  const checked = checkSendMessage(message);
  if (!checked.ok) throw new Error(checked.reason);
  if (run.task.closeRequested || run.task.phase === 'closed') {
    throw new Error('the task is closing; nothing more can be sent');
  }
  if (run.task.phase === 'following') {
    throw new Error('the issue is closed and no agent runs; only its merge is watched');
  }
  if (!run.task.state.agent && !run.task.state.assignment) {
    throw new Error('no agent has been started for this issue');
  }
}

export function sendMessage(run: TaskRun, message: SendMessageInput): { queued: number } {
  run.continuation.noteHistory();
  const checked = checkSendMessage(message);
  if (!checked.ok) throw new Error(checked.reason);
  run.task.enqueue({
    kind: 'operator.message',
    deliveryId: `manual-${uuid4()}`,
    receivedAt: new Date().toISOString(),
    author: checked.value.author ?? 'operator',
    text: checked.value.text,
  });
  return { queued: run.task.inbox.length };
}

export function validateRetry(run: TaskRun): void {
  if (!run.task.parked) throw new Error(`nothing to retry: the task is ${run.task.phase}`);
}

/**
 * The failed step again. A start that failed after the agent was created is redone whole (the
 * agent adopted again by name). After an agent error a person fixed, the agent is nudged, so
 * it goes on even when no comment waits (a chat in error runs again on a message).
 */
export function retry(run: TaskRun, nudge = RETRY_NUDGE): { retrying: FailedStep } {
  run.continuation.noteHistory();
  const { task } = run;
  // The agent stopped (an error, or interrupted at the cost limit): it needs a word to go on.
  const afterAgentError = task.failedOnAgentError || task.overCostLimit;
  const step = task.retry(true);
  if (afterAgentError) {
    task.enqueue({
      kind: 'operator.message',
      deliveryId: `retry-${uuid4()}`,
      receivedAt: new Date().toISOString(),
      author: 'code-factory',
      text: nudge,
    });
  }
  run.publishPhase();
  return { retrying: step };
}

export function validateInterrupt(run: TaskRun): void {
  const agent = run.task.state.agent;
  if (!agent) throw new Error('no agent runs for this issue');
  if (agent.backend !== 'agents') {
    throw new Error('Coder Tasks cannot be interrupted; only Coder Agents chats can');
  }
  if (run.task.closeRequested) throw new Error('the task is closing');
  if (run.task.phase === 'following') throw new Error('the issue is closed and no agent runs');
}

export async function interrupt(run: TaskRun): Promise<{ interrupted: string }> {
  const agent = run.task.state.agent;
  if (!agent) throw new Error('no agent');
  await acts.interruptAgent.executeWithOptions(
    { ...coderOptions, summary: `interrupt ${agent.name}` },
    [{ agent }],
  );
  log.info('agent interrupted by an operator', { agentId: agent.id });
  return { interrupted: agent.name };
}
