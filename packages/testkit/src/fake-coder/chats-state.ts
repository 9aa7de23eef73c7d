/**
 * Coder Agents chats of the fake deployment: the chat state machine of coderd/x/chatd
 * ARCHITECTURE.md (C1 004053e8) reduced to what a client can observe.
 *
 * - Statuses are codersdk/chats.go ChatStatus after #27064: waiting, running, interrupting,
 *   requires_action, error (no pending/paused/completed).
 * - Create → running; a turn ends in waiting, or runs the queue head when messages are queued
 *   (FinishTurn); a failed turn lands in error with last_error (FinishError); sending to waiting
 *   or error starts a turn and clears last_error; sending to a busy chat queues.
 * - Interrupt (exp_chats.go interruptChat): running → interrupting → waiting (or the queue head
 *   runs); requires_action → running (the turn goes on without the pending tool calls).
 * - Usage limits: after #27329 there is no synchronous 409; the AI Gateway budget rejection is
 *   classified by chaterror (kind usage_limit, retryable false) and the turn fails.
 * - Capacity (codersdk Chat.queued_for_capacity, "waiting for a concurrent agent slot"): with a
 *   capacity set, a turn that starts while that many chats hold a slot keeps the chat `running`
 *   but does not progress until a slot frees (oldest first).
 * - Pull requests: a chat tracks one ChatDiffStatus per git ref (2.39 `diff_statuses`, keyed by
 *   `remote_origin` + `git_branch`); the primary (`diff_status`) is the one reported last.
 *
 * A transition planned for later (the end of a turn, of an interrupt) is applied by a timer at
 * its time so the watch stream can push it promptly, and also on any read that finds it due, so
 * a hand-driven clock (`now`) works as well.
 */
import { randomUUID } from 'node:crypto';

/** codersdk.ChatStatus */
export type CoderChatStatus = 'waiting' | 'running' | 'interrupting' | 'requires_action' | 'error';

export interface ChatTimings {
  /** How long a turn (the first prompt, each message) keeps the chat `running`. */
  chatRunningMs: number;
  /** How long an interrupted chat reports `interrupting` before it lands. */
  interruptMs: number;
}

/** codersdk.ChatError */
export interface ChatError {
  message: string;
  kind?: string;
  retryable: boolean;
  detail?: string;
}

/** codersdk.ChatDiffStatus without `chat_id` (added when rendered). */
export interface ChatDiff {
  url?: string;
  pull_request_state?: string;
  pull_request_title: string;
  pull_request_draft: boolean;
  changes_requested: boolean;
  approved: boolean;
  pr_number?: number;
  additions: number;
  deletions: number;
  changed_files: number;
  head_branch?: string;
  base_branch?: string;
  /** The ref this status belongs to (2.39). */
  git_branch?: string;
  remote_origin?: string;
}

/** The Chats API cost of a chat tree (2.39 `GET /chats/{chat}/cost`). */
export interface ChatCost {
  totalCostMicros: number;
  requestCount: number;
  unpricedRequestCount: number;
}

/** codersdk.ChatWatchEventKind (context_dirty is not modelled). */
export type ChatWatchEventKind =
  | 'created'
  | 'status_change'
  | 'diff_status_change'
  | 'summary_change'
  | 'chat_summary_change'
  | 'title_change'
  | 'action_required'
  | 'deleted';

export interface ChatMessageRecord {
  id: number;
  text: string;
  sentAt: number;
  /** The chat was busy when the message arrived, so Coder queued it. */
  queued: boolean;
  /** When a turn took it; undefined while it waits in the queue. */
  deliveredAt?: number;
  /** The user id that sent it (`created_by`). */
  createdBy: string;
}

export interface ChatRecord {
  id: string;
  ownerId: string;
  organizationId: string;
  workspaceId: string | null;
  title: string;
  labels: Record<string, string>;
  archived: boolean;
  clientType: 'ui' | 'api';
  createdAt: number;
  updatedAt: number;
  modelConfigId: string;
  status: CoderChatStatus;
  lastError: ChatError | null;
  lastTurnSummary: string | null;
  summary: string | null;
  /** Every ref's diff status, in the order first reported; the last reported is the primary. */
  diffs: ChatDiff[];
  primaryDiff: ChatDiff | null;
  /** The 2.39 Coder Project the chat belongs to. */
  projectId: string | null;
  cost: ChatCost;
  /** Running but waiting for a concurrent agent slot (no progress until one frees). */
  queuedForCapacity: boolean;
  /** User messages, the first prompt included, in the order they were sent. */
  messages: ChatMessageRecord[];
  /** Queued messages not taken by a turn yet, oldest first. */
  queue: ChatMessageRecord[];
  /** The message the current turn works on. */
  turn: ChatMessageRecord | null;
  /** The next time-driven transition; null when the status holds until something happens. */
  planned: { at: number; outcome: 'finish' | 'fail' | 'interrupted' } | null;
}

