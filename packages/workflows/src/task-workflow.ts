/**
 * One long-lived workflow per issue (ID = task name). It owns the whole lifecycle of that
 * issue's Coder agent: start, forward everything in arrival order, report status, clean up.
 *
 * Shape: handlers only call into `TaskLifecycle`; the body is a loop of `condition` waits.
 * Each unit of work runs in a cancellable scope so that closing the issue stops whatever is
 * pending (a readiness wait, queued comments) before cleaning up.
 */
import type { IssueAssigned } from '@code-factory/events';
import { type ForwardItem, formatBatch, type StatusView } from '@code-factory/messages';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { type AgentRef, ErrorTypes, type TaskActivities } from './activities';
import {
  agentUpdateSignal,
  closeSignal,
  eventSignal,
  interruptUpdate,
  retryUpdate,
  SearchAttributes,
  sendMessageUpdate,
  stateQuery,
} from './definitions';
import { checkSendMessage } from './guards';
import { REPO_CONFIG_NOTE } from './repo-work';
import { type CarriedState, type Deliverable, type Phase, TaskLifecycle } from './state';

export interface TaskWorkflowInput {
  taskName: string;
  repository: { owner: string; name: string };
  issueNumber: number;
  /** State from the previous run when continuing as new. */
  carried?: CarriedState;
  /** Continue as new past this many history events (default MAX_HISTORY_EVENTS; tests lower it). */
  maxHistoryEvents?: number;
}

export type TaskOutcome = 'closed' | 'no-task';

/**
 * Changes to the command sequence, guarded with `patched()` so recorded runs still replay
 * (tests/replay replays the histories in packages/workflows/test/fixtures/histories).
 */
export const Patches = {
  /** Phase `ready` is published after the "running" status comment, not before it. */
  readyAfterStatusComment: 'ready-after-status-comment',
  /** `retry` after a failed start re-adopts the agent instead of assuming it is ready. */
  retryStartReadopts: 'retry-start-readopts',
  /**
   * Agents Coder pushes changes for (chats): no readiness polling; a chat takes messages
   * unless it reports an error a person must fix, which is explained on the issue.
   */
  agentStatusPush: 'agent-status-push',
  /** A failed clean-up call at close is logged and counted; the task still completes. */
  closeNeverFails: 'close-never-fails',
  /** No search-attribute upsert for the transient `working` phase, nor for no change. */
  durablePhasesOnly: 'durable-phases-only',
  /**
   * An assignment from the repository's config (scheduled job, failed-run hook; the App
   * opened the issue): no permission check, the agent runs as the service's Coder user.
   */
  repoConfigAssignment: 'repo-config-assignment',
} as const;

/** Our own bound on history, below Temporal's suggestion for busy issues. */
export const MAX_HISTORY_EVENTS = 2_000;
/** Said after an agent error a person must fix. */
const KEPT = 'The comments are kept and delivered once the agent can go on.';
/** How many waiting items go to the agent as one message at most. */
const MAX_BATCH = 20;

const NON_RETRYABLE = [
  ErrorTypes.userFixable,
  ErrorTypes.nonRetryable,
  ErrorTypes.agentUnavailable,
];

/** Options per kind of call; every call site passes a readable summary for the Web UI. */
const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  nonRetryableErrorTypes: NON_RETRYABLE,
};
// Just above the clients' own 30 s request deadline: an attempt lost with a crashed worker
// is retried after this long, not after minutes.
const githubOptions = { startToCloseTimeout: '40 seconds', retry } as const;
/** `startAgent` makes up to four Coder calls (find, template, presets, create). */
const coderOptions = { startToCloseTimeout: '90 seconds', retry } as const;
/** Readiness polls inside one heartbeating activity: history does not grow per poll. */
const waitingOptions = {
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '1 minute',
  retry: { ...retry, initialInterval: '5 seconds', maximumAttempts: 3 },
} as const;

