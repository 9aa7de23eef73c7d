/**
 * The steps of a task workflow run: start the agent, forward to it, close. `task-workflow.ts`
 * wires Temporal's messages to these methods and runs the loop; the lifecycle itself (phases,
 * queue, what may follow what) is `TaskLifecycle` in `state.ts`.
 *
 * Every call that changes the command sequence of runs recorded earlier is behind a
 * `patched()` id in `Patches` (tests/replay replays the recorded histories).
 */
import type { IssueAssigned } from '@code-factory/events';
import {
  CODER_DOWN_NOTES,
  COMMAND_REACTION,
  COMMAND_REPLIES,
  commandHelp,
  type ForwardItem,
  formatBatch,
  NO_AGENT_REPLY,
  NOTHING_TO_RETRY_REPLY,
  type ReviewCommentItem,
  STOP_ON_TASKS_REPLY,
  type StatusView,
  stuckReminder,
} from '@code-factory/messages';
import { installationSlotsId, repoSlotsId } from '@code-factory/naming';
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { type AgentRef, ErrorTypes, type TaskActivities } from './activities';
import { coderProbeDelay, isCoderUnavailable, probeFirstMsOf } from './coder-down';
import { SearchAttributes, type SendMessageInput } from './definitions';
import type { FleetActivities } from './fleet-definitions';
import { checkSendMessage, checkStuckReminder } from './guards';
import { REPO_CONFIG_NOTE } from './repo-work';
import { releaseSlotOf } from './slots-workflow';
import {
  type CarriedState,
  type Deliverable,
  type FailedStep,
  type InboxItem,
  type PendingCommand,
  TaskLifecycle,
} from './state';

export interface TaskWorkflowInput {
  taskName: string;
  repository: { owner: string; name: string };
  issueNumber: number;
  /** State from the previous run when continuing as new. */
  carried?: CarriedState;
  /** Continue as new past this many history events (default MAX_HISTORY_EVENTS; tests lower it). */
  maxHistoryEvents?: number;
}

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
  /**
   * The per-comment path in one workflow task: the 👀 reaction, the CI log collection and
   * the send run as local activities (a marker each instead of three events and a workflow
   * task each); a continued run does not upsert the search attributes it inherited.
   */
  leanForward: 'lean-forward',
  /**
   * Fleet controls (issue 14): `/agent` commands are taken from comments instead of being
   * forwarded, concurrency slots before a start, `pause`/`resume`, `CodeFactoryPhaseSince`
   * with each durable phase and one stuck reminder per stuck period.
   */
  fleetControls: 'fleet-controls',
  /**
   * A run that started the agent continues as new once the start is done (and no lane is
   * mid-call), so what an evicted task replays is its short continued run, not the start-up.
   */
  continueAfterStart: 'continue-after-start',
  /**
   * A continue-as-new waits for a workflow task of its own (a 1 ms timer, which the server can
   * take up to a second to fire); work that arrives meanwhile (a comment, an agent that can go
   * on) is done first, and the continue-as-new is tried again after it. A lane's call started
   * meanwhile finishes first too (before, the continue-as-new abandoned it: a status edit lost).
   */
  continueYieldsToWork: 'continue-yields-to-work',
  /**
   * Coder down is a state, not a failure: a start or a send that Coder did not answer (network,
   * 5xx, 429, after fewer activity retries than before) puts the task in `waiting-for-coder`
   * instead of `failed`; the issue is told once, and the step is tried again by itself after
   * a durable timer (30 s doubling to 5 min) or at once on an `agentUpdate`.
   */
  coderDownWaits: 'coder-down-waits',
} as const;

/** Patches whose code runs after a local activity resolves: lean runs ask at the start. */
const HOISTED = [
  Patches.durablePhasesOnly,
  Patches.agentStatusPush,
  Patches.closeNeverFails,
  Patches.fleetControls,
  Patches.continueAfterStart,
  Patches.continueYieldsToWork,
  Patches.coderDownWaits,
] as const;

/** Times a run lets new work go before its continue-as-new; then the work waits for the next run. */
const MAX_CONTINUE_YIELDS = 10;
/** Our own bound on history when the worker sets none (the worker's default is lower). */
export const MAX_HISTORY_EVENTS = 2_000;
/** Said after an agent error a person must fix. */
const KEPT = 'The comments are kept and delivered once the agent can go on.';
/** BUDGET_RETRY_INTERVAL_MS when the worker did not say (runs started before it did). */
const DEFAULT_BUDGET_RETRY_INTERVAL_MS = 15 * 60_000;
/** How long review comments wait for their review before going out without it. */
const REVIEW_GRACE_MS = 3_000;
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
/**
 * Patch `coder-down-waits`: a start or a send whose Coder calls fail goes on waiting for Coder
 * in the workflow (durable timers, the issue told), so the activity gives up after ~7 s of
 * backoff instead of ~2 minutes of it.
 */
const coderWaitingOptions = {
  startToCloseTimeout: '90 seconds',
  retry: { ...retry, maximumAttempts: 4 },
} as const;
type CallOptions = typeof githubOptions | typeof coderOptions | typeof coderWaitingOptions;
/** Readiness polls inside one heartbeating activity: history does not grow per poll. */
const waitingOptions = {
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '1 minute',
  retry: { ...retry, initialInterval: '5 seconds', maximumAttempts: 3 },
} as const;

const acts = proxyActivities<TaskActivities>(githubOptions);
/** Asking a slots workflow: retry-safe (idempotent per task), retried until it answers. */
const slots = proxyActivities<Pick<FleetActivities, 'acquireSlot'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
/**
 * The same activities run inside the workflow task (a marker in history each). Retries
 * backing off longer than a minute become durable timers (the SDK's local retry threshold).
 */
const local = proxyLocalActivities<TaskActivities>(githubOptions);

export class TaskRun {
  readonly task: TaskLifecycle;
  readonly #issue: { repository: { owner: string; name: string }; issueNumber: number };
  #scope: CancellationScope | null = null;
  /** What the search attributes say (this run): an upsert that changes nothing is skipped. */
  #published: string | null = null;
  /** Patch `lean-forward`, decided once at the start of the run. */
  #lean = false;
  /** Patches lean runs decide at their start (see `labelIssue`). */
  readonly #hoisted = new Map<string, boolean>();
  /**
   * History length and Temporal's suggestion as of the last message handled. Read there, not
   * in the loop: the loop also runs when a local activity resolves inside a workflow task,
   * and the decision to continue as new must come out the same on every replay.
   */
  #observed = { length: 0, suggested: false };
  /** Patch `continue-after-start`: this run started the agent and ends with continue-as-new. */
  #startDone = false;
  /** Calls the status and control lanes have in flight (continue-as-new after start waits). */
  #laneCalls = 0;
  /** The loop is explaining a failed send on the issue: the status lane must not edit now. */
  #explaining = false;