/** What an event says beyond the chat: the ref whose diff status changed. */
export interface ChatEventDetail {
  changedDiff?: ChatDiff;
}

type Listener = (kind: ChatWatchEventKind, chat: ChatRecord, detail: ChatEventDetail) => void;

const USAGE_LIMIT_ERROR: ChatError = {
  kind: 'usage_limit',
  retryable: false,
  // chaterror/message.go for kind usage_limit.
  message:
    'The usage quota for the AI provider has been exceeded. Check the billing and quota settings for the provider account.',
};
const GENERIC_ERROR: ChatError = {
  kind: 'generic',
  retryable: false,
  message: 'The agent stopped with an error.',
};
/** How long a turn runs before the AI Gateway's budget rejection fails it. */
const USAGE_LIMIT_FAIL_MS = 5;
/** Re-check delay when a timer fired before a hand-driven clock reached the transition. */
const IDLE_RECHECK_MS = 25;

const BUSY: ReadonlySet<CoderChatStatus> = new Set(['running', 'interrupting', 'requires_action']);
export const isBusy = (status: CoderChatStatus) => BUSY.has(status);

export class ChatsState {
  readonly chats = new Map<string, ChatRecord>();
  /** While true, every turn that starts fails with USAGE_LIMIT_ERROR. */
  usageLimitReached = false;
  /** Concurrent agent slots; null: unlimited. */
  #capacity: number | null = null;
  /** Chats waiting for a slot, oldest first. */
  readonly #waitingForSlot: ChatRecord[] = [];
  readonly #listeners = new Set<Listener>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #disposed = false;
  #nextMessageId = 1;

  constructor(
    public timings: ChatTimings,
    readonly now: () => number,
  ) {}

  onEvent(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A new chat; with `text` empty (2.39) it starts idle, without a first message. */
  create(
    input: Pick<
      ChatRecord,
      'ownerId' | 'organizationId' | 'workspaceId' | 'labels' | 'clientType'
    > & {
      createdBy: string;
      text: string;
      title?: string;
      projectId?: string | null;
    },
  ): ChatRecord {
    const now = this.now();
    const chat: ChatRecord = {
      id: randomUUID(),
      ownerId: input.ownerId,
      organizationId: input.organizationId,
      workspaceId: input.workspaceId,
      title: input.title ?? (input.text.split('\n')[0]?.slice(0, 80) || 'New Chat'),
      labels: { ...input.labels },
      archived: false,
      clientType: input.clientType,
      createdAt: now,
      updatedAt: now,
      modelConfigId: randomUUID(),
      status: input.text ? 'running' : 'waiting',
      lastError: null,
      lastTurnSummary: null,
      summary: null,
      diffs: [],
      primaryDiff: null,
      projectId: input.projectId ?? null,
      cost: { totalCostMicros: 0, requestCount: 0, unpricedRequestCount: 0 },
      queuedForCapacity: false,
      messages: [],
      queue: [],
      turn: null,
      planned: null,
    };
    this.chats.set(chat.id, chat);
    if (input.text) {
      const first = this.#message(input.text, input.createdBy, now, false);
      chat.messages.push(first);
      this.#startTurn(chat, first, now, true);
    }
    this.#emit('created', chat);
    return chat;
  }

  /** Sets the concurrent agent slots (null: unlimited) and admits waiting chats that now fit. */
  setCapacity(capacity: number | null): void {
    this.#capacity = capacity;
    this.#admit();
  }

  /** Chats holding a slot: busy and not waiting for one. */
  #slotsInUse(): number {
    return [...this.chats.values()].filter((c) => isBusy(c.status) && !c.queuedForCapacity).length;
  }

