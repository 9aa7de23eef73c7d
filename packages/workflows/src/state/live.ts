/**
 * What Coder pushes about a running agent (its status, error, pull requests, latest summary)
 * and how current the status comment is about it.
 */
import type { AgentLiveStatus } from '../activities';
import type { CarriedState } from './types';

/** Coder's `last_error.kind` values that mean a budget or usage limit (chaterror). */
export const BUDGET_ERROR_KINDS: readonly string[] = ['usage_limit'];

/** Pull requests of one agent kept at most (a chat tracks one per branch it pushed). */
const MAX_PULL_REQUESTS = 20;

const READINESS = new Set(['ready', 'busy', 'starting', 'paused', 'error', 'blocked', 'gone']);

type Update = Partial<AgentLiveStatus & { chatId: string }>;

export class LiveProgress {
  constructor(private readonly s: CarriedState) {}

  /**
   * Takes an `agentUpdate` for the current agent; anything else (malformed, another chat) is
   * refused with a reason. An update that comes before the start-up step knows the chat is
   * kept (the newest one) until it does.
   */
  observe(raw: unknown): { taken: true } | { taken: false; reason: string } {
    const update = raw as Update | null;
    if (!update || typeof update !== 'object' || typeof update.chatId !== 'string') {
      return { taken: false, reason: 'malformed update' };
    }
    if (typeof update.status !== 'string' || !READINESS.has(String(update.readiness))) {
      return { taken: false, reason: 'update without a known status' };
    }
    if (!this.s.agent && this.s.phase === 'starting') {
      this.s.earlyUpdate = { ...plainStatus(update as AgentLiveStatus), chatId: update.chatId };
      return { taken: false, reason: 'held until the agent is known' };
    }
    if (this.s.agent?.id !== update.chatId) {
      return { taken: false, reason: 'update for another agent' };
    }
    this.#set(update as AgentLiveStatus);
    this.s.counts.agentUpdates++;
    this.changed();
    return { taken: true };
  }

  /**
   * The agent's status once it is known: an update pushed meanwhile is newer than what the
   * start-up step saw, so it wins.
   */
  adopt(status: AgentLiveStatus | undefined): void {
    const early = this.s.earlyUpdate;
    this.s.earlyUpdate = null;
    if (early && early.chatId === this.s.agent?.id) {
      const { chatId: _id, ...live } = early;
      this.#set(live);
      this.s.counts.agentUpdates++;
    } else if (status) {
      this.#set(status);
    }
  }

  #set(status: AgentLiveStatus): void {
    this.s.live = plainStatus(status);
    if (this.s.live.pullRequest) this.s.pullRequestUrl = this.s.live.pullRequest.url;
  }

  /** The plain-words reason the agent cannot take messages now, if a person must act. */
  blockingError(): string | null {
    const error = this.s.live?.readiness === 'error' ? this.s.live.error : undefined;
    if (!error?.userFixable) return null;
    return error.explanation ?? `The agent stopped with an error (${error.kind}): ${error.message}`;
  }

  /** The agent's current error is a budget or usage limit. */
  budgetExhausted(): boolean {
    const live = this.s.live;
    return live?.readiness === 'error' && BUDGET_ERROR_KINDS.includes(live.error?.kind ?? '');
  }

  /** A person says the agent's error is fixed: the next delivery goes out whatever it said. */
  forgetError(): void {
    const live = this.s.live;
    if (live?.readiness === 'error') {
      const { error: _fixed, ...rest } = live;
      this.s.live = { ...rest, readiness: 'busy', status: 'retrying' };
    }
  }

  // --- The status comment ---

  /** Something the live view shows changed: a live edit is due. */
  changed(): void {
    this.s.statusComment.revision++;
  }

  get liveEditDue(): boolean {
    const c = this.s.statusComment;
    return c.revision !== c.shownRevision;
  }

  /** A rewrite is due: the comment does not show whether the task is paused. */
  get refreshDue(): boolean {
    const c = this.s.statusComment;
    return c.id !== null && c.shownPaused !== this.s.paused;
  }

  commentWritten(id: number): void {
    this.s.statusComment.id = id;
  }

  /** The comment is about to show the live view as of `at` (and the pause as it is now). */
  liveShown(at: number): void {
    const c = this.s.statusComment;
    c.shownRevision = c.revision;
    c.shownAt = at;
    c.shownPaused = this.s.paused;
  }

  /** The comment is about to be rewritten from what the task knows now. */
  refreshed(): void {
    this.s.statusComment.shownPaused = this.s.paused;
  }
}

/** The agent's status with plain, bounded fields only: signal input is not trusted. */
function plainStatus(status: AgentLiveStatus): AgentLiveStatus {
  const error = status.error;
  const pulls = Array.isArray(status.pullRequests)
    ? status.pullRequests.slice(0, MAX_PULL_REQUESTS).flatMap(plainPullRequest)
    : [];
  const pullRequest = plainPullRequest(status.pullRequest)[0];
  return {
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
    ...(pullRequest ? { pullRequest } : {}),
    ...(pulls.length > 1 ? { pullRequests: pulls } : {}),
    ...(typeof status.summary === 'string' ? { summary: status.summary.slice(0, 2_000) } : {}),
  };
}

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
