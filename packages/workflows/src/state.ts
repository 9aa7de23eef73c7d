/**
 * The task lifecycle as a plain domain object: the workflow's handlers only call into it.
 * No Temporal APIs here, so it is unit-tested directly and carried across continue-as-new.
 */
import type { CommentSource, IssueAssigned, Repository, TaskEvent } from '@code-factory/events';
import { sameRepo } from '@code-factory/naming';
import type { AgentLiveStatus, AgentRef, Backend } from './activities';
import { checkTaskEvent } from './guards';

export type Phase =
  | 'requested'
  | 'starting'
  | 'ready'
  | 'working'
  | 'failed'
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
  | { outcome: 'duplicate' | 'closed' }
  | { outcome: 'invalid' | 'foreign'; reason: string };

export const RECENT_DELIVERIES_LIMIT = 500;

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

export class TaskLifecycle {
  readonly state: CarriedState;
  closeRequested = false;
  closeReason = '';
  private readonly seen: Set<string>;

  constructor(
    readonly taskName: string,
    readonly repository: Repository,
    readonly issueNumber: number,
    carried?: CarriedState,
  ) {
    this.state = carried ? structuredCloneState(carried) : emptyState();
    this.seen = new Set(this.state.recentDeliveries);
    // A close that was pending when the previous run continued as new is still pending.
    if (this.state.phase === 'closing') this.requestClose('carried over');
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
    if (!this.state.agent && this.state.phase === 'starting') {
      // Coder can push before the start-up step has recorded the chat: keep the newest.
      this.setLive(update as AgentLiveStatus);
      this.state.earlyUpdate = { ...(this.state.live as AgentLiveStatus), chatId: update.chatId };
      this.state.live = null;
      return { taken: false, reason: 'held until the agent is known' };
    }
    if (this.state.agent?.id !== update.chatId) {
      return { taken: false, reason: 'update for another agent' };
    }
    this.setLive(update as AgentLiveStatus);
    this.state.counts.agentUpdates = (this.state.counts.agentUpdates ?? 0) + 1;
    this.state.liveDirty = true;
    return { taken: true };
  }

  /** Records the agent's status (plain fields only: signal input is not trusted). */
  setLive(status: AgentLiveStatus): void {
    const error = status.error;
    const pr = status.pullRequest;
    this.state.live = {
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
      ...(pr && typeof pr === 'object' && typeof pr.url === 'string'
        ? {
            pullRequest: {
              url: pr.url.slice(0, 500),
              ...(typeof pr.number === 'number' ? { number: pr.number } : {}),
              ...(typeof pr.state === 'string' ? { state: pr.state.slice(0, 20) } : {}),
            },
          }
        : {}),
      ...(typeof status.summary === 'string' ? { summary: status.summary.slice(0, 2_000) } : {}),
    };
    if (this.state.live.pullRequest) this.state.pullRequestUrl = this.state.live.pullRequest.url;
  }

  /**
   * The agent's status once it is known: an update pushed meanwhile is newer than what the
   * start-up step saw, so it wins.
   */
  adoptStatus(status: AgentLiveStatus | undefined): void {
    const early = this.state.earlyUpdate;
    this.state.earlyUpdate = null;
    if (early && early.chatId === this.state.agent?.id) {
      const { chatId: _id, ...live } = early;
      this.setLive(live);
      this.state.counts.agentUpdates = (this.state.counts.agentUpdates ?? 0) + 1;
    } else if (status) {
      this.setLive(status);
    }
  }

  /** The plain-words reason the agent cannot take messages now, if a person must act. */
  blockingError(): string | null {
    const error = this.state.live?.readiness === 'error' ? this.state.live.error : undefined;
    if (!error?.userFixable) return null;
    return error.explanation ?? `The agent stopped with an error (${error.kind}): ${error.message}`;
  }

  /** An operator retried after an agent error: the next delivery goes out whatever it said. */
  retryAfterAgentError(): void {
    const live = this.state.live;
    if (live?.readiness === 'error') {
      const { error: _fixed, ...rest } = live;
      this.state.live = { ...rest, readiness: 'busy', status: 'retrying' };
    }
  }

