import { randomUUID } from 'node:crypto';

/** codersdk.ChatStatus as the docs list it (SPEC 3). */
export type CoderChatStatus = 'waiting' | 'pending' | 'running' | 'error' | 'requires_action';

export interface ChatTimings {
  /** How long a new chat reports `pending` before the agent starts. */
  chatPendingMs: number;
  /** How long the agent reports `running` for the first prompt and for each message. */
  chatRunningMs: number;
}

/** codersdk.ChatDiffStatus fields the fake keeps. */
export interface ChatDiff {
  url: string;
  pull_request_state: string | null;
}

interface ChatPhase {
  at: number;
  status: CoderChatStatus;
}

export interface ChatMessageRecord {
  id: number;
  text: string;
  sentAt: number;
  /** The chat was busy when the message arrived, so Coder queued it. */
  queued: boolean;
  /** When the agent takes it; undefined while it waits with no end in sight. */
  deliveredAt?: number;
}

export interface ChatRecord {
  id: string;
  ownerId: string;
  organizationId: string;
  title: string;
  labels: Record<string, string>;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  modelConfigId: string;
  timeline: ChatPhase[];
  /** User messages, the first prompt included, in the order they were sent. */
  messages: ChatMessageRecord[];
  diff: ChatDiff | null;
}

const BUSY: ReadonlySet<CoderChatStatus> = new Set(['pending', 'running']);

/**
 * Coder Agents chats of the fake deployment. Like tasks, a chat's status is computed from its
 * timeline on read; queued messages extend the timeline instead of waking a timer.
 */
export class ChatsState {
  readonly chats = new Map<string, ChatRecord>();
  timings: ChatTimings;
  private nextMessageId = 1;

  constructor(
    timings: ChatTimings,
    readonly now: () => number,
  ) {
    this.timings = timings;
  }

  create(input: {
    ownerId: string;
    organizationId: string;
    text: string;
    labels: Record<string, string>;
  }): ChatRecord {
    const now = this.now();
    const { chatPendingMs, chatRunningMs } = this.timings;
    const chat: ChatRecord = {
      id: randomUUID(),
      ownerId: input.ownerId,
      organizationId: input.organizationId,
      title: input.text.split('\n')[0]?.slice(0, 80) || 'New Chat',
      labels: { ...input.labels },
      archived: false,
      createdAt: now,
      updatedAt: now,
      modelConfigId: randomUUID(),
      timeline: [
        { at: now, status: 'pending' },
        { at: now + chatPendingMs, status: 'running' },
        { at: now + chatPendingMs + chatRunningMs, status: 'waiting' },
      ],
      messages: [],
      diff: null,
    };
    chat.messages.push(this.message(input.text, now, false, now + chatPendingMs));
    this.chats.set(chat.id, chat);
    return chat;
  }

  status(chat: ChatRecord): { status: CoderChatStatus; since: number } {
    const now = this.now();
    let current: ChatPhase = chat.timeline[0] ?? { at: chat.createdAt, status: 'waiting' };
    for (const phase of chat.timeline) {
      if (phase.at > now) break;
      current = phase;
    }
    return { status: current.status, since: current.at };
  }

  /** POST .../messages: queued while the agent is busy, delivered now otherwise. */
  send(chat: ChatRecord, text: string): ChatMessageRecord {
    const now = this.now();
    chat.updatedAt = now;
    const { chatRunningMs } = this.timings;
    if (BUSY.has(this.status(chat).status)) {
      const last = chat.timeline.at(-1);
      // Busy with no planned end (forced by setChatStatus): the message waits indefinitely.
      const busyUntil = last && last.status === 'waiting' && last.at > now ? last.at : undefined;
      const message = this.message(text, now, true, busyUntil);
      if (busyUntil !== undefined) {
        chat.timeline.pop();
        chat.timeline.push(
          { at: busyUntil, status: 'running' },
          { at: busyUntil + chatRunningMs, status: 'waiting' },
        );
      }
      chat.messages.push(message);
      return message;
    }
    const message = this.message(text, now, false, now);
    chat.messages.push(message);
    this.plan(chat, [
      { afterMs: 0, status: 'running' },
      { afterMs: chatRunningMs, status: 'waiting' },
    ]);
    return message;
  }

  /** Queued messages the agent has not taken yet. */
  queued(chat: ChatRecord): ChatMessageRecord[] {
    const now = this.now();
    return chat.messages.filter(
      (m) => m.queued && (m.deliveredAt === undefined || m.deliveredAt > now),
    );
  }

  /** Stops the current turn; queued messages then run one after the other, else `waiting`. */
  interrupt(chat: ChatRecord): void {
    const now = this.now();
    const pending = this.queued(chat);
    const { chatRunningMs } = this.timings;
    chat.timeline = chat.timeline.filter((p) => p.at < now);
    pending.forEach((message, i) => {
      message.deliveredAt = now + i * chatRunningMs;
      chat.timeline.push({ at: message.deliveredAt, status: 'running' });
    });
    chat.timeline.push({ at: now + pending.length * chatRunningMs, status: 'waiting' });
    chat.updatedAt = now;
  }

  /** Forces a status from now on; queued messages stay queued until something else runs them. */
  force(chat: ChatRecord, status: CoderChatStatus): void {
    for (const message of this.queued(chat)) message.deliveredAt = undefined;
    this.plan(chat, [{ afterMs: 0, status }]);
  }

  private plan(chat: ChatRecord, phases: Array<{ afterMs: number; status: CoderChatStatus }>) {
    const now = this.now();
    chat.timeline = chat.timeline.filter((p) => p.at < now);
    for (const { afterMs, status } of phases) chat.timeline.push({ at: now + afterMs, status });
    chat.updatedAt = now;
  }

  private message(
    text: string,
    sentAt: number,
    queued: boolean,
    deliveredAt: number | undefined,
  ): ChatMessageRecord {
    return { id: this.nextMessageId++, text, sentAt, queued, deliveredAt };
  }
}
