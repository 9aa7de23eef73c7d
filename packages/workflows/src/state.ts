/**
 * The task lifecycle as a plain domain object: the workflow's handlers only call into it.
 * No Temporal APIs here, so it is unit-tested directly and carried across continue-as-new.
 */
import type { CommentSource, IssueAssigned, Repository, TaskEvent } from '@code-factory/events';
import {
  type CommandReplyLog,
  commandReplyDue,
  type ParsedCommand,
  parseAgentCommand,
} from '@code-factory/messages';
import { sameRepo } from '@code-factory/naming';
import type { AgentLiveStatus, AgentRef, Backend } from './activities';
import { checkTaskEvent } from './guards';

export type Phase =
  | 'requested'
  | 'starting'
  /** Waiting for a concurrency slot (repository or installation limit) before starting. */
  | 'queued'
  | 'ready'
  | 'working'
  | 'failed'
  /** Coder refused work for a budget or usage limit: retried on a timer, or when Coder clears it. */
  | 'waiting-for-budget'
  /**
   * Coder does not answer (network, 5xx, 429): the work waits in order and goes out by itself
   * when Coder is back (a probe with backoff, or an `agentUpdate`). Never `failed` for this.
   */
  | 'waiting-for-coder'
  | 'closing'
  | 'closed';

/** A message an operator queued with the `sendMessage` update. */
export interface OperatorMessage {
  kind: 'operator.message';
  deliveryId: string;
  receivedAt: string;
  author: string;
  text: string;
}

export type InboxItem = TaskEvent | OperatorMessage;

/** Items that become text for the agent. */
export type Deliverable = Extract<
  InboxItem,
  { kind: 'comment.posted' | 'ci.failed' | 'operator.message' }
>;

export function isDeliverable(item: InboxItem): item is Deliverable {
  return (
    item.kind === 'comment.posted' || item.kind === 'ci.failed' || item.kind === 'operator.message'
  );
}

export type FailedStep = 'start' | 'deliver';

export interface Counts {
  accepted: number;
  duplicates: number;
  rejected: number;
  forwardedMessages: number;
  forwardedItems: number;
  skipped: number;
  /** Clean-up calls at close that failed after their retries (the task closed anyway). */
  cleanupFailures?: number;
  /** `agentUpdate` signals taken (status, pull request, summary changes). */
  agentUpdates?: number;
}

/** Everything that survives continue-as-new. */
export interface CarriedState {
  phase: Phase;
  backend: Backend | null;
  agent: AgentRef | null;
  assignment: IssueAssigned | null;
  statusCommentId: number | null;
  inbox: InboxItem[];
  pendingReactions: ReactionRequest[];
  recentDeliveries: string[];
  counts: Counts;
  lastError: string | null;
  failedStep: FailedStep | null;
  pullRequestUrl: string | null;
  runs: number;
  /** What Coder last pushed about the agent (pushed agents only). */
  live?: AgentLiveStatus | null;
  /** The status comment does not show `live` yet. */
  liveDirty?: boolean;
  /** When the status comment last showed live progress (workflow time, ms). */
  liveShownAt?: number | null;
  /** The worker's STATUS_COMMENT_INTERVAL_MS, learnt when the agent started. */
  statusCommentIntervalMs?: number | null;
  /** Why the agent is not the requester's (owner fallback), shown on the status comment. */
  ownerNote?: string | null;
  /** The failed step was an agent error a person must fix: it resumes once Coder clears it. */
  failedOnAgentError?: boolean;
  /** An update that arrived before the start-up step learnt which chat is the agent. */
  earlyUpdate?: (AgentLiveStatus & { chatId: string }) | null;
  /** The worker's bound on one run's history, learnt when the agent started. */
  historyLimit?: number | null;
  /** The worker's BUDGET_RETRY_INTERVAL_MS, learnt when the agent started. */
  budgetRetryIntervalMs?: number | null;
  /** Operators paused the task: events are accepted and kept, nothing is forwarded. */
  paused?: boolean;
  /** `/agent` commands taken from comments, handled in order by the control lane. */
  commands?: PendingCommand[];
  /** When each kind of command reply was last posted (the flood rule). */
  commandReplies?: CommandReplyLog;
  /** Concurrency slots asked for, in the order taken (repository first, then installation). */
  slots?: SlotHold[];
  /** The status comment should be rewritten now (pause, resume, `/agent status`). */
  statusRefresh?: boolean;
  /** The stuck period (`since`) a reminder was posted for; one reminder per period. */
  remindedSince?: string | null;
  /** A reminder to post (from the `stuck-tasks` schedule). */
  pendingReminder?: { phase: string; since: string } | null;
  /** Review comments the agent got already (in their review's message or alone); bounded. */
  sentReviewComments?: number[];
  /** Coder stopped answering (patch `coder-down-waits`): since when, and the next try. */
  coderDown?: CoderDown | null;
}