  /** A task parked on an agent error a person had to fix, now that Coder says it is fixed. */
  canResumeAfterAgentError(): boolean {
    return (
      this.state.phase === 'failed' &&
      this.state.failedOnAgentError === true &&
      this.state.live !== null &&
      this.state.live !== undefined &&
      this.blockingError() === null
    );
  }

  /** Validates, de-duplicates and queues one event or operator message. */
  accept(raw: unknown): AcceptResult {
    const parsed = checkTaskEvent(raw);
    if (!parsed.ok) {
      this.state.counts.rejected++;
      return { outcome: 'invalid', reason: parsed.reason };
    }
    const event = parsed.value;
    if (event.issueNumber !== this.issueNumber || !sameRepo(event.repository, this.repository)) {
      this.state.counts.rejected++;
      return {
        outcome: 'foreign',
        reason: `event for ${event.repository.owner}/${event.repository.name}#${event.issueNumber} reached ${this.repository.owner}/${this.repository.name}#${this.issueNumber}`,
      };
    }
    return this.enqueue(event);
  }

  enqueue(item: InboxItem): AcceptResult {
    if (this.seen.has(item.deliveryId)) {
      this.state.counts.duplicates++;
      return { outcome: 'duplicate' };
    }
    this.remember(item.deliveryId);
    if (this.closeRequested || this.state.phase === 'closed') return { outcome: 'closed' };
    this.state.counts.accepted++;
    if (item.kind === 'issue.closed') {
      this.requestClose(`issue closed by ${item.sender.login}`);
      return { outcome: 'accepted', item };
    }
    this.state.inbox.push(item);
    if (item.kind === 'comment.posted') {
      this.state.pendingReactions.push({
        installationId: item.installationId,
        repository: item.repository,
        commentId: item.commentId,
        source: item.source,
      });
    }
    return { outcome: 'accepted', item };
  }

  requestClose(reason: string): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    this.closeReason = reason;
  }

  private remember(deliveryId: string): void {
    this.seen.add(deliveryId);
    this.state.recentDeliveries.push(deliveryId);
    while (this.state.recentDeliveries.length > RECENT_DELIVERIES_LIMIT) {
      const dropped = this.state.recentDeliveries.shift();
      if (dropped !== undefined) this.seen.delete(dropped);
    }
  }

  /** True when the head of the inbox can be worked on now. */
  hasWork(): boolean {
    return this.state.inbox.length > 0 && this.state.phase !== 'failed';
  }

  /** Removes and returns the consecutive deliverables at the head of the inbox, in order. */
  takeDeliverableRun(max: number): Deliverable[] {
    const run: Deliverable[] = [];
    while (run.length < max) {
      const head = this.state.inbox[0];
      if (!head || !isDeliverable(head)) break;
      run.push(head);
      this.state.inbox.shift();
    }
    return run;
  }

  /** Puts items back at the head, e.g. after a delivery that failed. */
  requeueFront(items: InboxItem[]): void {
    this.state.inbox.unshift(...items);
  }

  setPhase(phase: Phase): void {
    this.state.phase = phase;
  }

  fail(step: FailedStep, message: string, onAgentError = false): void {
    this.state.phase = 'failed';
    this.state.failedStep = step;
    this.state.lastError = message;
    this.state.failedOnAgentError = onAgentError;
  }

  snapshot(): TaskSnapshot {
    const { inbox, pendingReactions: _r, recentDeliveries, ...rest } = this.state;
    return {
      ...structuredCloneState(rest as CarriedState),
      taskName: this.taskName,
      repository: this.repository,
      issueNumber: this.issueNumber,
      closeRequested: this.closeRequested,
      pending: inbox.map((item) => ({ kind: item.kind, deliveryId: item.deliveryId })),
      recentDeliveryCount: recentDeliveries.length,
    };
  }

  carry(): CarriedState {
    const carried = structuredCloneState(this.state);
    carried.runs += 1;
    if (this.closeRequested) carried.phase = 'closing';
    return carried;
  }
}

/** JSON round trip: the state is plain JSON by design, and this keeps it honest. */
function structuredCloneState<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