  constructor(readonly input: TaskWorkflowInput) {
    this.task = new TaskLifecycle(
      input.taskName,
      input.repository,
      input.issueNumber,
      input.carried,
    );
    this.#issue = { repository: input.repository, issueNumber: input.issueNumber };
  }

  // --- Messages ---

  #patched(id: (typeof HOISTED)[number]): boolean {
    return this.#hoisted.get(id) ?? patched(id);
  }

  /** `/agent release`: the close that follows ends the agent, not the issue. */
  #released = false;
  /** The control lane is acting on a command (a run must not end under it). */
  #commandRunning = false;

  /** Patch `fleet-controls`: commands, slots, pause, stuck reminders. */
  #fleet(): boolean {
    return this.#patched(Patches.fleetControls);
  }

  /** Patch `coder-down-waits`: a Coder that does not answer is waited for, not a failure. */
  #coderWaits(): boolean {
    return this.#patched(Patches.coderDownWaits);
  }

  /** Options of a start or send call to Coder: fewer retries where the task waits for Coder. */
  #coderCallOptions(): CallOptions {
    return this.#coderWaits() ? coderWaitingOptions : coderOptions;
  }

  /** `pause` signal: hold what comes, forward nothing, say so on the issue. */
  onPause(arg: { reason?: unknown } | undefined): void {
    this.#noteHistory();
    if (!this.#fleet()) return;
    const reason = typeof arg?.reason === 'string' ? arg.reason.slice(0, 200) : undefined;
    if (!this.task.pause()) return;
    log.info('task paused by the operators', { reason });
    this.#publishPaused();
  }

  /** `resume` signal: forward what waits, in order. */
  onResume(): void {
    this.#noteHistory();
    if (!this.#fleet() || !this.task.unpause()) return;
    log.info('task resumed by the operators');
    this.#publishPaused();
  }

  #publishPaused(): void {
    upsertSearchAttributes([{ key: SearchAttributes.paused, value: this.task.paused }]);
    setCurrentDetails(describe(this.task));
  }

  /** `slotGranted` / `slotQueue` from a slots workflow (unknown scopes are ignored). */
  onSlot(raw: unknown, granted: boolean): void {
    this.#noteHistory();
    const notice = raw as { scope?: unknown; ahead?: unknown } | null;
    if (!notice || typeof notice.scope !== 'string') return;
    if (granted) this.task.slotAnswered(notice.scope, { granted: true });
    else if (typeof notice.ahead === 'number' && Number.isFinite(notice.ahead)) {
      this.task.slotAnswered(notice.scope, { granted: false, ahead: notice.ahead });
    }
  }

  /** `stuckReminder` from the `stuck-tasks` schedule: one reminder per stuck period. */
  onStuck(raw: unknown): void {
    this.#noteHistory();
    const checked = checkStuckReminder(raw);
    if (!checked.ok) {
      log.warn('stuck reminder refused', { reason: checked.reason });
      return;
    }
    if (!this.#fleet()) return;
    if (this.task.stuck(checked.value.phase, checked.value.since)) {
      log.info('task is stuck; reminding the issue', checked.value);
    }
  }

  /** Called by every message handler (and at run start): see `#observed`. */
  #noteHistory(): void {
    const info = workflowInfo();
    this.#observed = { length: info.historyLength, suggested: info.continueAsNewSuggested };
  }

  onEvent(raw: unknown): void {
    this.#noteHistory();
    const result = this.task.accept(raw, this.#fleet());
    const deliveryId = (raw as { deliveryId?: unknown } | null)?.deliveryId;
    if (result.outcome === 'command') {
      log.info('command taken from a comment', { deliveryId });
      return;
    }
    if (result.outcome === 'invalid' || result.outcome === 'foreign') {
      log.warn('event refused', { deliveryId, outcome: result.outcome, reason: result.reason });
      return;
    }
    if (result.outcome !== 'accepted') {
      log.info('event ignored', { deliveryId, outcome: result.outcome });
      return;
    }
    log.info('event accepted', { deliveryId, kind: result.item.kind });
    if (result.item.kind === 'issue.closed') this.#scope?.cancel();
  }

  onAgentUpdate(raw: unknown): void {
    this.#noteHistory();
    const task = this.task;
    const result = task.observe(raw);
    if (!result.taken) {
      log.info('agent update ignored', { reason: result.reason });
      return;
    }
    const blocking = task.blockingError();
    if (blocking && (task.phase === 'ready' || task.phase === 'working')) {
      // The agent cannot go on until a person acts: say so now, hold what comes.
      log.info('agent stopped on an error a person must fix', {
        kind: task.state.live?.error?.kind,
      });
      this.#parkOnAgentError(blocking);
      this.publishPhase();
    } else if (task.canResumeAfterAgentError()) {
      // Someone fixed what stopped the agent (budget, credentials): go on with what waits.
      log.info('agent error cleared in Coder; resuming');
      task.resume();
      this.publishPhase();
    } else if (task.phase === 'waiting-for-coder' && this.#coderWaits()) {
      // Coder pushed something about the chat (its stream is back): try now, not at the timer.
      this.#tryCoderAgain('agent update');
    }
  }

  /** An agent error a person must fix parks the task; a spent budget has a phase of its own. */
  #parkOnAgentError(message: string): void {
    if (this.task.budgetExhausted() && this.#fleet()) this.task.waitForBudget(message);
    else this.task.failed('deliver', message, true);
  }

  onClose(arg: { reason?: unknown } | undefined): void {
    const reason = typeof arg?.reason === 'string' ? arg.reason.slice(0, 200) : 'operator';
    this.#noteHistory();
    log.info('close requested by signal', { reason });
    this.task.requestClose(`closed by ${reason}`);
    this.#scope?.cancel();
  }

  checkSendMessage(message: unknown): void {
    const checked = checkSendMessage(message);
    if (!checked.ok) throw new Error(checked.reason);
    if (this.task.closeRequested || this.task.phase === 'closed') {
      throw new Error('the task is closing; nothing more can be sent');
    }
    if (!this.task.state.agent && !this.task.state.assignment) {
      throw new Error('no agent has been started for this issue');
    }
  }

  sendMessage(message: SendMessageInput): { queued: number } {
    this.#noteHistory();
    const checked = checkSendMessage(message);
    if (!checked.ok) throw new Error(checked.reason);
    this.task.enqueue({
      kind: 'operator.message',
      deliveryId: `manual-${uuid4()}`,
      receivedAt: new Date().toISOString(),
      author: checked.value.author ?? 'operator',
      text: checked.value.text,
    });
    return { queued: this.task.state.inbox.length };
  }

  checkRetry(): void {
    if (!this.task.parked) {
      throw new Error(`nothing to retry: the task is ${this.task.phase}`);
    }
  }

  retry(nudge?: string): { retrying: FailedStep } {
    this.#noteHistory();
    const task = this.task;
    const afterAgentError = task.failedOnAgentError;
    // A start that failed after the agent was created (it never became ready) is redone
    // whole: the agent is adopted again by name, waited for, and the status comment says
    // it runs. Runs recorded before this change only went back to `ready`.
    const readopt =
      (task.state.failedStep ?? 'start') === 'start' &&
      task.state.agent !== null &&
      patched(Patches.retryStartReadopts);
    const step = task.retry(readopt);
    if (afterAgentError) {
      // A person says the agent's error is fixed: believe it once, and nudge the agent so
      // it goes on even when no comment waits (a chat in error runs again on a message).
      task.enqueue({
        kind: 'operator.message',
        deliveryId: `retry-${uuid4()}`,
        receivedAt: new Date().toISOString(),
        author: 'code-factory',
        text:
          nudge ??
          'The problem that stopped you has been fixed. Please continue where you left off.',
      });
    }
    this.publishPhase();
    return { retrying: step };
  }

  checkInterrupt(): void {
    const agent = this.task.state.agent;
    if (!agent) throw new Error('no agent runs for this issue');
    if (agent.backend !== 'agents') {
      throw new Error('Coder Tasks cannot be interrupted; only Coder Agents chats can');
    }
    if (this.task.closeRequested) throw new Error('the task is closing');
  }

  async interrupt(): Promise<{ interrupted: string }> {
    const agent = this.task.state.agent;
    if (!agent) throw new Error('no agent');
    await acts.interruptAgent.executeWithOptions(
      { ...coderOptions, summary: `interrupt ${agent.name}` },
      [{ agent }],
    );
    log.info('agent interrupted by an operator', { agentId: agent.id });
    return { interrupted: agent.name };
  }

  // --- What the Web UI and the search attributes show ---

  /** The search attributes every run of the task carries from its first run on. */
  labelIssue(): void {
    this.#noteHistory();
    this.#lean = patched(Patches.leanForward);
    if (this.#lean) {
      // Asked once, now: the first `patched()` of a run records a marker, and one recorded
      // while a local activity resolves lands in a workflow task a replay reaches later.
      for (const id of HOISTED) this.#hoisted.set(id, patched(id));
    }
    if (this.input.carried) {
      // Continued runs inherit the search attributes; the lean shape starts from them.
      if (this.#lean) this.#published = inheritedPhase();
      return;
    }
    upsertSearchAttributes([
      {
        key: SearchAttributes.repository,
        value: `${this.input.repository.owner}/${this.input.repository.name}`,
      },
      { key: SearchAttributes.issueNumber, value: this.input.issueNumber },
    ]);
  }

  publishPhase(): void {
    const phase = this.task.phase;
    const backend = this.task.state.backend;
    // `working` lasts one delivery: operators filter on the durable phases, and the Web UI's
    // details and the `state` query show the transient one. Runs recorded before this
    // change upserted every phase change.
    const shown = `${phase === 'working' ? 'ready' : phase}/${backend ?? ''}`;
    const needless = phase === 'working' || shown === this.#published;
    if (!needless || !this.#patched(Patches.durablePhasesOnly)) {
      // A durable phase change also says since when (the `stuck-tasks` schedule reads it).
      const changed = phase !== 'working' && this.#published?.split('/')[0] !== phase;
      upsertSearchAttributes([
        { key: SearchAttributes.phase, value: phase },
        ...(backend ? [{ key: SearchAttributes.backend, value: backend }] : []),
        ...(changed && this.#fleet()
          ? [{ key: SearchAttributes.phaseSince, value: new Date(Date.now()) }]
          : []),
      ]);
      this.#published = shown;
    }
    setCurrentDetails(describe(this.task));
  }

  async #showStatus(view: Omit<StatusView, 'taskName'>): Promise<void> {
    const installationId = this.task.state.assignment?.installationId;
    if (!installationId) return;
    const { commentId } = await acts.upsertStatusComment.executeWithOptions(
      { ...githubOptions, summary: `status comment: ${view.state}` },
      [
        {
          installationId,
          ...this.#issue,
          commentId: this.task.state.statusCommentId,
          view: { ...view, taskName: this.input.taskName },
        },
      ],
    );
    this.task.statusCommentShown(commentId);
  }

  /** A status edit that may fail without failing the step around it. */
  async #tryShowStatus(view: Omit<StatusView, 'taskName'>): Promise<void> {
    try {
      await this.#showStatus(view);
    } catch (err) {
      log.warn('could not update the status comment', { error: `${err}` });
    }
  }

  // --- The loop's questions ---

  /** A run whose events were all skipped (no agent, no assignment) has nothing to shepherd. */
  nothingToDo(): boolean {
    const s = this.task.state;
    return (
      !s.agent &&
      !s.assignment &&
      s.inbox.length === 0 &&
      (s.commands?.length ?? 0) === 0 &&
      !this.#commandRunning
    );
  }

  /**
   * Lean runs continue as new from a workflow task of their own (after a 1 ms timer): a
   * continue-as-new that GitHub's next signal overtakes is refused by the server
   * (UnhandledCommand) and that workflow task is redone, so it must not also hold the
   * results of local activities, which would then run again (a comment sent twice).
   * With patch `continue-yields-to-work`, lanes finish their calls first, and the answer is
   * false when new work came first, a lane started a call meanwhile, or a close came: the
   * loop takes it and asks again.
   */
  async readyToContinueAsNew(): Promise<boolean> {
    if (!this.#lean) return true;
    if (!this.#patched(Patches.continueYieldsToWork)) {
      await sleep(1);
      return true;
    }
    const task = this.task;
    // A lane's call in flight is not carried: let it finish (a status edit would be lost).
    const lanesIdle = () => this.#laneCalls === 0 && !this.#commandRunning;
    await condition(() => task.closeRequested || lanesIdle());
    if (task.closeRequested) return false;
    // Only the continue-as-new after start-up lets new work go first: past the history bound
    // a steady stream of comments must not keep the run growing. Work already waiting (e.g.
    // held while paused) is carried either way.
    const mayYield = !this.#pastHistoryBound() && this.#yields < MAX_CONTINUE_YIELDS;
    const hadWork = this.hasWork();
    const interrupted = await condition(
      () => task.closeRequested || (mayYield && !hadWork && this.hasWork()),
      1,
    );
    if (interrupted) {
      if (!task.closeRequested) this.#yields++;
      return false;
    }
    // A lane whose own timer fired with ours starts its call while this workflow task runs;
    // once the handlers settled, a lane mid-call means: wait for it, then a timer again.
    await condition(allHandlersFinished);
    return lanesIdle();
  }

  /** Patch `continue-yields-to-work`: how often this run let new work go before continuing. */
  #yields = 0;

  needsContinueAsNew(): boolean {
    if (this.#startDone && this.#laneCalls === 0 && !this.#commandRunning) return true;
    return this.#pastHistoryBound();
  }

  /** The run's history is past its bound (or Temporal suggests continuing as new). */
  #pastHistoryBound(): boolean {
    const limit = this.input.maxHistoryEvents ?? this.task.state.historyLimit ?? MAX_HISTORY_EVENTS;
    if (this.#lean) return this.#observed.suggested || this.#observed.length > limit;
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > limit;
  }

  /** Works on the head of the inbox; a failure parks the task until `retry` or close. */
  async step(): Promise<void> {
    const task = this.task;
    const head = task.next();
    if (!head) return;
    const step: FailedStep = head.kind === 'issue.assigned' ? 'start' : 'deliver';
    try {
      if (head.kind === 'issue.assigned') {
        if (task.state.agent) {
          log.info('assignment ignored: an agent already runs', { agentId: task.state.agent.id });
          task.skipped(1);
          return;
        }
        await this.#cancellable(() => this.#start(head));
        const started = task.state.agent !== null && !task.parked && !task.closeRequested;
        if (started && this.#patched(Patches.continueAfterStart)) this.#startDone = true;
      } else if (head.kind !== 'issue.closed') {
        const run = [head, ...task.takeDeliverableRun(MAX_BATCH - 1)];
        await this.#cancellable(() => this.#forward(run));
        if (task.phase === 'working') this.#becomeReady();
      }
    } catch (err) {
      if (task.closeRequested) return;
      await this.#handleFailure(err, step);
    }
    setCurrentDetails(describe(task));
  }

  /** Runs one unit of work so that a close cancels it; returns false when cancelled. */
  async #cancellable(work: () => Promise<void>): Promise<boolean> {
    if (this.task.closeRequested) return false;
    this.#scope = new CancellationScope();
    try {
      await this.#scope.run(work);
      return true;
    } catch (err) {
      if (isCancellation(err) && this.task.closeRequested) return false;
      throw err;
    } finally {
      this.#scope = null;
    }
  }

  // --- Step: start ---

  async #start(assignment: IssueAssigned): Promise<void> {
    const task = this.task;
    task.assign(assignment);
    this.publishPhase();
    const ref = { installationId: assignment.installationId, ...this.#issue };
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
      task.skipAssignment();
      this.publishPhase();
      return;
    }
    const identity = await acts.resolveCoderIdentity.executeWithOptions(
      {
        ...this.#coderCallOptions(),
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
    task.identified(identity.backend);
    this.publishPhase();
    if (this.#fleet()) {
      await this.#takeSlots([
        {
          scope: repoSlotsId(this.input.repository),
          limit: identity.repoConfig?.limits?.max_active_agents,
        },
        {
          scope: installationSlotsId(assignment.installationId),
          limit: identity.limits?.perInstallation,
        },
      ]);
    }
    const started = await acts.startAgent.executeWithOptions(
      {
        ...this.#coderCallOptions(),
        summary: `start ${identity.backend} agent ${this.input.taskName}`,
      },
      [
        {
          ...ref,
          backend: identity.backend,
          taskName: this.input.taskName,
          owner: identity.owner,
          ...(identity.ownerId ? { ownerId: identity.ownerId } : {}),
          issueUrl: assignment.issue.url,
          issueTitle: assignment.issue.title,
          repoConfig: identity.repoConfig,
        },
      ],
    );
    const ownerNote = fromConfig ? REPO_CONFIG_NOTE : started.ownerFallback;
    if (task.coderAnswered()) log.info('Coder answers again; starting the agent');
    task.started({
      agent: started.agent,
      ...(started.settings ?? {}),
      ...(ownerNote ? { ownerNote } : {}),
    });
    log.info(started.adopted ? 'adopted existing agent' : 'agent created', {
      agentId: started.agent.id,
      ownerFallback: started.ownerFallback !== undefined,
    });
    if (started.agent.pushed === true && this.#patched(Patches.agentStatusPush)) {
      await this.#startPushed(started.agent, started.status);
      return;
    }
    await this.#showStatus({
      state: 'created',
      agentUrl: started.agent.url,
      ...(fromConfig ? { note: REPO_CONFIG_NOTE } : {}),
    });
    // Patched: runs recorded before this change published `ready` before the comment.
    const readyAfterComment = patched(Patches.readyAfterStatusComment);
    await this.#waitUntilReady(started.agent, !readyAfterComment);
    await this.#showStatus({
      state: 'running',
      agentUrl: started.agent.url,
      pullRequestUrl: task.state.pullRequestUrl ?? undefined,
      ...(fromConfig ? { note: REPO_CONFIG_NOTE } : {}),
    });
    this.#becomeReady();
  }

  /**
   * One slot per limited scope, in this fixed order (repository, then installation), keeping
   * the first while waiting for the second. While one is not free the task is `queued` and
   * the status comment says how many wait in front of it. Unlimited scopes are skipped.
   */
  async #takeSlots(scopes: { scope: string; limit: number | null | undefined }[]): Promise<void> {
    const task = this.task;
    const taskId = workflowInfo().workflowId;
    for (const { scope, limit } of scopes) {
      if (typeof limit !== 'number' || limit < 1) continue;
      task.slotAsked(scope);
      const answer = await slots.acquireSlot.executeWithOptions(
        { summary: `slot of ${scope} (limit ${limit})` },
        [{ scope, taskId, limit }],
      );
      task.slotAnswered(scope, answer);
      let shown: number | null | undefined;
      for (;;) {
        const slot = task.slotOf(scope);
        if (!slot || slot.granted) break;
        if (task.phase !== 'queued') {
          task.queued();
          this.publishPhase();
        }
        if (slot.ahead !== shown) {
          shown = slot.ahead;
          await this.#tryShowStatus({ state: 'queued', ahead: slot.ahead ?? undefined });
        }
        await condition(() => {
          const now = task.slotOf(scope);
          return !now || now.granted || now.ahead !== shown;
        });
      }
    }
    if (task.phase === 'queued') {
      log.info('slots granted; starting');
      task.dequeued();
      this.publishPhase();
    }
  }

  /** Gives back every slot the task holds or waits for (a signal each; never throws). */
  async #releaseSlots(): Promise<void> {
    const taskId = workflowInfo().workflowId;
    for (const scope of this.task.releaseSlots()) await releaseSlotOf(scope, taskId);
  }

  /** `ready`, published only when it is news (runs recorded earlier did the same). */
  #becomeReady(): void {
    if (this.task.phase === 'ready') return;
    this.task.ready();
    this.publishPhase();
  }

  /**
   * Coder pushes this chat's changes; it takes messages at once unless it reports an error a
   * person must fix. No readiness wait, no "starting" comment to edit later.
   */
  async #startPushed(
    agent: AgentRef,
    status: Parameters<TaskLifecycle['adoptStatus']>[0],
  ): Promise<void> {
    const task = this.task;
    task.adoptStatus(status);
    const blocking = task.blockingError();
    if (blocking) {
      // The chat exists and holds the brief; it cannot run until a person acts. Park it
      // like a delivery that waits, so a retry (or Coder clearing the error) goes on.
      await this.#handleFailure(agentErrorFailure(blocking), 'deliver');
      return;
    }
    // Cleared before the edit: an update pushed while it runs is shown by the status lane.
    task.liveShown(Date.now());
    await this.#showStatus(this.#liveView(agent));
    // An error pushed while the comment was written parks the task all the same.
    const pushedMeanwhile = task.blockingError();
    if (pushedMeanwhile) {
      await this.#handleFailure(agentErrorFailure(pushedMeanwhile), 'deliver');
      return;
    }
    this.#becomeReady();
  }

  /** The status comment of a running agent, with what Coder pushed about it. */
  #liveView(agent: AgentRef): Omit<StatusView, 'taskName'> {
    const s = this.task.state;
    const live = s.live;
    const pullRequest =
      live?.pullRequest ?? (s.pullRequestUrl ? { url: s.pullRequestUrl } : undefined);
    const blocking = this.task.blockingError();
    return {
      state: this.task.paused ? 'paused' : blocking ? 'stalled' : 'running',
      agentUrl: agent.url,
      ...(live ? { activity: activityOf(live.readiness, live.status) } : {}),
      ...(pullRequest ? { pullRequest: { ...pullRequest } } : {}),
      ...(live?.pullRequests ? { pullRequests: live.pullRequests.map((p) => ({ ...p })) } : {}),
      ...(live?.summary ? { summary: live.summary } : {}),
      ...(blocking ? { problem: `${blocking} ${KEPT}` } : {}),
      ...(s.ownerNote ? { note: s.ownerNote } : {}),
    };
  }

  /** `markReady: false` while starting: the phase turns ready only once the issue says so. */
  async #waitUntilReady(agent: AgentRef, markReady = true): Promise<void> {
    setCurrentDetails(`${describe(this.task)}\n\nWaiting for the agent to be ready.`);
    const ready = await acts.waitForAgentReady.executeWithOptions(
      { ...waitingOptions, summary: `wait until ${agent.name} is ready` },
      [{ agent }],
    );
    if (markReady) this.#becomeReady();
    if (ready.pullRequestUrl && this.task.pullRequestSeen(ready.pullRequestUrl)) {
      // The agent opened a pull request (Coder Agents report it): link it from the issue.
      log.info('agent opened a pull request', { pullRequestUrl: ready.pullRequestUrl });
      if (this.task.state.statusCommentId !== null) {
        await this.#showStatus({
          state: 'running',
          agentUrl: agent.url,
          pullRequestUrl: ready.pullRequestUrl,
        });
      }
    }
  }

  // --- Step: forward ---

  async #forward(run: Deliverable[]): Promise<void> {
    const task = this.task;
    const agent = task.state.agent;
    if (!agent) {
      task.skipped(run.length);
      log.info('nothing forwarded: no agent runs for this issue', { items: run.length });
      return;
    }
    try {
      if (agent.pushed === true && this.#patched(Patches.agentStatusPush)) {
        const blocking = task.blockingError();
        if (blocking) throw agentErrorFailure(blocking);
      } else {
        await this.#waitUntilReady(agent);
      }
      const fleet = this.#fleet();
      if (fleet && run.some(isReviewComment) && !run.some(isReview) && !task.hasQueuedReview()) {
        // GitHub sends a review's comments and the review itself as separate webhooks in any
        // order: wait a moment for the review, so that they go out as one message.
        await condition(() => task.closeRequested || task.hasQueuedReview(), REVIEW_GRACE_MS);
      }
      // Everything that arrived while we waited goes out in the same message, in order.
      run.push(...task.takeDeliverableRun(MAX_BATCH - run.length));
      const reviews = fleet
        ? await this.#collectReviews(run)
        : new Map<number, ReviewCommentItem[]>();
      const inReview = new Set([...reviews.values()].flat().map((c) => c.id));
      const items: ForwardItem[] = [];
      const alone: number[] = [];
      for (const item of run) {
        if (item.kind === 'comment.posted' && item.source === 'review_comment') {
          if (inReview.has(item.commentId)) continue;
          if (fleet) alone.push(item.commentId);
          items.push({ kind: 'comment', comment: item });
        } else if (item.kind === 'comment.posted' && reviews.has(item.commentId)) {
          items.push({ kind: 'review', review: item, comments: reviews.get(item.commentId) ?? [] });
        } else if (item.kind === 'comment.posted') items.push({ kind: 'comment', comment: item });
        else if (item.kind === 'operator.message') {
          items.push({
            kind: 'operator',
            note: { author: item.author, text: item.text, receivedAt: item.receivedAt },
          });
        } else {
          const report = await this.#call('collectCiFailure', `failed jobs of run ${item.run.id}`, [
            item,
          ]);
          if (report.current) items.push({ kind: 'ci', event: item, report });
          else log.info('CI failure skipped: pull request moved on', { runId: item.run.id });
        }
      }
      if (items.length === 0) return;
      // An error Coder pushed while the CI logs were read parks these items too.
      const blocking = task.parked ? task.blockingError() : null;
      if (blocking) throw agentErrorFailure(blocking);
      task.forwarding();
      this.publishPhase();
      // Lean runs add the waiting 👀 reactions in the same breath as the send: scheduled in
      // one activation, they complete in one workflow task (a marker each).
      const reacting = this.#lean ? this.#reactToAllNow() : Promise.resolve();
      const sending = this.#call(
        'deliverToAgent',
        `forward ${items.length} item(s) to ${agent.name}`,
        [{ agent, text: formatBatch(items) }],
        this.#coderCallOptions(),
      );
      const result = await sending.finally(() => reacting);
      if (task.coderAnswered()) log.info('Coder answers again; the held items went out');
      task.forwarded(items.length);
      task.reviewCommentsSent([...inReview, ...alone]);
      log.info('forwarded to agent', { items: items.length, queued: result.queued });
    } catch (err) {
      if (!isCancellation(err)) task.requeueFront(run);
      throw err;
    }
  }

  /**
   * The comments of each review in `run`, fetched from GitHub (review id → comments not sent
   * yet). A review whose comments cannot be read goes out alone, as before.
   */
  async #collectReviews(run: Deliverable[]): Promise<Map<number, ReviewCommentItem[]>> {
    const reviews = new Map<number, ReviewCommentItem[]>();
    for (const item of run) {
      if (!isReview(item) || !item.pullRequest) continue;
      try {
        const { comments } = await this.#call(
          'collectReview',
          `comments of review ${item.commentId}`,
          [
            {
              installationId: item.installationId,
              ...this.#issue,
              // The pull request's repository (another one when it closes this issue from there).
              repository: item.repository,
              pullNumber: item.pullRequest.number,
              reviewId: item.commentId,
            },
          ],
        );
        reviews.set(
          item.commentId,
          comments.filter((c) => !this.task.reviewCommentSent(c.id)),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.warn('review comments not read; the review goes alone', { error: `${err}` });
      }
    }
    return reviews;
  }

  async #handleFailure(err: unknown, step: FailedStep): Promise<void> {
    const failure = applicationFailureOf(err);
    const message = failure?.message ?? (err instanceof Error ? err.message : String(err));
    if (this.#coderWaits() && isCoderUnavailable(err)) {
      await this.#waitForCoder(step, message, probeFirstMsOf(err));
      return;
    }
    log.warn('step failed; waiting for retry or close', { step, type: failure?.type, message });
    if (step !== 'start' && this.#coderWaits()) {
      // A live edit of the status lane would land after the explanation below and hide it
      // under "idle": the one in flight finishes first, and none starts until the phase says
      // failed (the lane leaves parked tasks alone).
      this.#explaining = true;
      try {
        await condition(() => this.#laneCalls === 0);
        await this.#explainFailure(step, failure, message);
      } finally {
        this.#explaining = false;
      }
      return;
    }
    await this.#explainFailure(step, failure, message);
  }

  /** The failure explained on the issue, then the phase (`failed`, or parked on an agent error). */
  async #explainFailure(
    step: FailedStep,
    failure: ApplicationFailure | undefined,
    message: string,
  ): Promise<void> {
    const task = this.task;
    const agent = task.state.agent;
    if (step === 'start') {
      // Explained once, in plain words when the user can fix it; before the phase changes,
      // so whoever sees "failed" in the Web UI also finds the comment on the issue.
      const problem =
        failure?.type === ErrorTypes.userFixable
          ? message
          : 'Something went wrong while starting the agent. The operators have been told; they can retry it.';
      await this.#tryShowStatus({ state: 'failed', problem, agentUrl: agent?.url });
      // A start that failed holds no agent: its slots go to the next in line (a retry asks
      // again).
      await this.#releaseSlots();
    } else if (
      failure?.type === ErrorTypes.userFixable &&
      agent?.pushed === true &&
      this.#patched(Patches.agentStatusPush)
    ) {
      // The agent reported an error a person must fix: said once, in plain words; the
      // comments wait, and the task resumes when Coder clears the error or on `retry`.
      await this.#tryShowStatus({
        ...this.#liveView(agent),
        state: 'stalled',
        problem: `${message} ${KEPT}`,
      });
      this.#parkOnAgentError(message);
      this.publishPhase();
      return;
    } else if (failure?.type === ErrorTypes.agentUnavailable) {
      // The agent went away while messages waited (paused again, stuck in error, deleted).
      await this.#tryShowStatus({
        state: 'stalled',
        problem: `${message}. The comments are kept; an operator can retry once the agent runs again.`,
        agentUrl: agent?.url,
      });
    } else if (this.#coderWaits()) {
      // Any other send that failed (a 4xx retrying cannot fix, GitHub down while CI logs were
      // read): `failed` is published only once the issue says so, never under "idle".
      await this.#tryShowStatus({
        state: 'stalled',
        problem:
          failure?.type === ErrorTypes.userFixable
            ? `${message} The comments are kept; an operator can retry once it is fixed.`
            : 'A message could not be delivered to the agent. The comments are kept; the operators have been told and can retry it.',
        agentUrl: agent?.url,
      });
    }
    task.failed(step, message);
    this.publishPhase();
  }

  /**
   * Coder did not answer `step` (patch `coder-down-waits`): the work stays in order and the
   * task waits for Coder, never `failed` for this. The issue is told once per outage: at once
   * for a start (the status comment is created then, so the assignment shows), through the
   * status lane for a running agent (throttled like every live edit). `coderLane` tries again.
   */
  async #waitForCoder(step: FailedStep, message: string, firstMs: number): Promise<void> {
    const task = this.task;
    const first = !task.state.coderDown;
    if (step === 'start') {
      // Before the phase changes, as for `failed`: whoever sees it finds the issue says so.
      if (first) {
        await this.#tryShowStatus({
          state: 'waiting-for-coder',
          problem: CODER_DOWN_NOTES.start,
          agentUrl: task.state.agent?.url,
        });
      }
      // No agent runs: the slots go to the next in line; the next try asks again.
      await this.#releaseSlots();
    }
    // Math.random is the workflow's seeded one: the same spread on replay.
    task.waitForCoder(step, message, Date.now(), (n) => coderProbeDelay(n, Math.random(), firstMs));
    const down = task.state.coderDown;
    log.warn('Coder is not answering; waiting for it', {
      step,
      message,
      since: down?.since,
      failedProbes: down?.failedProbes,
      nextTryInMs: down ? down.nextProbeAt - Date.now() : undefined,
    });
    if (first) {
      metricMeter
        .createCounter(
          'code_factory_coder_unavailable_waits',
          'tasks',
          'Tasks that began waiting for Coder (it did not answer a start or a send)',
        )
        .add(1, { step });
    }
    this.publishPhase();
  }

  /** A task waiting for Coder tries its step again now (its timer fired, or Coder pushed). */
  #tryCoderAgain(reason: string): void {
    const task = this.task;
    if (task.phase !== 'waiting-for-coder') return;
    log.info('trying Coder again', { reason, failedProbes: task.state.coderDown?.failedProbes });
    // A start is redone whole (the agent adopted by name); a send goes out again, in order.
    // The search attributes keep `waiting-for-coder` until the try succeeds or fails otherwise.
    task.retry(true);
    setCurrentDetails(describe(task));
  }

  /**
   * Patch `coder-down-waits`: a task waiting for Coder tries again when its timer fires (30 s
   * after the failure, then twice as long each time Coder is still down, at most 5 min). The
   * time is in the carried state, so a continue-as-new keeps the schedule.
   */
  async coderLane(): Promise<void> {
    if (!this.#coderWaits()) return;
    const task = this.task;
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
      this.#noteHistory();
      this.#tryCoderAgain('timer');
    }
  }

  /** The status comment while Coder does not answer a running agent's messages. */
  #coderDownView(agent: AgentRef | null): Omit<StatusView, 'taskName'> {
    const s = this.task.state;
    return {
      state: 'waiting-for-coder',
      problem: s.failedStep === 'start' ? CODER_DOWN_NOTES.start : CODER_DOWN_NOTES.deliver,
      ...(agent ? { agentUrl: agent.url } : {}),
      ...(s.pullRequestUrl ? { pullRequestUrl: s.pullRequestUrl } : {}),
    };
  }

  /**
   * A call on the per-comment path: a local activity in lean runs. Only the loop calls
   * these there, one at a time: local activities are numbered in the order they are
   * scheduled, and two lanes scheduling them could interleave one way live and another way
   * on replay.
   */
  #call<K extends 'reactToComment' | 'collectCiFailure' | 'collectReview' | 'deliverToAgent'>(
    name: K,
    summary: string,
    args: Parameters<TaskActivities[K]>,
    options: CallOptions = githubOptions,
  ): Promise<Awaited<ReturnType<TaskActivities[K]>>> {
    type Call = {
      executeWithOptions(o: object, a: unknown[]): Promise<Awaited<ReturnType<TaskActivities[K]>>>;
    };
    const proxy = (this.#lean ? local : acts)[name] as unknown as Call;
    return proxy.executeWithOptions({ ...options, summary }, args);
  }

  // --- Lanes that run beside the loop ---

  /**
   * 👀 on each accepted comment, in order, as soon as it is accepted: a lane of its own in
   * runs recorded before `lean-forward`. Lean runs react from the loop (`work`), so that only
   * one lane ever runs local activities (see `#call`).
   */
  async reactionLane(): Promise<void> {
    if (this.#lean) return;
    const task = this.task;
    for (;;) {
      await condition(() => task.state.pendingReactions.length > 0 || task.closeRequested);
      if (task.closeRequested) return;
      await this.#reactToNext();
    }
  }

  async #reactToNext(): Promise<void> {
    const next = this.task.state.pendingReactions[0];
    if (next) await this.#react(next);
  }

  /**
   * Every waiting reaction at once (lean runs, from the forward step): each is scheduled now,
   * in the same activation as the send; none fails the step.
   */
  #reactToAllNow(): Promise<void> {
    const waiting = [...this.task.state.pendingReactions];
    return Promise.all(waiting.map((next) => this.#react(next))).then(() => undefined);
  }

  /** 👀 on one pending comment; a reaction that fails is logged, never retried by the task. */
  async #react(next: TaskLifecycle['state']['pendingReactions'][number]): Promise<void> {
    try {
      await this.#call('reactToComment', `👀 on comment ${next.commentId}`, [
        { ...next, issueNumber: this.input.issueNumber },
      ]);
    } catch (err) {
      log.warn('could not add a reaction', { commentId: next.commentId, error: `${err}` });
    }
    this.task.reacted();
  }

  /** Something for the loop: a reaction to add (lean runs) or the inbox's head. */
  hasWork(): boolean {
    return this.task.hasWork() || (this.#lean && this.task.state.pendingReactions.length > 0);
  }

  /** One turn of the loop: the inbox's head, or (lean runs) the reactions alone. */
  async work(): Promise<void> {
    // Work to do: the forward step adds the reactions with its send.
    if (this.task.hasWork()) return this.step();
    // Nothing to send now (parked, no agent): the reactions go out one by one.
    while (this.#lean && this.task.state.pendingReactions.length > 0) {
      if (this.task.closeRequested) return;
      await this.#reactToNext();
    }
  }

  /**
   * Live progress: the status comment follows what Coder pushes (working, waiting for you,
   * idle, the pull request, the latest turn), edited at most once per interval.
   */
  async statusLane(): Promise<void> {
    const task = this.task;
    for (;;) {
      await condition(
        () =>
          task.closeRequested ||
          (task.state.liveDirty === true &&
            task.state.statusCommentId !== null &&
            (task.phase === 'ready' ||
              task.phase === 'working' ||
              task.phase === 'waiting-for-coder' ||
              task.state.failedOnAgentError === true)),
      );
      if (task.closeRequested) return;
      const interval = task.state.statusCommentIntervalMs ?? 30_000;
      const shownAt = task.state.liveShownAt ?? null;
      const wait = shownAt === null ? 0 : shownAt + interval - Date.now();
      if (wait > 0 && (await condition(() => task.closeRequested, wait))) return;
      const agent = task.state.agent;
      const coderDown = task.phase === 'waiting-for-coder';
      if (!agent || (task.parked && !task.state.failedOnAgentError && !coderDown)) continue;
      if (this.#explaining) {
        await condition(() => !this.#explaining || task.closeRequested);
        continue;
      }
      task.liveShown(Date.now());
      const view = coderDown ? this.#coderDownView(agent) : this.#liveView(agent);
      await this.#inLane(() => this.#tryShowStatus(view));
    }
  }

  async #inLane(call: () => Promise<void>): Promise<void> {
    this.#laneCalls += 1;
    try {
      await call();
    } finally {
      this.#laneCalls -= 1;
    }
  }

  /**
   * Fleet controls beside the loop: `/agent` commands in order, status refreshes (pause,
   * resume) and stuck reminders. Ordinary activities only (see `#call`); a command acts at
   * once, even while the loop waits on a start or a paused queue.
   */
  async controlLane(): Promise<void> {
    if (!this.#fleet()) return;
    const task = this.task;
    for (;;) {
      await condition(
        () =>
          task.closeRequested ||
          (task.state.commands?.length ?? 0) > 0 ||
          task.state.statusRefresh === true ||
          !!task.state.pendingReminder,
      );
      if (task.closeRequested) return;
      const command = task.nextCommand();
      if (command) {
        this.#commandRunning = true;
        try {
          await this.#command(command);
        } finally {
          this.#commandRunning = false;
        }
        continue;
      }
      const reminder = task.takeReminder();
      if (reminder) {
        await this.#inLane(() => this.#tryPost(stuckReminder(reminder.phase, reminder.since)));
        continue;
      }
      if (task.takeStatusRefresh()) await this.#inLane(() => this.#refreshStatus());
    }
  }

  /** Rewrites the status comment from what the task knows now (never creates one early). */
  async #refreshStatus(): Promise<void> {
    const s = this.task.state;
    if (s.statusCommentId === null) return;
    const agent = s.agent;
    if (this.task.paused) {
      await this.#tryShowStatus({ state: 'paused', agentUrl: agent?.url });
    } else if (this.task.phase === 'waiting-for-coder') {
      await this.#tryShowStatus(this.#coderDownView(agent));
    } else if (this.task.phase === 'queued') {
      const ahead = s.slots?.find((slot) => !slot.granted)?.ahead;
      await this.#tryShowStatus({ state: 'queued', ahead: ahead ?? undefined });
    } else if (agent && (this.task.phase === 'ready' || this.task.phase === 'working')) {
      this.task.liveShown(Date.now());
      await this.#tryShowStatus(
        agent.pushed === true
          ? this.#liveView(agent)
          : {
              state: 'running',
              agentUrl: agent.url,
              pullRequestUrl: s.pullRequestUrl ?? undefined,
            },
      );
    }
  }

  /**
   * A task waiting for the budget tries again every BUDGET_RETRY_INTERVAL_MS (a durable
   * timer): the agent is nudged once, and a budget still spent parks it again, editing the
   * status comment, never posting. Coder clearing the error (`agentUpdate`) or `retry` goes on
   * earlier.
   */
  async budgetLane(): Promise<void> {
    if (!this.#fleet()) return;
    const task = this.task;
    for (;;) {
      await condition(() => task.closeRequested || task.phase === 'waiting-for-budget');
      if (task.closeRequested) return;
      const interval = task.state.budgetRetryIntervalMs ?? DEFAULT_BUDGET_RETRY_INTERVAL_MS;
      const moved = await condition(
        () => task.closeRequested || task.phase !== 'waiting-for-budget',
        interval,
      );
      if (moved) continue;
      log.info('trying again after the budget wait', { intervalMs: interval });
      this.retry(
        'The usage limit that stopped you may have been lifted. Please continue where you left off.',
      );
    }
  }

  /** One `/agent` command: 👍, the action, and one short reply (the flood rule allowing). */
  async #command(command: PendingCommand): Promise<void> {
    const task = this.task;
    const { parsed } = command;
    log.info('command', { parsed, author: command.author, commentId: command.commentId });
    try {
      await acts.reactToComment.executeWithOptions(
        { ...githubOptions, summary: `👍 on command ${command.commentId}` },
        [{ ...command, issueNumber: this.input.issueNumber, content: COMMAND_REACTION }],
      );
    } catch (err) {
      log.warn('could not react to a command', { error: `${err}` });
    }
    let reply: string;
    let release = false;
    if (!('command' in parsed)) reply = commandHelp(parsed);
    else if (parsed.command === 'stop') {
      const agent = task.state.agent;
      if (!agent) reply = NO_AGENT_REPLY;
      else if (agent.backend !== 'agents') reply = STOP_ON_TASKS_REPLY;
      else {
        try {
          await acts.interruptAgent.executeWithOptions(
            { ...coderOptions, summary: `interrupt ${agent.name} (/agent stop)` },
            [{ agent }],
          );
          reply = COMMAND_REPLIES.stop;
        } catch (err) {
          log.warn('could not interrupt the agent', { error: `${err}` });
          reply = 'The agent could not be interrupted just now; the operators can see why.';
        }
      }
    } else if (parsed.command === 'retry') {
      if (task.parked) {
        this.retry();
        reply = COMMAND_REPLIES.retry;
      } else reply = NOTHING_TO_RETRY_REPLY;
    } else if (parsed.command === 'status') {
      if (task.state.statusCommentId === null && !task.state.agent) reply = NO_AGENT_REPLY;
      else {
        await this.#refreshStatus();
        reply = COMMAND_REPLIES.status;
      }
    } else if (!task.state.agent && !task.state.assignment) {
      reply = NO_AGENT_REPLY;
    } else {
      reply = COMMAND_REPLIES.release;
      release = true;
    }
    if (task.replyDue(parsed, Date.now())) {
      await this.#tryPost(`@${command.author} ${reply}`, command.installationId);
    }
    if (release) {
      // Like a close of the issue, but the issue stays open: the agent is stopped, the slots
      // are given back and this workflow completes (a new assignment starts a new one).
      this.#released = true;
      task.requestClose(`released by @${command.author}`);
      this.#scope?.cancel();
    }
  }

  async #tryPost(
    body: string,
    installationId = this.task.state.assignment?.installationId,
  ): Promise<void> {
    if (!installationId) return;
    try {
      await acts.postComment.executeWithOptions(
        { ...githubOptions, summary: 'comment on the issue' },
        [{ installationId, ...this.#issue, body }],
      );
    } catch (err) {
      log.warn('could not comment on the issue', { error: `${err}` });
    }
  }

  /** The run ends without an agent ('no-task'): nothing of it may stay in a slot. */
  async beforeNoTask(): Promise<void> {
    await this.#releaseSlots();
  }

  // --- Step: close ---

  /** Queued work is dropped, the agent is stopped, the status comment says so. */
  async close(lanes: Promise<void>[]): Promise<void> {
    const task = this.task;
    const wasClosing = task.phase === 'closing';
    const dropped = task.close();
    if (!wasClosing) this.publishPhase();
    if (dropped) log.info('dropped queued items on close', { dropped });
    await Promise.all(lanes);
    const agent = task.state.agent;
    if (agent) {
      await this.#cleanUp('stop agent', () =>
        acts.stopAgent.executeWithOptions(
          { ...coderOptions, summary: `stop agent ${agent.name}` },
          [{ agent }],
        ),
      );
      await this.#cleanUp('status comment', () =>
        this.#showStatus({
          state: this.#released ? 'released' : 'completed',
          pullRequestUrl: task.state.pullRequestUrl ?? undefined,
        }),
      );
    }
    await this.#releaseSlots();
    task.closed();
    this.publishPhase();
  }

  /**
   * The issue is closed whatever Coder or GitHub say now: a clean-up call that still fails
   * after its retries is logged and counted, and the task completes.
   */
  async #cleanUp(what: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      if (!this.#patched(Patches.closeNeverFails)) throw err;
      this.task.cleanupFailed();
      log.error('clean-up step failed; the task closes anyway', { step: what, error: `${err}` });
    }
  }
}

