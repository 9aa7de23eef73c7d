/**
 * The task's state as data: what a run knows, carried whole into the next run at
 * continue-as-new (`CarriedState`, version 3), and what the `state` query shows. The items
 * of its inbox are in `items.ts`, the records its parts keep in `records.ts`.
 */
import type { CommentSource, IssueAssigned, Repository } from '@code-factory/events';
import type { CommandReplyLog, Regression } from '@code-factory/messages';
import type { AgentLiveStatus, AgentRef, Backend } from '../activities';
import type { FollowState } from './follow';
import type { HeldItem, InboxItem } from './items';
import type {
  CoderDown,
  Counts,
  FailedStep,
  Failure,
  IssueCost,
  PendingCommand,
  ReactionRequest,
  ShepherdState,
  SlotHold,
  StatusComment,
} from './records';

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
  /**
   * Closed after its agent's pull request merged: the agent is cleaned up, and the branch it
   * merged into is watched for a while (follow-through). A regression starts a new agent.
   */
  | 'following'
  | 'closed';

/** The version `CarriedState` has now; older inputs are upgraded by `upgradeCarried`. */
export const CARRIED_VERSION = 3;

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
  // follow-through (version 3)
  /** The watch of the branch the agent's pull request merged into (phase `following`). */
  follow: FollowState | null;
  /** The regression a new agent starts with, until it has started. */
  followUp: Regression | null;
  /** Merge commits watched already (newest last, bounded): a later close does not watch them again. */
  followed: string[];
  // end follow-through
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
  /** Nothing to do with it now (a merge not watched; while watching, anything but a start). */
  | { outcome: 'ignored'; reason: string }
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