const acts = proxyActivities<TaskActivities>(githubOptions);

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskOutcome> {
  const task = new TaskLifecycle(
    input.taskName,
    input.repository,
    input.issueNumber,
    input.carried,
  );
  const issue = {
    repository: input.repository,
    issueNumber: input.issueNumber,
  };
  let scope: CancellationScope | null = null;

  const closeNow = (reason: string) => {
    task.requestClose(reason);
    scope?.cancel();
  };

  setHandler(eventSignal, (raw) => {
    const result = task.accept(raw);
    const deliveryId = (raw as { deliveryId?: unknown } | null)?.deliveryId;
    if (result.outcome === 'invalid' || result.outcome === 'foreign') {
      log.warn('event refused', { deliveryId, outcome: result.outcome, reason: result.reason });
      return;
    }
    if (result.outcome !== 'accepted') {
      log.info('event ignored', { deliveryId, outcome: result.outcome });
      return;
    }
    log.info('event accepted', { deliveryId, kind: result.item.kind });
    if (result.item.kind === 'issue.closed') scope?.cancel();
  });

  setHandler(stateQuery, () => task.snapshot());

  setHandler(agentUpdateSignal, (raw) => {
    const result = task.observe(raw);
    if (!result.taken) {
      log.info('agent update ignored', { reason: result.reason });
      return;
    }
    const blocking = task.blockingError();
    if (blocking && (task.state.phase === 'ready' || task.state.phase === 'working')) {
      // The agent cannot go on until a person acts: say so now, hold what comes.
      log.info('agent stopped on an error a person must fix', {
        kind: task.state.live?.error?.kind,
      });
      task.fail('deliver', blocking, true);
      publishPhase();
    } else if (task.canResumeAfterAgentError()) {
      // Someone fixed what stopped the agent (budget, credentials): go on with what waits.
      log.info('agent error cleared in Coder; resuming');
      task.state.failedStep = null;
      task.state.lastError = null;
      task.state.failedOnAgentError = false;
      task.setPhase('ready');
      publishPhase();
    }
  });

  setHandler(closeSignal, (arg) => {
    const reason = typeof arg?.reason === 'string' ? arg.reason.slice(0, 200) : 'operator';
    log.info('close requested by signal', { reason });
    closeNow(`closed by ${reason}`);
  });

  setHandler(
    sendMessageUpdate,
    (message) => {
      const checked = checkSendMessage(message);
      if (!checked.ok) throw new Error(checked.reason);
      const parsed = checked.value;
      task.enqueue({
        kind: 'operator.message',
        deliveryId: `manual-${uuid4()}`,
        receivedAt: new Date().toISOString(),
        author: parsed.author ?? 'operator',
        text: parsed.text,
      });
      return { queued: task.state.inbox.length };
    },
    {
      validator: (message) => {
        const checked = checkSendMessage(message);
        if (!checked.ok) throw new Error(checked.reason);
        if (task.closeRequested || task.state.phase === 'closed') {
          throw new Error('the task is closing; nothing more can be sent');
        }
        if (!task.state.agent && !task.state.assignment) {
          throw new Error('no agent has been started for this issue');
        }
      },
    },
  );

  setHandler(
    retryUpdate,
    () => {
      const step = task.state.failedStep ?? 'start';
      task.state.failedStep = null;
      task.state.lastError = null;
      if (task.state.failedOnAgentError) {
        // A person says the agent's error is fixed: believe it once, and nudge the agent so
        // it goes on even when no comment waits (a chat in error runs again on a message).
        task.state.failedOnAgentError = false;
        task.retryAfterAgentError();
        task.enqueue({
          kind: 'operator.message',
          deliveryId: `retry-${uuid4()}`,
          receivedAt: new Date().toISOString(),
          author: 'code-factory',
          text: 'The problem that stopped you has been fixed. Please continue where you left off.',
        });
      }
      // A start that failed after the agent was created (it never became ready) is redone
      // whole: the agent is adopted again by name, waited for, and the status comment says
      // it runs. Runs recorded before this change only went back to `ready`.
      if (step === 'start' && task.state.agent && patched(Patches.retryStartReadopts)) {
        task.state.agent = null;
      }
      task.setPhase(task.state.agent ? 'ready' : 'requested');
      if (step === 'start' && task.state.assignment && !task.state.agent) {
        task.state.inbox.unshift(task.state.assignment);
      }
      publishPhase();
      return { retrying: step };
    },
    {
      validator: () => {
        if (task.state.phase !== 'failed') {
          throw new Error(`nothing to retry: the task is ${task.state.phase}`);
        }
      },
    },
  );

  setHandler(
    interruptUpdate,
    async () => {
      const agent = task.state.agent;
      if (!agent) throw new Error('no agent');
      await acts.interruptAgent.executeWithOptions(
        { ...coderOptions, summary: `interrupt ${agent.name}` },
        [{ agent }],
      );
      log.info('agent interrupted by an operator', { agentId: agent.id });
      return { interrupted: agent.name };
    },
    {
      validator: () => {
        const agent = task.state.agent;
        if (!agent) throw new Error('no agent runs for this issue');
        if (agent.backend !== 'agents') {
          throw new Error('Coder Tasks cannot be interrupted; only Coder Agents chats can');
        }
        if (task.closeRequested) throw new Error('the task is closing');
      },
    },
  );

  /** What the search attributes say (this run): an upsert that changes nothing is skipped. */
  let published: string | null = null;
  const publishPhase = () => {
    const phase = task.state.phase;
    // `working` lasts one delivery: operators filter on the durable phases, and the Web UI's
    // details and the `state` query show the transient one. Runs recorded before this
    // change upserted every phase change.
    const shown = `${phase === 'working' ? 'ready' : phase}/${task.state.backend ?? ''}`;
    const needless = phase === 'working' || shown === published;
    if (!needless || !patched(Patches.durablePhasesOnly)) {
      upsertSearchAttributes([
        { key: SearchAttributes.phase, value: phase },
        ...(task.state.backend
          ? [{ key: SearchAttributes.backend, value: task.state.backend }]
          : []),
      ]);
      published = shown;
    }
    setCurrentDetails(describe(task));
  };

  const setPhase = (phase: Phase) => {
    if (task.state.phase === phase) return;
    task.setPhase(phase);
    publishPhase();
  };

  const showStatus = async (view: Omit<StatusView, 'taskName'>) => {
    const installationId = task.state.assignment?.installationId;
    if (!installationId) return;
    const { commentId } = await acts.upsertStatusComment.executeWithOptions(
      { ...githubOptions, summary: `status comment: ${view.state}` },
      [
        {
          installationId,
          ...issue,
          commentId: task.state.statusCommentId,
          view: { ...view, taskName: input.taskName },
        },
      ],
    );
    task.state.statusCommentId = commentId;
  };

  /** Runs one unit of work so that a close cancels it; returns false when cancelled. */
  const cancellable = async (work: () => Promise<void>): Promise<boolean> => {
    if (task.closeRequested) return false;
    scope = new CancellationScope();
    try {
      await scope.run(work);
      return true;
    } catch (err) {
      if (isCancellation(err) && task.closeRequested) return false;
      throw err;
    } finally {
      scope = null;
    }
  };

  const startAgent = async (assignment: IssueAssigned) => {
    task.state.assignment = assignment;
    setPhase('starting');
    const ref = { installationId: assignment.installationId, ...issue };
    const fromConfig = assignment.origin === 'repo-config' && patched(Patches.repoConfigAssignment);
    const permission = fromConfig
      ? { allowed: true, permission: 'repo-config' }
      : await acts.checkAssignerPermission.executeWithOptions(
          { ...githubOptions, summary: `permission of @${assignment.sender.login}` },
          [{ ...ref, login: assignment.sender.login }],
        );
    if (!permission.allowed) {
      log.info('assignment skipped: sender lacks write permission', {
        login: assignment.sender.login,
        permission: permission.permission,
      });
      task.state.counts.skipped++;
      task.state.assignment = null;
      setPhase('requested');
      return;
    }
    const identity = await acts.resolveCoderIdentity.executeWithOptions(
      {
        ...coderOptions,
        summary: fromConfig
          ? 'Coder user of the service'
          : `Coder user of @${assignment.sender.login}`,
      },
      [
        {
          ...ref,
          githubUserId: assignment.sender.id,
          githubLogin: assignment.sender.login,
          ...(fromConfig ? { asService: true } : {}),
        },
      ],
    );
    task.state.backend = identity.backend;
    publishPhase();
    const started = await acts.startAgent.executeWithOptions(
      { ...coderOptions, summary: `start ${identity.backend} agent ${input.taskName}` },
      [
        {
          ...ref,
          backend: identity.backend,
          taskName: input.taskName,
          owner: identity.owner,
          ...(identity.ownerId ? { ownerId: identity.ownerId } : {}),
          issueUrl: assignment.issue.url,
          issueTitle: assignment.issue.title,
          repoConfig: identity.repoConfig,
        },
      ],
    );
    task.state.agent = started.agent;
    log.info(started.adopted ? 'adopted existing agent' : 'agent created', {
      agentId: started.agent.id,
      ownerFallback: started.ownerFallback !== undefined,
    });
    if (started.settings) {
      task.state.statusCommentIntervalMs = started.settings.statusCommentIntervalMs;
    }
    if (started.ownerFallback) task.state.ownerNote = started.ownerFallback;
    if (fromConfig) task.state.ownerNote = REPO_CONFIG_NOTE;
    if (started.agent.pushed === true && patched(Patches.agentStatusPush)) {
      // Coder pushes this chat's changes; it takes messages at once unless it reports an
      // error a person must fix. No readiness wait, no "starting" comment to edit later.
      task.adoptStatus(started.status);
      const blocking = task.blockingError();
      if (blocking) {
        // The chat exists and holds the brief; it cannot run until a person acts. Park it
        // like a delivery that waits, so a retry (or Coder clearing the error) goes on.
        await handleFailure(agentErrorFailure(blocking), 'deliver');
        return;
      }
      // Cleared before the edit: an update pushed while it runs is shown by the status lane.
      task.state.liveDirty = false;
      task.state.liveShownAt = Date.now();
      await showStatus(liveView(started.agent));
      // An error pushed while the comment was written parks the task all the same.
      const pushedMeanwhile = task.blockingError();
      if (pushedMeanwhile) {
        await handleFailure(agentErrorFailure(pushedMeanwhile), 'deliver');
        return;
      }
      setPhase('ready');
      return;
    }
    await showStatus({
      state: 'created',
      agentUrl: started.agent.url,
      ...(fromConfig ? { note: REPO_CONFIG_NOTE } : {}),
    });
    // Patched: runs recorded before this change published `ready` before the comment.
    const readyAfterComment = patched(Patches.readyAfterStatusComment);
    await waitUntilReady(started.agent, !readyAfterComment);
    await showStatus({
      state: 'running',
      agentUrl: started.agent.url,
      pullRequestUrl: task.state.pullRequestUrl ?? undefined,
      ...(fromConfig ? { note: REPO_CONFIG_NOTE } : {}),
    });
    setPhase('ready');
  };

  /** The status comment of a running agent, with what Coder pushed about it. */
  const liveView = (agent: AgentRef): Omit<StatusView, 'taskName'> => {
    const live = task.state.live;
    const pullRequest =
      live?.pullRequest ??
      (task.state.pullRequestUrl ? { url: task.state.pullRequestUrl } : undefined);
    const blocking = task.blockingError();
    return {
      state: blocking ? 'stalled' : 'running',
      agentUrl: agent.url,
      ...(live ? { activity: activityOf(live.readiness) } : {}),
      ...(pullRequest ? { pullRequest } : {}),
      ...(live?.summary ? { summary: live.summary } : {}),
      ...(blocking ? { problem: `${blocking} ${KEPT}` } : {}),
      ...(task.state.ownerNote ? { note: task.state.ownerNote } : {}),
    };
  };

  /** `markReady: false` while starting: the phase turns ready only once the issue says so. */
  const waitUntilReady = async (agent: AgentRef, markReady = true) => {
    setCurrentDetails(`${describe(task)}\n\nWaiting for the agent to be ready.`);
    const ready = await acts.waitForAgentReady.executeWithOptions(
      { ...waitingOptions, summary: `wait until ${agent.name} is ready` },
      [{ agent }],
    );
    if (markReady) setPhase('ready');
    if (ready.pullRequestUrl && ready.pullRequestUrl !== task.state.pullRequestUrl) {
      // The agent opened a pull request (Coder Agents report it): link it from the issue.
      task.state.pullRequestUrl = ready.pullRequestUrl;
      log.info('agent opened a pull request', { pullRequestUrl: ready.pullRequestUrl });
      if (task.state.statusCommentId !== null) {
        await showStatus({
          state: 'running',
          agentUrl: agent.url,
          pullRequestUrl: ready.pullRequestUrl,
        });
      }
    }
  };

  const deliver = async (run: Deliverable[]) => {
    const agent = task.state.agent;
    if (!agent) {
      task.state.counts.skipped += run.length;
      log.info('nothing forwarded: no agent runs for this issue', { items: run.length });
      return;
    }
    try {
      if (agent.pushed === true && patched(Patches.agentStatusPush)) {
        const blocking = task.blockingError();
        if (blocking) throw agentErrorFailure(blocking);
      } else {
        await waitUntilReady(agent);
      }
      // Everything that arrived while we waited goes out in the same message, in order.
      run.push(...task.takeDeliverableRun(MAX_BATCH - run.length));
      const items: ForwardItem[] = [];
      for (const item of run) {
        if (item.kind === 'comment.posted') items.push({ kind: 'comment', comment: item });
        else if (item.kind === 'operator.message') {
          items.push({
            kind: 'operator',
            note: { author: item.author, text: item.text, receivedAt: item.receivedAt },
          });
        } else {
          const report = await acts.collectCiFailure.executeWithOptions(
            { ...githubOptions, summary: `failed jobs of run ${item.run.id}` },
            [item],
          );
          if (report.current) items.push({ kind: 'ci', event: item, report });
          else log.info('CI failure skipped: pull request moved on', { runId: item.run.id });
        }
      }
      if (items.length === 0) return;
      setPhase('working');
      const result = await acts.deliverToAgent.executeWithOptions(
        { ...coderOptions, summary: `forward ${items.length} item(s) to ${agent.name}` },
        [{ agent, text: formatBatch(items) }],
      );
      task.state.counts.forwardedMessages++;
      task.state.counts.forwardedItems += items.length;
      log.info('forwarded to agent', { items: items.length, queued: result.queued });
    } catch (err) {
      if (!isCancellation(err)) task.requeueFront(run);
      throw err;
    }
  };

  const handleFailure = async (err: unknown, step: 'start' | 'deliver') => {
    const failure = applicationFailureOf(err);
    const message = failure?.message ?? (err instanceof Error ? err.message : String(err));
    log.warn('step failed; waiting for retry or close', { step, type: failure?.type, message });
    if (step === 'start') {
      // Explained once, in plain words when the user can fix it; before the phase changes,
      // so whoever sees "failed" in the Web UI also finds the comment on the issue.
      const problem =
        failure?.type === ErrorTypes.userFixable
          ? message
          : 'Something went wrong while starting the agent. The operators have been told; they can retry it.';
      await showStatus({ state: 'failed', problem, agentUrl: task.state.agent?.url }).catch(
        (statusErr) => log.warn('could not update the status comment', { error: `${statusErr}` }),
      );
    } else if (
      failure?.type === ErrorTypes.userFixable &&
      task.state.agent?.pushed === true &&
      patched(Patches.agentStatusPush)
    ) {
      // The agent reported an error a person must fix: said once, in plain words; the
      // comments wait, and the task resumes when Coder clears the error or on `retry`.
      await showStatus({
        ...liveView(task.state.agent),
        state: 'stalled',
        problem: `${message} ${KEPT}`,
      }).catch((statusErr) =>
        log.warn('could not update the status comment', { error: `${statusErr}` }),
      );
      task.fail(step, message, true);
      publishPhase();
      return;
    } else if (failure?.type === ErrorTypes.agentUnavailable) {
      // The agent went away while messages waited (paused again, stuck in error, deleted).
      await showStatus({
        state: 'stalled',
        problem: `${message}. The comments are kept; an operator can retry once the agent runs again.`,
        agentUrl: task.state.agent?.url,
      }).catch((statusErr) =>
        log.warn('could not update the status comment', { error: `${statusErr}` }),
      );
    }
    task.fail(step, message);
    publishPhase();
  };

  const reactions = async () => {
    for (;;) {
      await condition(() => task.state.pendingReactions.length > 0 || task.closeRequested);
      if (task.closeRequested) return;
      const next = task.state.pendingReactions[0];
      if (!next) continue;
      try {
        await acts.reactToComment.executeWithOptions(
          { ...githubOptions, summary: `👀 on comment ${next.commentId}` },
          [{ ...next, issueNumber: input.issueNumber }],
        );
      } catch (err) {
        log.warn('could not add a reaction', { commentId: next.commentId, error: `${err}` });
      }
      task.state.pendingReactions.shift();
    }
  };

  if (!input.carried) {
    upsertSearchAttributes([
      {
        key: SearchAttributes.repository,
        value: `${input.repository.owner}/${input.repository.name}`,
      },
      { key: SearchAttributes.issueNumber, value: input.issueNumber },
    ]);
  }
  /**
   * Live progress: the status comment follows what Coder pushes (working, waiting for you,
   * idle, the pull request, the latest turn), edited at most once per interval.
   */
  const statusLane = async () => {
    for (;;) {
      await condition(
        () =>
          task.closeRequested ||
          (task.state.liveDirty === true &&
            task.state.statusCommentId !== null &&
            (task.state.phase === 'ready' ||
              task.state.phase === 'working' ||
              task.state.failedOnAgentError === true)),
      );
      if (task.closeRequested) return;
      const interval = task.state.statusCommentIntervalMs ?? 30_000;
      const shownAt = task.state.liveShownAt ?? null;
      const wait = shownAt === null ? 0 : shownAt + interval - Date.now();
      if (wait > 0 && (await condition(() => task.closeRequested, wait))) return;
      const agent = task.state.agent;
      if (!agent || (task.state.phase === 'failed' && !task.state.failedOnAgentError)) continue;
      task.state.liveDirty = false;
      task.state.liveShownAt = Date.now();
      try {
        await showStatus(liveView(agent));
      } catch (err) {
        log.warn('could not update the status comment', { error: `${err}` });
      }
    }
  };

  publishPhase();
  const reactionLane = reactions();
  const liveLane = statusLane();

  // A run whose events were all skipped (no agent, no assignment) has nothing to shepherd.
  const nothingToDo = () =>
    !task.state.agent && !task.state.assignment && task.state.inbox.length === 0;

  for (;;) {
    await condition(
      () => task.closeRequested || task.hasWork() || needsContinueAsNew() || nothingToDo(),
    );
    if (task.closeRequested || nothingToDo()) break;
    if (needsContinueAsNew()) {
      // Between units of work: queued events, pending reactions and the recent-delivery set
      // travel in the carried state, so a busy issue never has to go idle first.
      await condition(allHandlersFinished);
      log.info('continuing as new', { historyLength: workflowInfo().historyLength });
      return continueAsNew<typeof taskWorkflow>({ ...input, carried: task.carry() });
    }
    const head = task.state.inbox.shift();
    if (!head) continue;
    const step = head.kind === 'issue.assigned' ? 'start' : 'deliver';
    try {
      if (head.kind === 'issue.assigned') {
        if (task.state.agent) {
          log.info('assignment ignored: an agent already runs', { agentId: task.state.agent.id });
          task.state.counts.skipped++;
          continue;
        }
        await cancellable(() => startAgent(head));
      } else if (head.kind !== 'issue.closed') {
        const run = [head, ...task.takeDeliverableRun(MAX_BATCH - 1)];
        await cancellable(() => deliver(run));
        if (task.state.phase === 'working') setPhase('ready');
      }
    } catch (err) {
      if (task.closeRequested) break;
      await handleFailure(err, step);
    }
    setCurrentDetails(describe(task));
  }

  if (!task.closeRequested) {
    log.info('no agent for this issue; nothing to do', { skipped: task.state.counts.skipped });
    await condition(() => task.state.pendingReactions.length === 0);
    return 'no-task';
  }

  // Closing: queued work is dropped, the agent is stopped, the status comment says so.
  setPhase('closing');
  const dropped = task.state.inbox.length;
  task.state.inbox = [];
  task.state.pendingReactions = [];
  if (dropped) log.info('dropped queued items on close', { dropped });
  await reactionLane;
  await liveLane;
  const agent = task.state.agent;
  if (agent) {
    // The issue is closed whatever Coder or GitHub say now: a clean-up call that still fails
    // after its retries is logged and counted, and the task completes.
    const cleanUp = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (err) {
        if (!patched(Patches.closeNeverFails)) throw err;
        task.state.counts.cleanupFailures = (task.state.counts.cleanupFailures ?? 0) + 1;
        log.error('clean-up step failed; the task closes anyway', { step: what, error: `${err}` });
      }
    };
    await cleanUp('stop agent', () =>
      acts.stopAgent.executeWithOptions({ ...coderOptions, summary: `stop agent ${agent.name}` }, [
        { agent },
      ]),
    );
    await cleanUp('status comment', () =>
      showStatus({
        state: 'completed',
        pullRequestUrl: task.state.pullRequestUrl ?? undefined,
      }),
    );
  }
  setPhase('closed');
  await condition(allHandlersFinished);
  log.info('task closed', { reason: task.closeReason });
  return 'closed';

  function needsContinueAsNew(): boolean {
    const info = workflowInfo();
    const limit = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    return info.continueAsNewSuggested || info.historyLength > limit;
  }
}