function isReview(item: InboxItem): item is Extract<InboxItem, { kind: 'comment.posted' }> {
  return item.kind === 'comment.posted' && item.source === 'review';
}

function isReviewComment(item: InboxItem): boolean {
  return item.kind === 'comment.posted' && item.source === 'review_comment';
}

/** The phase and backend the run inherited (a continued run keeps its search attributes). */
function inheritedPhase(): string | null {
  const attrs = workflowInfo().typedSearchAttributes;
  const phase = attrs.get(SearchAttributes.phase);
  if (phase === undefined) return null;
  return `${phase}/${attrs.get(SearchAttributes.backend) ?? ''}`;
}

function activityOf(
  readiness: string,
  status?: string,
): 'working' | 'waiting-for-you' | 'idle' | 'error' | 'queued-in-coder' {
  // Coder holds the chat until the deployment has capacity (its concurrent-agent limit).
  if (status === 'queued_for_capacity') return 'queued-in-coder';
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
export function describe(task: TaskLifecycle): string {
  const s = task.state;
  // The title too: continued runs have no static summary (the SDK cannot pass it on).
  const title = s.assignment?.issue.title;
  const lines = [
    `**${task.repository.owner}/${task.repository.name}#${task.issueNumber}**${title ? `: ${title}` : ''} · phase **${s.phase}**`,
  ];
  if (s.agent) lines.push(`Agent: [${s.agent.name}](${s.agent.url}) (${s.agent.backend})`);
  if (s.inbox.length) lines.push(`Waiting to forward: ${s.inbox.length} item(s)`);
  if (s.phase === 'waiting-for-coder') {
    const down = s.coderDown;
    lines.push(
      `Waiting for Coder${down ? ` since ${down.since}` : ''} (step: ${s.failedStep}): ${s.lastError ?? ''}`,
    );
    if (down) {
      lines.push(
        `Next try at ${new Date(down.nextProbeAt).toISOString()} (${down.failedProbes} tries found Coder still down). It goes on by itself; the \`retry\` update tries now.`,
      );
    }
  } else if (task.parked) {
    lines.push(`Failed step: ${s.failedStep}. ${s.lastError ?? ''}`);
    lines.push('Retry with the `retry` update, or close the task.');
  }
  lines.push(
    `Forwarded: ${s.counts.forwardedItems} item(s) in ${s.counts.forwardedMessages} message(s)`,
  );
  return lines.join('\n');
}