/** An outage of Coder as one task lives it: from the first failed call to the first answer. */
export interface CoderDown {
  /** The step that waits: the start, or a send to a running agent. */
  step: FailedStep;
  /** When the first call failed (ISO). */
  since: string;
  /** Tries since then that found Coder still down. */
  failedProbes: number;
  /** When the next try is due (workflow time, ms). */
  nextProbeAt: number;
}

/** An `/agent` command comment, waiting to be acted on. */
export interface PendingCommand {
  installationId: number;
  repository: Repository;
  commentId: number;
  source: ReactionRequest['source'];
  author: string;
  parsed: ParsedCommand;
}

/** A slot of one scope: granted, or waiting with `ahead` tasks in front (null: not told yet). */
export interface SlotHold {
  scope: string;
  granted: boolean;
  ahead: number | null;
}

export interface ReactionRequest {
  installationId: number;
  repository: Repository;
  commentId: number;
  source: CommentSource;
}

export interface TaskSnapshot
  extends Omit<CarriedState, 'inbox' | 'pendingReactions' | 'recentDeliveries'> {
  taskName: string;
  repository: Repository;
  issueNumber: number;
  closeRequested: boolean;
  /** Kinds and delivery ids of what waits, in order (bodies stay out of queries). */
  pending: { kind: InboxItem['kind']; deliveryId: string }[];
  recentDeliveryCount: number;
}

export type AcceptResult =
  | { outcome: 'accepted'; item: InboxItem }
  /** An `/agent` command: held for the control lane, never forwarded. */
  | { outcome: 'command'; item: InboxItem }
  /** A review comment its review's message carried already. */
  | { outcome: 'folded'; item: InboxItem }
  | { outcome: 'duplicate' | 'closed' }
  | { outcome: 'invalid' | 'foreign'; reason: string };

export const RECENT_DELIVERIES_LIMIT = 500;

/** Coder's `last_error.kind` values that mean a budget or usage limit (chaterror). */
export const BUDGET_ERROR_KINDS: readonly string[] = ['usage_limit'];

/** Pull requests of one agent kept at most (a chat tracks one per branch it pushed). */
const MAX_PULL_REQUESTS = 20;

/** A pull request from signal input, plain and bounded; none when it is not one. */
function plainPullRequest(pr: unknown): Array<{ url: string; number?: number; state?: string }> {
  if (!pr || typeof pr !== 'object') return [];
  const { url, number, state } = pr as Record<string, unknown>;
  if (typeof url !== 'string') return [];
  return [
    {
      url: url.slice(0, 500),
      ...(typeof number === 'number' ? { number } : {}),
      ...(typeof state === 'string' ? { state: state.slice(0, 20) } : {}),
    },
  ];
}

const READINESS = new Set(['ready', 'busy', 'starting', 'paused', 'error', 'blocked', 'gone']);

export function emptyState(): CarriedState {
  return {
    phase: 'requested',
    backend: null,
    agent: null,
    assignment: null,
    statusCommentId: null,
    inbox: [],
    pendingReactions: [],
    recentDeliveries: [],
    counts: {
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      forwardedMessages: 0,
      forwardedItems: 0,
      skipped: 0,
      cleanupFailures: 0,
      agentUpdates: 0,
    },
    lastError: null,
    failedStep: null,
    pullRequestUrl: null,
    runs: 0,
    live: null,
    liveDirty: false,
    liveShownAt: null,
    statusCommentIntervalMs: null,
    ownerNote: null,
    failedOnAgentError: false,
  };
}

