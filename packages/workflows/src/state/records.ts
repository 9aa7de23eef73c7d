/**
 * The records the lifecycle's parts keep inside `CarriedState`: why a task is parked, an
 * outage of Coder, the counts, the cost, the shepherd's ledger, the status comment, the
 * `/agent` commands and the concurrency slots. Plain JSON, carried whole.
 */
import type { CommentSource, Repository } from '@code-factory/events';
import type { ParsedCommand } from '@code-factory/messages';

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
