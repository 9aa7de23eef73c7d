/**
 * The task's state as data: what a run knows, carried whole into the next run at
 * continue-as-new (`CarriedState`, version 2), and what the `state` query shows.
 */
import type {
  CommentPosted,
  CommentSource,
  IssueAssigned,
  Repository,
  TaskEvent,
} from '@code-factory/events';
import type { CommandReplyLog, ParsedCommand } from '@code-factory/messages';
import type { AgentLiveStatus, AgentRef, Backend } from '../activities';

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
   * when Coder is back (a timer's try, or an `agentUpdate`). Never `failed` for this.
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

/** A message the service writes to the agent itself (a merge conflict, a branch behind). */
export interface ShepherdNoteItem {
  kind: 'shepherd.note';
  deliveryId: string;
  receivedAt: string;
  title: string;
  text: string;
}

/**
 * A mention of the agent in the issue's body (a new issue, or an edit that adds it) that
 * reached a task whose agent was started already: forwarded like a comment.
 */
export interface MentionItem {
  kind: 'mention.posted';
  deliveryId: string;
  receivedAt: string;
  author: string;
  association?: string;
  line: string;
  url: string;
  edited: boolean;
}

/**
 * A comment from outside the trust list that a trusted commenter let through: who did, and
 * about how many updates reached the agent while it was held although written after it.
 */
export interface ApprovalNote {
  by: string;
  overtaken: number;
}

/** A comment as the inbox keeps it: one that was held carries its approval. */
export type InboxComment = CommentPosted & { approval?: ApprovalNote };

/**
 * A comment or review from outside the trust list, kept until `/agent approve` or `/agent deny`
 * (`state/held.ts`).
 */
export interface HeldItem {
  comment: CommentPosted;
  /**
   * `counts.forwardedItems` plus the deliverables that waited before it when it was held:
   * forwarded items beyond this mark arrived after it (the approval's `overtaken`).
   */
  forwardedMark: number;
}

export type InboxItem =
  | Exclude<TaskEvent, { kind: 'comment.posted' }>
  | InboxComment
  | OperatorMessage
  | ShepherdNoteItem
  | MentionItem;

const DELIVERABLE_KINDS = [
  'comment.posted',
  'ci.failed',
  'operator.message',
  'pr.dequeued',
  'shepherd.note',
  'mention.posted',
] as const;

/** Items that become text for the agent. */
export type Deliverable = Extract<InboxItem, { kind: (typeof DELIVERABLE_KINDS)[number] }>;

export function isDeliverable(item: InboxItem): item is Deliverable {
  return (DELIVERABLE_KINDS as readonly string[]).includes(item.kind);
}

/** What the task learnt while shepherding its pull requests (shown on the status comment). */
export interface ShepherdState {
  /** CI jobs that failed and passed when re-run, newest last (at most MAX_FLAKES). */
  flakes: Array<{ job: string; workflow: string; runId: number }>;
  /** The merge conflict the status comment shows until a push makes the pull request clean. */
  conflict: { pullRequest: number; base: string; sha: string } | null;
  /** `<pull request>@<base sha>` the agent was told about (one message per base commit). */
  told: string[];
  /** The review threads of the agent's pull request, as last read. */
  threads: { open: number; resolved: number } | null;
  /** The open threads the agent was last nudged about (their ids, sorted, comma-separated) and when (ms). */
  nudged: { key: string; at: number } | null;
  /** Since when (ms) the pull request waits for a review: first seen, or its latest review. */
  reviewClockFrom: number | null;
  /** Who was asked to review (once per pull request), or null. */
  reviewRequested: { pullRequest: number; reviewers: string[]; at: number } | null;
  /** Since when (ms) the agent waits for a person in Coder (`requires_action`); null: it does not. */
  blockedSince: number | null;
  /** The `blockedSince` the assigner was reminded of (one reminder per wait). */
  waitingReminded: number | null;
  /** The latest activity (ms): an event taken or an agent update. */
  lastActivityAt: number | null;
}

export type FailedStep = 'start' | 'deliver';

/** Why the task is parked: the step that failed, and what a person reads about it. */
export interface Failure {
  step: FailedStep;
  message: string;
  /**
   * `agent`: the agent reported an error a person must fix (it goes on by itself once Coder
   * clears it); `call`: a call failed (it waits for `retry`); `coder`: Coder did not answer;
   * `cost`: the issue reached its cost limit (it waits for `/agent budget` or `retry`).
   */
  cause: 'agent' | 'call' | 'coder' | 'cost';
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

export interface Counts {
  accepted: number;
  duplicates: number;
  rejected: number;
  forwardedMessages: number;
  forwardedItems: number;
  skipped: number;
  /** Clean-up calls at close that failed after their retries (the task closed anyway). */
  cleanupFailures: number;
  /** `agentUpdate` signals taken (status, pull request, summary changes). */
  agentUpdates: number;
}

// cost
/** What one agent of the issue cost, as Coder last reported it (micro-dollars). */
export interface AgentSpend {
  chatId: string;
  totalMicros: number;
  requests: number;
  unpriced: number;
}

/** What the issue cost over every agent it had, and its cost limit (issue 27, part 3). */
export interface IssueCost {
  /** The spend of the issue's earlier agents (released, restarted), summed. */
  earlier: { totalMicros: number; requests: number; unpriced: number };
  /** The current agent's spend as last read; null: no reading (yet, or no cost data). */
  current: AgentSpend | null;
  /** The limit `/agent budget` set for this issue (micro-dollars); null: the repository's. */
  limitMicros: number | null;
  /** The agent is to be interrupted (the issue just reached its limit); the budget lane does it. */
  stopDue: boolean;
  /** The limit the issue was told it reached (one notice per limit); null: none. */
  toldLimitMicros: number | null;
  /** Agent pull requests whose merge was counted in `code_factory_merged_pr_cost_micros`. */
  mergedCounted: string[];
}
// end cost

/** The one status comment on the issue, and how current it is. */
export interface StatusComment {
  /** GitHub's id once the comment exists. */
  id: number | null;
  /** Bumped by every change the live view shows (an agent update, Coder down or back). */
  revision: number;
  /** The revision the comment shows; behind `revision` means a live edit is due. */
  shownRevision: number;
  /** When it last showed live progress (workflow time, ms): edits are throttled from it. */
  shownAt: number | null;
  /** Whether it shows the task paused; unlike `paused`, a refresh is due. */
  shownPaused: boolean;
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

/** The version `CarriedState` has now; older inputs are upgraded by `upgradeCarried`. */
export const CARRIED_VERSION = 2;

/**
 * Everything that survives continue-as-new, as one record: every field is there. Worker
 * settings are not in it (each run asks the worker, `taskSettings`), nor anything the other
 * fields imply (a live edit due, a refresh due, why the task is parked).
 */
export interface CarriedState {
  version: typeof CARRIED_VERSION;
  phase: Phase;
  backend: Backend | null;
  agent: AgentRef | null;
  assignment: IssueAssigned | null;
  /** Why the agent is not the requester's (owner fallback), shown on the status comment. */
  ownerNote: string | null;
  failure: Failure | null;
  /** Coder stopped answering: since when, and the next try. Cleared by its first answer. */
  coderDown: CoderDown | null;
  pullRequestUrl: string | null;
  /** Runs before this one (continue-as-new). */
  runs: number;
  counts: Counts;
  inbox: InboxItem[];
  pendingReactions: ReactionRequest[];
  recentDeliveries: string[];
  /** Review comments the agent got already (in their review's message or alone); bounded. */
  sentReviewComments: number[];
  /** What Coder last pushed about the agent (pushed agents only). */
  live: AgentLiveStatus | null;
  /** An update that arrived before the start-up step learnt which chat is the agent. */
  earlyUpdate: (AgentLiveStatus & { chatId: string }) | null;
  statusComment: StatusComment;
  /** Operators paused the task: events are accepted and kept, nothing is forwarded. */
  paused: boolean;
  /** `/agent` commands taken from comments, handled in order by the control lane. */
  commands: PendingCommand[];
  /** When each kind of command reply was last posted (the flood rule). */
  commandReplies: CommandReplyLog;
  /** Concurrency slots asked for, in the order taken (repository first, then installation). */
  slots: SlotHold[];
  /** The stuck period (`since`) a reminder was posted for; one reminder per period. */
  remindedSince: string | null;
  shepherd: ShepherdState;
  /** A reminder to post (from the `stuck-tasks` schedule). */
  pendingReminder: { phase: string; since: string } | null;
  // held input (version 2)
  /** Comments and reviews from outside the trust list waiting for approval, oldest first. */
  held: HeldItem[];
  /** Held items dropped, oldest first, because more than MAX_HELD waited. */
  heldDropped: number;
  /** What the status comment shows of the held items (`heldKey`); behind them, a refresh is due. */
  heldShown: string;
  // end held input
  // cost
  /** What the issue cost so far and its cost limit (version 2). */
  cost: IssueCost;
  // end cost
}

/** What the `state` query shows: the record without bodies, and what it implies spelt out. */
export interface TaskSnapshot
  extends Omit<CarriedState, 'inbox' | 'pendingReactions' | 'recentDeliveries' | 'held'> {
  taskName: string;
  repository: Repository;
  issueNumber: number;
  closeRequested: boolean;
  /** Kinds and delivery ids of what waits, in order (bodies stay out of queries). */
  pending: { kind: InboxItem['kind']; deliveryId: string }[];
  /** What waits for approval, oldest first (bodies stay out of queries). */
  held: { author: string; url: string; source: CommentSource; deliveryId: string }[];
  recentDeliveryCount: number;
  failedStep: FailedStep | null;
  lastError: string | null;
  /** The status comment does not show the latest live progress yet. */
  liveDirty: boolean;
}

export type AcceptResult =
  | { outcome: 'accepted'; item: InboxItem }
  /** An `/agent` command: held for the control lane, never forwarded. */
  | { outcome: 'command'; item: InboxItem }
  /** A review comment its review's message carried already. */
  | { outcome: 'folded'; item: InboxItem }
  /** From outside the trust list: kept until a trusted commenter approves or denies it. */
  | { outcome: 'held'; item: InboxItem }
  /** From outside the trust list where nothing can hold it (no agent; a run before `held-input`). */
  | { outcome: 'untrusted' }
  | { outcome: 'duplicate' | 'closed' }
  | { outcome: 'invalid' | 'foreign'; reason: string };

/** What `started` learns when the agent exists. */
export interface AgentStarted {
  agent: AgentRef;
  ownerNote?: string;
}

/** A read-only view of the state: the workflow reads it, only transitions write it. */
export type StateView = DeepReadonly<CarriedState>;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