/** A read-only view of the state: the workflow reads it, only transitions write it. */
export type StateView = DeepReadonly<CarriedState>;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Which phase may follow which. `closing` is reachable from every live phase (an issue can
 * close at any time); `closed` only from `closing`. Anything else is a bug in the workflow,
 * and the lifecycle refuses it instead of recording a state nobody can explain.
 */
export const TRANSITIONS: Readonly<Record<Phase, readonly Phase[]>> = {
  requested: ['starting', 'failed', 'closing'],
  starting: [
    'ready',
    'requested',
    'queued',
    'failed',
    'waiting-for-budget',
    'waiting-for-coder',
    'closing',
  ],
  queued: ['starting', 'failed', 'closing'],
  ready: ['working', 'failed', 'waiting-for-budget', 'waiting-for-coder', 'closing'],
  working: ['ready', 'failed', 'waiting-for-budget', 'waiting-for-coder', 'closing'],
  // A second failure while parked (an agent error pushed during a failing send) stays failed.
  failed: ['ready', 'requested', 'failed', 'waiting-for-budget', 'closing'],
  'waiting-for-budget': ['ready', 'requested', 'failed', 'waiting-for-budget', 'closing'],
  // A try (`retry`) goes back to the step: `ready` to deliver, `requested` to start again. An
  // agent error pushed meanwhile parks it as any other.
  'waiting-for-coder': [
    'ready',
    'requested',
    'failed',
    'waiting-for-budget',
    'waiting-for-coder',
    'closing',
  ],
  closing: ['closed'],
  closed: [],
};