function activityOf(readiness: string): 'working' | 'waiting-for-you' | 'idle' | 'error' {
  if (readiness === 'ready') return 'idle';
  if (readiness === 'blocked') return 'waiting-for-you';
  if (readiness === 'error' || readiness === 'gone') return 'error';
  return 'working';
}

/** An agent error a person must fix, as the user-fixable failure the workflow explains. */
function agentErrorFailure(explanation: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorTypes.userFixable,
    message: explanation,
    nonRetryable: true,
  });
}

function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause;
  if (err instanceof ApplicationFailure) return err;
  return undefined;
}

/** The "current details" shown in the Web UI: what this workflow is doing or waiting for. */
function describe(task: TaskLifecycle): string {
  const s = task.state;
  const lines = [
    `**${task.repository.owner}/${task.repository.name}#${task.issueNumber}** · phase **${s.phase}**`,
  ];
  if (s.agent) lines.push(`Agent: [${s.agent.name}](${s.agent.url}) (${s.agent.backend})`);
  if (s.inbox.length) lines.push(`Waiting to forward: ${s.inbox.length} item(s)`);
  if (s.phase === 'failed') {
    lines.push(`Failed step: ${s.failedStep}. ${s.lastError ?? ''}`);
    lines.push('Retry with the `retry` update, or close the task.');
  }
  lines.push(
    `Forwarded: ${s.counts.forwardedItems} item(s) in ${s.counts.forwardedMessages} message(s)`,
  );
  return lines.join('\n');
}