  /** Starts the turns of waiting chats while slots are free, oldest first. */
  #admit(): void {
    while (this.#waitingForSlot.length > 0) {
      if (this.#capacity !== null && this.#slotsInUse() >= this.#capacity) return;
      const chat = this.#waitingForSlot.shift() as ChatRecord;
      chat.queuedForCapacity = false;
      if (chat.turn && chat.status === 'running') this.#plan(chat, this.now());
    }
  }

  #leaveSlotQueue(chat: ChatRecord): void {
    chat.queuedForCapacity = false;
    const at = this.#waitingForSlot.indexOf(chat);
    if (at >= 0) this.#waitingForSlot.splice(at, 1);
  }

  /** Applies every planned transition whose time has come, then re-arms the timer. */
  settle(chat: ChatRecord, fromTimer = false): void {
    let applied = false;
    while (chat.planned && chat.planned.at <= this.now()) {
      const { at, outcome } = chat.planned;
      chat.planned = null;
      applied = true;
      this.#land(chat, at, outcome);
    }
    this.#schedule(chat, fromTimer && !applied);
  }

  settleAll(): void {
    for (const chat of this.chats.values()) this.settle(chat);
  }

  /** POST .../messages: a new turn when idle, queued while busy. */
  send(
    chat: ChatRecord,
    text: string,
    createdBy: string,
    busyBehavior: 'queue' | 'interrupt' = 'queue',
  ): ChatMessageRecord {
    this.settle(chat);
    const now = this.now();
    const busy = isBusy(chat.status);
    // Idle (waiting or error, E0/E1): the error is cleared and the queue head, if any, runs first.
    const message = this.#message(text, createdBy, now, busy || chat.queue.length > 0);
    chat.messages.push(message);
    if (message.queued) chat.queue.push(message);
    if (busy) {
      chat.updatedAt = now;
      if (busyBehavior === 'interrupt' && chat.status !== 'interrupting') this.interrupt(chat);
    } else {
      chat.lastError = null;
      this.#startTurn(chat, chat.queue.shift() ?? message, now);
    }
    return message;
  }

  /** R → I (→ waiting after interruptMs); A → R. The caller checks interruptibility. */
  interrupt(chat: ChatRecord): void {
    const now = this.now();
    this.#leaveSlotQueue(chat);
    const resume = chat.status === 'requires_action';
    chat.planned = resume
      ? { at: now + this.timings.chatRunningMs, outcome: 'finish' }
      : { at: now + this.timings.interruptMs, outcome: 'interrupted' };
    this.#setStatus(chat, resume ? 'running' : 'interrupting', now);
    this.#schedule(chat);
  }

  /** Forces a status from now on with nothing planned; queued messages stay queued. */
  force(chat: ChatRecord, status: CoderChatStatus, error?: ChatError): void {
    this.settle(chat);
    this.#leaveSlotQueue(chat);
    chat.planned = null;
    if (error) chat.lastError = { ...error };
    else if (status === 'error') chat.lastError ??= GENERIC_ERROR;
    else chat.lastError = null;
    if (status === 'waiting' || status === 'error') chat.turn = null;
    chat.updatedAt = error ? this.now() : chat.updatedAt;
    this.#setStatus(chat, status, this.now());
    this.#schedule(chat);
  }

  /**
   * A git report for one ref: its status is added (or replaced, keeping its place) and becomes
   * the primary. Watch: diff_status_change naming the ref.
   */
  reportDiff(chat: ChatRecord, diff: ChatDiff): void {
    const ref = (d: ChatDiff) => `${d.remote_origin ?? ''}\n${d.git_branch ?? ''}`;
    const at = chat.diffs.findIndex((d) => ref(d) === ref(diff));
    if (at >= 0) chat.diffs[at] = diff;
    else chat.diffs.push(diff);
    chat.primaryDiff = diff;
    chat.updatedAt = this.now();
    this.#emit('diff_status_change', chat, { changedDiff: diff });
  }

  /** Replaces every ref's status (the last one is the primary); [] clears them. */
  setDiffs(chat: ChatRecord, diffs: ChatDiff[]): void {
    chat.diffs = [];
    chat.primaryDiff = null;
    for (const diff of diffs) this.reportDiff(chat, diff);
    if (diffs.length > 0) return;
    chat.updatedAt = this.now();
    this.#emit('diff_status_change', chat);
  }

  setSummary(
    chat: ChatRecord,
    change: { summary?: string | null; last_turn_summary?: string | null },
  ) {
    const fields = [
      ['summary', 'summary', 'chat_summary_change'],
      ['last_turn_summary', 'lastTurnSummary', 'summary_change'],
    ] as const;
    for (const [given, field, kind] of fields) {
      const value = change[given];
      if (value === undefined || value === chat[field]) continue;
      chat[field] = value;
      chat.updatedAt = this.now();
      this.#emit(kind, chat);
    }
  }

  setTitle(chat: ChatRecord, title: string): void {
    if (title === chat.title) return;
    chat.title = title;
    chat.updatedAt = this.now();
    this.#emit('title_change', chat);
  }

  setArchived(chat: ChatRecord, archived: boolean): void {
    chat.archived = archived;
    chat.updatedAt = this.now();
    // Unarchiving publishes nothing the research confirms; clients re-read over REST.
    if (archived) this.#emit('deleted', chat);
  }

  /** Stops every timer; the state stays readable. */
  dispose(): void {
    this.#disposed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** `fresh`: a new chat, born `running` without holding a slot yet. */
  #startTurn(chat: ChatRecord, message: ChatMessageRecord, at: number, fresh = false): void {
    message.deliveredAt = at;
    chat.turn = message;
    chat.updatedAt = at;
    const holdsSlot = !fresh && isBusy(chat.status) && !chat.queuedForCapacity;
    // A fresh chat already counts itself as busy.
    const inUse = this.#slotsInUse() - (fresh ? 1 : 0);
    const wait = !holdsSlot && this.#capacity !== null && inUse >= this.#capacity;
    this.#setStatus(chat, 'running', at);
    if (!wait) {
      this.#plan(chat, at);
      return;
    }
    chat.planned = null;
    chat.queuedForCapacity = true;
    this.#waitingForSlot.push(chat);
    this.#schedule(chat);
  }

  /** The running turn ends (or fails under a usage limit) after its time from `at`. */
  #plan(chat: ChatRecord, at: number): void {
    chat.planned = this.usageLimitReached
      ? { at: at + USAGE_LIMIT_FAIL_MS, outcome: 'fail' }
      : { at: at + this.timings.chatRunningMs, outcome: 'finish' };
    this.#schedule(chat);
  }

  #land(chat: ChatRecord, at: number, outcome: 'finish' | 'fail' | 'interrupted'): void {
    const turn = chat.turn;
    chat.turn = null;
    if (outcome === 'fail') {
      chat.lastError = { ...USAGE_LIMIT_ERROR };
      chat.updatedAt = at;
      this.#setStatus(chat, 'error', at);
      return;
    }
    const next = chat.queue.shift();
    if (next) this.#startTurn(chat, next, at);
    else this.#setStatus(chat, 'waiting', at);
    if (outcome === 'finish' && turn) {
      const firstLine = turn.text.split('\n')[0] ?? '';
      this.setSummary(chat, { last_turn_summary: `Worked on: ${firstLine.slice(0, 80)}` });
    }
  }

  #setStatus(chat: ChatRecord, status: CoderChatStatus, at: number): void {
    if (chat.status === status) return;
    const freed = isBusy(chat.status) && !isBusy(status);
    chat.status = status;
    chat.updatedAt = Math.max(chat.updatedAt, at);
    this.#emit('status_change', chat);
    if (status === 'requires_action') this.#emit('action_required', chat);
    if (freed) this.#admit();
  }

  #schedule(chat: ChatRecord, recheck = false): void {
    clearTimeout(this.#timers.get(chat.id));
    this.#timers.delete(chat.id);
    if (!chat.planned || this.#disposed) return;
    const gap = Math.max(0, chat.planned.at - this.now());
    const timer = setTimeout(
      () => {
        this.#timers.delete(chat.id);
        this.settle(chat, true);
      },
      recheck ? Math.max(gap, IDLE_RECHECK_MS) : gap,
    );
    // An in-process fake (createFakeCoder) that nobody closes must not keep the process alive.
    timer.unref();
    this.#timers.set(chat.id, timer);
  }

  #emit(kind: ChatWatchEventKind, chat: ChatRecord, detail: ChatEventDetail = {}): void {
    for (const listener of this.#listeners) listener(kind, chat, detail);
  }

  #message(text: string, createdBy: string, sentAt: number, queued: boolean): ChatMessageRecord {
    return { id: this.#nextMessageId++, text, sentAt, queued, createdBy };
  }
}