export class IllegalTransition extends Error {
  constructor(
    readonly from: Phase,
    readonly to: Phase,
    readonly transition: string,
  ) {
    super(`${transition}: a task cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransition';
  }
}

/** What `started` learns when the agent exists. */
export interface AgentStarted {
  agent: AgentRef;
  statusCommentIntervalMs?: number;
  /** The worker's bound on one run's history (TASK_HISTORY_LIMIT). */
  historyLimit?: number;
  /** The worker's BUDGET_RETRY_INTERVAL_MS. */
  budgetRetryIntervalMs?: number;
  ownerNote?: string;
}

export class TaskLifecycle {
  readonly #s: CarriedState;
  #closeRequested = false;
  #closeReason = '';
  readonly #seen: Set<string>;

  constructor(
    readonly taskName: string,
    readonly repository: Repository,
    readonly issueNumber: number,
    carried?: CarriedState,
  ) {
    this.#s = carried ? structuredCloneState(carried) : emptyState();
    this.#seen = new Set(this.#s.recentDeliveries);
    // A close that was pending when the previous run continued as new is still pending.
    if (this.#s.phase === 'closing') this.requestClose('carried over');
  }

  get state(): StateView {
    return this.#s;
  }

  get phase(): Phase {
    return this.#s.phase;
  }

  get closeRequested(): boolean {
    return this.#closeRequested;
  }

  get closeReason(): string {
    return this.#closeReason;
  }

  // --- Transitions: one method each; the table above decides what may follow what. ---

  /** An assignment is being acted on: the agent is being started. */
  assign(assignment: IssueAssigned): void {
    this.#move('starting', 'assign');
    this.#s.assignment = assignment;
  }

  /** A concurrency slot is not free yet: the start waits in line. */
  queued(): void {
    if (this.#s.phase !== 'queued') this.#move('queued', 'queued');
  }

  /** Every slot the start needs is granted: go on starting. */
  dequeued(): void {
    this.#move('starting', 'dequeued');
  }

  /** The assigner may not start an agent: back to waiting for an assignment. */
  skipAssignment(): void {
    this.#move('requested', 'skipAssignment');
    this.#s.counts.skipped++;
    this.#s.assignment = null;
  }

  /** Which backend runs the agent (known before the agent exists). */
  identified(backend: Backend): void {
    this.#s.backend = backend;
  }

  /** The agent exists (created or adopted); it may not take messages yet. */
  started(started: AgentStarted): void {
    if (this.#s.phase !== 'starting') {
      throw new IllegalTransition(this.#s.phase, 'starting', 'started');
    }
    this.#s.agent = started.agent;
    if (started.statusCommentIntervalMs !== undefined) {
      this.#s.statusCommentIntervalMs = started.statusCommentIntervalMs;
    }
    if (started.historyLimit !== undefined) this.#s.historyLimit = started.historyLimit;
    if (started.budgetRetryIntervalMs !== undefined) {
      this.#s.budgetRetryIntervalMs = started.budgetRetryIntervalMs;
    }
    if (started.ownerNote !== undefined) this.#s.ownerNote = started.ownerNote;
  }

  /** The agent takes messages. */
  ready(): void {
    if (this.#s.phase === 'ready') return;
    this.#move('ready', 'ready');
  }

  /** Messages are on their way to the agent. */
  forwarding(): void {
    this.#move('working', 'forwarding');
  }

  /** One message with `items` items reached the agent. */
  forwarded(items: number): void {
    this.#s.counts.forwardedMessages++;
    this.#s.counts.forwardedItems += items;
  }

  /** A step failed; it waits for `retry` (or, on an agent error, for Coder to clear it). */
  failed(step: FailedStep, message: string, onAgentError = false): void {
    this.#move('failed', 'failed');
    this.#s.failedStep = step;
    this.#s.lastError = message;
    this.#s.failedOnAgentError = onAgentError;
  }

  /** Coder refused work for a budget or usage limit: parked like an agent error, phase of its own. */
  waitForBudget(message: string): void {
    this.#move('waiting-for-budget', 'waitForBudget');
    this.#s.failedStep = 'deliver';
    this.#s.lastError = message;
    this.#s.failedOnAgentError = true;
  }

  /**
   * Coder did not answer `step`: the task waits for Coder, the work kept in order. Returns
   * true when this is the first failure of the outage (the issue is told once); a try that
   * finds Coder still down waits longer (`delayAfter(failedProbes)`).
   */
  waitForCoder(
    step: FailedStep,
    message: string,
    nowMs: number,
    delayAfter: (failedProbes: number) => number,
  ): boolean {
    this.#move('waiting-for-coder', 'waitForCoder');
    this.#s.failedStep = step;
    this.#s.lastError = message;
    this.#s.failedOnAgentError = false;
    const down = this.#s.coderDown;
    const failedProbes = down ? down.failedProbes + 1 : 0;
    this.#s.coderDown = {
      step,
      since: down?.since ?? new Date(nowMs).toISOString(),
      failedProbes,
      nextProbeAt: nowMs + delayAfter(failedProbes),
    };
    // A running agent's status comment says so through the status lane (throttled).
    if (!down && step === 'deliver') this.#s.liveDirty = true;
    return !down;
  }

  /**
   * Coder answered a call: the outage, if there was one, is over. Returns true when it was
   * (the status comment, which said "waiting for Coder", is due for an edit).
   */
  coderAnswered(): boolean {
    const down = this.#s.coderDown;
    if (!down) return false;
    this.#s.coderDown = null;
    // The status comment said "waiting for Coder"; a start writes its own comment anyway.
    if (down.step === 'deliver') this.#s.liveDirty = true;
    return true;
  }

  /** Failed, or waiting for the budget or for Coder: nothing is delivered until it goes on. */
  get parked(): boolean {
    return (
      this.#s.phase === 'failed' ||
      this.#s.phase === 'waiting-for-budget' ||
      this.#s.phase === 'waiting-for-coder'
    );
  }

  /** The agent's current error is a budget or usage limit. */
  budgetExhausted(): boolean {
    const live = this.#s.live;
    return live?.readiness === 'error' && BUDGET_ERROR_KINDS.includes(live.error?.kind ?? '');
  }

  /**
   * An operator retries the failed step. `readopt`: a start that failed after the agent was
   * created is redone whole (the agent is adopted again by name). Returns the step retried.
   */
  retry(readopt: boolean): FailedStep {
    if (!this.parked) {
      throw new IllegalTransition(this.#s.phase, 'ready', 'retry');
    }
    const step = this.#s.failedStep ?? 'start';
    const afterAgentError = this.#s.failedOnAgentError === true;
    this.#clearFailure();
    if (afterAgentError) this.retryAfterAgentError();
    if (step === 'start' && this.#s.agent && readopt) this.#s.agent = null;
    this.#move(this.#s.agent ? 'ready' : 'requested', 'retry');
    if (step === 'start' && this.#s.assignment && !this.#s.agent) {
      this.#s.inbox.unshift(this.#s.assignment);
    }
    return step;
  }

  /** True when the failure being retried was an agent error a person fixed. */
  get failedOnAgentError(): boolean {
    return this.#s.failedOnAgentError === true;
  }

  /** Coder reports the agent out of the error that parked the task: go on. */
  resume(): void {
    this.#clearFailure();
    this.#move('ready', 'resume');
  }

  /**
   * Closing starts (or goes on, after a continue-as-new while closing): whatever waits is
   * dropped. Returns how many items were dropped.
   */
  close(): number {
    if (this.#s.phase !== 'closing') this.#move('closing', 'close');
    const dropped = this.#s.inbox.length;
    this.#s.inbox = [];
    this.#s.pendingReactions = [];
    return dropped;
  }

  /** The agent is stopped and the issue says so. */
  closed(): void {
    this.#move('closed', 'closed');
  }

  #move(to: Phase, transition: string): void {
    const from = this.#s.phase;
    if (!TRANSITIONS[from].includes(to)) throw new IllegalTransition(from, to, transition);
    this.#s.phase = to;
  }

  #clearFailure(): void {
    this.#s.failedStep = null;
    this.#s.lastError = null;
    this.#s.failedOnAgentError = false;
  }

  // --- Facts the workflow learns along the way (no phase change). ---

  statusCommentShown(commentId: number): void {
    this.#s.statusCommentId = commentId;
  }

  /** The status comment now shows the live progress as of `at` (workflow time, ms). */
  liveShown(at: number): void {
    this.#s.liveDirty = false;
    this.#s.liveShownAt = at;
  }

  /** Returns true when the pull request is new to the task. */
  pullRequestSeen(url: string): boolean {
    if (url === this.#s.pullRequestUrl) return false;
    this.#s.pullRequestUrl = url;
    return true;
  }

  /** Items that could not go anywhere (no agent runs). */
  skipped(count: number): void {
    this.#s.counts.skipped += count;
  }

  /** The oldest pending reaction was added (or given up on). */
  reacted(): void {
    this.#s.pendingReactions.shift();
  }

  cleanupFailed(): void {
    this.#s.counts.cleanupFailures = (this.#s.counts.cleanupFailures ?? 0) + 1;
  }

  /** Pops the head of the inbox. */
  next(): InboxItem | undefined {
    return this.#s.inbox.shift();
  }

  /**
   * Takes an `agentUpdate` for the current agent; anything else (malformed, another chat) is
   * refused with a reason.
   */
  observe(raw: unknown): { taken: true } | { taken: false; reason: string } {
    const update = raw as Partial<AgentLiveStatus & { chatId: string }> | null;
    if (!update || typeof update !== 'object' || typeof update.chatId !== 'string') {
      return { taken: false, reason: 'malformed update' };
    }
    if (typeof update.status !== 'string' || !READINESS.has(String(update.readiness))) {
      return { taken: false, reason: 'update without a known status' };
    }
    if (!this.#s.agent && this.#s.phase === 'starting') {
      // Coder can push before the start-up step has recorded the chat: keep the newest.
      this.#setLive(update as AgentLiveStatus);
      this.#s.earlyUpdate = { ...(this.#s.live as AgentLiveStatus), chatId: update.chatId };
      this.#s.live = null;
      return { taken: false, reason: 'held until the agent is known' };
    }
    if (this.#s.agent?.id !== update.chatId) {
      return { taken: false, reason: 'update for another agent' };
    }
    this.#setLive(update as AgentLiveStatus);
    this.#s.counts.agentUpdates = (this.#s.counts.agentUpdates ?? 0) + 1;
    this.#s.liveDirty = true;
    return { taken: true };
  }

  /** Records the agent's status (plain fields only: signal input is not trusted). */
  #setLive(status: AgentLiveStatus): void {
    const error = status.error;
    const pr = status.pullRequest;
    const pulls = Array.isArray(status.pullRequests)
      ? status.pullRequests.slice(0, MAX_PULL_REQUESTS).flatMap(plainPullRequest)
      : [];
    this.#s.live = {
      status: String(status.status).slice(0, 40),
      readiness: status.readiness,
      ...(error && typeof error === 'object'
        ? {
            error: {
              kind: String(error.kind).slice(0, 60),
              message: String(error.message).slice(0, 1_000),
              retryable: error.retryable === true,
              userFixable: error.userFixable === true,
              ...(typeof error.explanation === 'string'
                ? { explanation: error.explanation.slice(0, 1_000) }
                : {}),
            },
          }
        : {}),
      ...(plainPullRequest(pr)[0] ? { pullRequest: plainPullRequest(pr)[0] } : {}),
      ...(pulls.length > 1 ? { pullRequests: pulls } : {}),
      ...(typeof status.summary === 'string' ? { summary: status.summary.slice(0, 2_000) } : {}),
    };
    if (this.#s.live.pullRequest) this.#s.pullRequestUrl = this.#s.live.pullRequest.url;
  }

  /**
   * The agent's status once it is known: an update pushed meanwhile is newer than what the
   * start-up step saw, so it wins.
   */
  adoptStatus(status: AgentLiveStatus | undefined): void {
    const early = this.#s.earlyUpdate;
    this.#s.earlyUpdate = null;
    if (early && early.chatId === this.#s.agent?.id) {
      const { chatId: _id, ...live } = early;
      this.#setLive(live);
      this.#s.counts.agentUpdates = (this.#s.counts.agentUpdates ?? 0) + 1;
    } else if (status) {
      this.#setLive(status);
    }
  }

  /** The plain-words reason the agent cannot take messages now, if a person must act. */
  blockingError(): string | null {
    const error = this.#s.live?.readiness === 'error' ? this.#s.live.error : undefined;
    if (!error?.userFixable) return null;
    return error.explanation ?? `The agent stopped with an error (${error.kind}): ${error.message}`;
  }

  /** An operator retried after an agent error: the next delivery goes out whatever it said. */
  retryAfterAgentError(): void {
    const live = this.#s.live;
    if (live?.readiness === 'error') {
      const { error: _fixed, ...rest } = live;
      this.#s.live = { ...rest, readiness: 'busy', status: 'retrying' };
    }
  }

  /** A task parked on an agent error a person had to fix, now that Coder says it is fixed. */
  canResumeAfterAgentError(): boolean {
    return (
      this.parked &&
      this.#s.failedOnAgentError === true &&
      this.#s.live !== null &&
      this.#s.live !== undefined &&
      this.blockingError() === null
    );
  }

  /**
   * Validates, de-duplicates and queues one event or operator message. With `commands`, a
   * comment whose body is an `/agent` command is held for the control lane instead of the
   * agent (an edited one is dropped: a command acts once, when it is posted).
   */
  accept(raw: unknown, commands = false): AcceptResult {
    const parsed = checkTaskEvent(raw);
    if (!parsed.ok) {
      this.#s.counts.rejected++;
      return { outcome: 'invalid', reason: parsed.reason };
    }
    const event = parsed.value;
    const issueRepository = event.issueRepository ?? event.repository;
    if (event.issueNumber !== this.issueNumber || !sameRepo(issueRepository, this.repository)) {
      this.#s.counts.rejected++;
      return {
        outcome: 'foreign',
        reason: `event for ${issueRepository.owner}/${issueRepository.name}#${event.issueNumber} reached ${this.repository.owner}/${this.repository.name}#${this.issueNumber}`,
      };
    }
    return this.enqueue(event, commands);
  }

  enqueue(item: InboxItem, commands = false): AcceptResult {
    if (this.#seen.has(item.deliveryId)) {
      this.#s.counts.duplicates++;
      return { outcome: 'duplicate' };
    }
    this.#remember(item.deliveryId);
    if (this.#closeRequested || this.#s.phase === 'closed') return { outcome: 'closed' };
    this.#s.counts.accepted++;
    if (item.kind === 'issue.closed') {
      this.requestClose(`issue closed by ${item.sender.login}`);
      return { outcome: 'accepted', item };
    }
    const parsed = commands && item.kind === 'comment.posted' ? parseAgentCommand(item.body) : null;
    if (
      commands &&
      item.kind === 'comment.posted' &&
      item.source === 'review_comment' &&
      this.reviewCommentSent(item.commentId)
    ) {
      // It reached the agent inside its review's message already.
      return { outcome: 'folded', item };
    }
    if (parsed && item.kind === 'comment.posted') {
      if (!item.edited) {
        this.#s.commands = [
          ...(this.#s.commands ?? []),
          {
            installationId: item.installationId,
            repository: item.repository,
            commentId: item.commentId,
            source: item.source,
            author: item.author.login,
            parsed,
          },
        ];
      }
      return { outcome: 'command', item };
    }
    this.#s.inbox.push(item);
    if (item.kind === 'comment.posted') {
      this.#s.pendingReactions.push({
        installationId: item.installationId,
        repository: item.repository,
        commentId: item.commentId,
        source: item.source,
      });
    }
    return { outcome: 'accepted', item };
  }

  requestClose(reason: string): void {
    if (this.#closeRequested) return;
    this.#closeRequested = true;
    this.#closeReason = reason;
  }

  #remember(deliveryId: string): void {
    this.#seen.add(deliveryId);
    this.#s.recentDeliveries.push(deliveryId);
    while (this.#s.recentDeliveries.length > RECENT_DELIVERIES_LIMIT) {
      const dropped = this.#s.recentDeliveries.shift();
      if (dropped !== undefined) this.#seen.delete(dropped);
    }
  }

  /** True when the head of the inbox can be worked on now. */
  hasWork(): boolean {
    return this.#s.inbox.length > 0 && !this.parked && this.#s.paused !== true;
  }

  // --- Fleet controls: pause, commands, slots, stuck reminders. ---

  get paused(): boolean {
    return this.#s.paused === true;
  }

  /** Returns false when the task was paused already. */
  pause(): boolean {
    if (this.#s.paused === true) return false;
    this.#s.paused = true;
    this.#s.statusRefresh = true;
    return true;
  }

  /** Returns false when the task was not paused. */
  unpause(): boolean {
    if (this.#s.paused !== true) return false;
    this.#s.paused = false;
    this.#s.statusRefresh = true;
    return true;
  }

  /** Asks the control lane to rewrite the status comment now. */
  refreshStatus(): void {
    this.#s.statusRefresh = true;
  }

  /** Takes the status refresh request, if any. */
  takeStatusRefresh(): boolean {
    const wanted = this.#s.statusRefresh === true;
    this.#s.statusRefresh = false;
    return wanted;
  }

  /** Pops the oldest command comment. */
  nextCommand(): PendingCommand | undefined {
    const [head, ...rest] = this.#s.commands ?? [];
    this.#s.commands = rest;
    return head;
  }

  /** Whether this command gets a reply now (at most one per kind per window); records it. */
  replyDue(parsed: ParsedCommand, nowMs: number): boolean {
    const due = commandReplyDue(this.#s.commandReplies ?? {}, parsed, nowMs);
    this.#s.commandReplies = due.log;
    return due.reply;
  }

  /** A slot of `scope` is about to be asked for (recorded first: a lost answer still releases). */
  slotAsked(scope: string): void {
    if (this.#slot(scope)) return;
    this.#s.slots = [...(this.#s.slots ?? []), { scope, granted: false, ahead: null }];
  }

  /** The answer to an acquire, or a `slotGranted`/`slotQueue` signal: grants are final. */
  slotAnswered(scope: string, answer: { granted: true } | { granted: false; ahead: number }): void {
    const slot = this.#slot(scope);
    if (!slot || slot.granted) return;
    if (answer.granted) {
      slot.granted = true;
      slot.ahead = null;
    } else if (slot.ahead === null || answer.ahead < slot.ahead) {
      slot.ahead = Math.max(0, Math.floor(answer.ahead));
    }
  }

  slotOf(scope: string): Readonly<SlotHold> | undefined {
    return this.#slot(scope);
  }

  /** Forgets every slot; returns the scopes to release. */
  releaseSlots(): string[] {
    const scopes = (this.#s.slots ?? []).map((slot) => slot.scope);
    this.#s.slots = [];
    return scopes;
  }

  #slot(scope: string): SlotHold | undefined {
    return this.#s.slots?.find((slot) => slot.scope === scope);
  }

  /**
   * The `stuck-tasks` schedule says the task is stuck in `phase` since `since`. Returns true
   * when a reminder is due: the first for this stuck period, while the task is still in it.
   */
  stuck(phase: string, since: string): boolean {
    if (phase !== this.#s.phase || since === this.#s.remindedSince) return false;
    if (this.#closeRequested) return false;
    this.#s.remindedSince = since;
    this.#s.pendingReminder = { phase, since };
    return true;
  }

  /** True when a review waits in the inbox. */
  hasQueuedReview(): boolean {
    return this.#s.inbox.some((i) => i.kind === 'comment.posted' && i.source === 'review');
  }

  reviewCommentSent(commentId: number): boolean {
    return this.#s.sentReviewComments?.includes(commentId) === true;
  }

  /**
   * These review comments reached the agent (in their review's message, or alone): the ones
   * still queued are dropped, later arrivals are too, and a review fetched later leaves them out.
   */
  reviewCommentsSent(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const sent = new Set(ids);
    this.#s.inbox = this.#s.inbox.filter(
      (i) =>
        !(i.kind === 'comment.posted' && i.source === 'review_comment' && sent.has(i.commentId)),
    );
    const kept = [...(this.#s.sentReviewComments ?? []), ...ids];
    this.#s.sentReviewComments = kept.slice(-RECENT_DELIVERIES_LIMIT);
  }

  /** Takes the reminder to post, if any. */
  takeReminder(): { phase: string; since: string } | null {
    const reminder = this.#s.pendingReminder ?? null;
    this.#s.pendingReminder = null;
    return reminder;
  }

  /** Removes and returns the consecutive deliverables at the head of the inbox, in order. */
  takeDeliverableRun(max: number): Deliverable[] {
    const run: Deliverable[] = [];
    while (run.length < max) {
      const head = this.#s.inbox[0];
      if (!head || !isDeliverable(head)) break;
      run.push(head);
      this.#s.inbox.shift();
    }
    return run;
  }

  /** Puts items back at the head, e.g. after a delivery that failed. */
  requeueFront(items: InboxItem[]): void {
    this.#s.inbox.unshift(...items);
  }

  snapshot(): TaskSnapshot {
    const { inbox, pendingReactions: _r, recentDeliveries, ...rest } = this.#s;
    return {
      ...structuredCloneState(rest as CarriedState),
      taskName: this.taskName,
      repository: this.repository,
      issueNumber: this.issueNumber,
      closeRequested: this.#closeRequested,
      pending: inbox.map((item) => ({ kind: item.kind, deliveryId: item.deliveryId })),
      recentDeliveryCount: recentDeliveries.length,
    };
  }

  carry(): CarriedState {
    const carried = structuredCloneState(this.#s);
    carried.runs += 1;
    if (this.#closeRequested) carried.phase = 'closing';
    return carried;
  }
}

/** JSON round trip: the state is plain JSON by design, and this keeps it honest. */
function structuredCloneState<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
