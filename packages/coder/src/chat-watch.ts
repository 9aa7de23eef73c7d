/**
 * Following the chats the product started, by push.
 *
 * Coder pushes chat changes on `GET <chats>/watch`, a WebSocket that sends one
 * `{ kind, chat }` object per frame (coderd watchChats; kinds `status_change`,
 * `diff_status_change`, `summary_change`, `action_required`, ...). It carries only the chats
 * the connected user owns and no initial snapshot. A chat created for the requester belongs
 * to them, so there is one stream per chat owner, opened as that owner (the token the
 * backend minted for them).
 *
 * Which chats are ours comes from the chats themselves: every chat the product creates carries
 * the workflow ID in its `code-factory/task` label, and the chat in each frame carries
 * its labels (chatd publishChatPubsubEvent → db2sdk.Chat). So the follower is told only which
 * owners to follow; the owner's other chats (no such label) are ignored.
 *
 * While an owner's stream is down, that owner's labelled chats are listed every poll interval;
 * on every (re)connect they are listed once, since nothing is replayed. Updates are reported
 * only when something the product shows changed, so a flapping stream does not repeat itself.
 */
import WebSocket from 'ws';
import {
  type AgentCost,
  ChatSchema,
  type CoderAgentsBackend,
  type CoderChat,
  chatReadiness,
  TASK_LABEL,
} from './agents-backend';
import type { AgentError, AgentPullRequest, Readiness } from './backend';

/** What the workflow learns about its agent: small, plain JSON. */
export interface ChatUpdate {
  chatId: string;
  taskName: string;
  /** Coder's chat status (`waiting`, `running`, `requires_action`, `error`, ...). */
  status: string;
  readiness: Readiness;
  archived: boolean;
  error?: AgentError;
  pullRequest?: AgentPullRequest;
  /** Every pull request, when the agent opened more than one (Coder v2.39). */
  pullRequests?: AgentPullRequest[];
  summary?: string;
  /**
   * What the chat (its whole tree) cost so far, as last read (`GET <chats>/{chat}/cost`, read
   * when a turn ends, at most once per `costIntervalMs`); absent where Coder has no cost data.
   */
  cost?: AgentCost;
  /** How the product learnt it: the stream, or a poll while the stream was down. */
  via: 'push' | 'poll';
}

export interface ChatFollowerOptions {
  backend: CoderAgentsBackend;
  /**
   * Hands an update on. Answering `not-ours` (no such workflow: another deployment's chat, or
   * an issue closed meanwhile) mutes that chat for `muteMs`.
   */
  onUpdate(update: ChatUpdate): unknown;
  /**
   * How long a chat answered `not-ours` stays muted (default one minute: short, since an issue
   * reopened after a terminated run adopts its old chat and must hear it again soon).
   */
  muteMs?: number;
  now?: () => number;
  /** Updates handed on at once (default 32); each chat's newer states replace older unsent ones. */
  maxInFlight?: number;
  /** Poll interval for an owner whose stream is down. */
  pollMs: number;
  /** First reconnect delay; doubles up to `maxReconnectMs`. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /**
   * A chat's cost is read when a turn ends, at most once per this many milliseconds (the status
   * comment's interval: a cost read more often could not be shown). Default 30 s.
   */
  costIntervalMs?: number;
  log?(level: 'info' | 'warn', message: string, attrs?: Record<string, unknown>): void;
}

interface OwnerStream {
  key: string;
  ownerId: string | undefined;
  socket: WebSocket | null;
  up: boolean;
  connecting: boolean;
  backoffMs: number;
  reconnectTimer: NodeJS.Timeout | null;
  pollTimer: NodeJS.Timeout | null;
  /** Labelled chats of this owner seen unarchived (a sweep reads those missing from its list). */
  chats: Set<string>;
}

export interface FollowerHealth {
  /** Owners whose streams are held. */
  owners: number;
  /** Labelled chats seen since the holder started (archived ones dropped). */
  chats: number;
  streamsUp: number;
  streamsDown: number;
  pushed: number;
  polled: number;
}

/** The owner key of the service's own Coder user (the workflow's `SELF_OWNER`). */
export const SELF = 'self';
/** Chats muted at most; the oldest are unmuted first. */
const MAX_MUTED = 50_000;
/** How soon after a turn starts the chat is read to learn whether it waits for a slot. */
const CAPACITY_FIRST_READ_MS = 500;
/** A chat's cost is read at most this often by default. */
const COST_INTERVAL_MS = 30_000;
/** Updates handed on at once (default); the rest wait, only the newest per chat. */
const MAX_IN_FLIGHT = 32;

export class ChatFollower {
  private readonly owners = new Set<string>();
  private readonly streams = new Map<string, OwnerStream>();
  private readonly lastSent = new Map<string, string>();
  private readonly known = new Map<
    string,
    Pick<ChatUpdate, 'pullRequest' | 'pullRequests' | 'summary'>
  >();
  /** Chats no workflow takes, until when (ms). */
  private readonly muted = new Map<string, number>();
  /** The newest unsent update of each chat, oldest chat first. */
  private readonly latest = new Map<string, ChatUpdate>();
  /**
   * Running chats read by ID to learn whether Coder holds them for an agent slot (only such a
   * read says so), and the timer of the next read while it does.
   */
  private readonly capacityReads = new Map<string, NodeJS.Timeout>();
  /** Each chat's cost as last read, when it last was (ms), and the timer of the next read. */
  private readonly costs = new Map<string, AgentCost>();
  private readonly costReadAt = new Map<string, number>();
  private readonly costReads = new Map<string, NodeJS.Timeout>();
  /** Chats Coder has no cost for (no route, no AI Gateway, refused): not asked again. */
  private readonly noCost = new Set<string>();
  /** The update last built for each chat (a cost read sends it again with the cost). */
  private readonly lastBuilt = new Map<string, ChatUpdate>();
  /** The status each chat was last seen in. */
  private readonly statusOf = new Map<string, string>();
  /** Chats whose update is being handed on (one at a time per chat, so in order). */
  private readonly sending = new Set<string>();
  private inFlight = 0;
  private stopped = false;
  private pushed = 0;
  private polled = 0;

  constructor(private readonly options: ChatFollowerOptions) {}

  /** Replaces the set of owners followed (`self` for the service's own user). */
  setOwners(owners: Iterable<string>): void {
    if (this.stopped) return;
    const next = new Set(owners);
    for (const [key, stream] of this.streams) {
      if (!next.has(key)) {
        this.owners.delete(key);
        this.closeStream(stream);
      }
    }
    for (const key of next) {
      if (this.owners.has(key)) continue;
      this.owners.add(key);
      this.openStream(key, key === SELF ? undefined : key);
    }
  }

  health(): FollowerHealth {
    const streams = [...this.streams.values()];
    return {
      owners: this.owners.size,
      chats: this.lastSent.size,
      streamsUp: streams.filter((s) => s.up).length,
      streamsDown: streams.filter((s) => !s.up).length,
      pushed: this.pushed,
      polled: this.polled,
    };
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.capacityReads.values()) clearTimeout(timer);
    this.capacityReads.clear();
    for (const timer of this.costReads.values()) clearTimeout(timer);
    this.costReads.clear();
    for (const stream of this.streams.values()) this.closeStream(stream);
  }

  private openStream(key: string, ownerId: string | undefined): void {
    const stream: OwnerStream = {
      key,
      ownerId,
      socket: null,
      up: false,
      connecting: false,
      backoffMs: this.options.reconnectMs ?? 500,
      reconnectTimer: null,
      pollTimer: null,
      chats: new Set(),
    };
    this.streams.set(key, stream);
    this.startPolling(stream);
    void this.connect(stream);
  }

  private async connect(stream: OwnerStream): Promise<void> {
    if (this.stopped || stream.connecting || this.streams.get(stream.key) !== stream) return;
    stream.connecting = true;
    let socket: WebSocket;
    try {
      const http = await this.options.backend.actingAs(stream.ownerId);
      // Stopped or closed while the token was read: opening now would leak a stream that
      // nothing closes (a holder's attempt ending just as it connects).
      if (this.stopped || this.streams.get(stream.key) !== stream) {
        stream.connecting = false;
        return;
      }
      const url = `${http.baseUrl.replace(/^http/, 'ws')}${this.options.backend.chatsPath}/watch`;
      socket = new WebSocket(url, { headers: { 'Coder-Session-Token': http.token } });
    } catch (err) {
      stream.connecting = false;
      this.log('warn', 'could not open the chat stream', { owner: stream.key, error: `${err}` });
      this.scheduleReconnect(stream);
      return;
    }
    stream.socket = socket;
    socket.on('open', () => {
      stream.connecting = false;
      stream.up = true;
      stream.backoffMs = this.options.reconnectMs ?? 500;
      this.stopPolling(stream);
      this.log('info', 'chat stream up', { owner: stream.key });
      // Nothing is replayed on connect: read what changed while the stream was away.
      void this.sweep(stream, 'push');
    });
    socket.on('message', (data) => this.onFrame(stream, data.toString()));
    socket.on('unexpected-response', (_req, res) => {
      this.log('warn', 'chat stream refused', { owner: stream.key, status: res.statusCode });
      socket.terminate();
    });
    socket.on('error', () => {
      // 'close' follows; the reconnect happens there.
    });
    socket.on('close', () => {
      stream.connecting = false;
      const wasUp = stream.up;
      stream.up = false;
      stream.socket = null;
      if (this.stopped || this.streams.get(stream.key) !== stream) return;
      if (wasUp)
        this.log('warn', 'chat stream down; polling until it is back', { owner: stream.key });
      this.startPolling(stream);
      this.scheduleReconnect(stream);
    });
  }

  private scheduleReconnect(stream: OwnerStream): void {
    if (this.stopped || stream.reconnectTimer) return;
    const wait = stream.backoffMs;
    stream.backoffMs = Math.min(wait * 2, this.options.maxReconnectMs ?? 10_000);
    stream.reconnectTimer = setTimeout(() => {
      stream.reconnectTimer = null;
      void this.connect(stream);
    }, wait);
    stream.reconnectTimer.unref?.();
  }

  private startPolling(stream: OwnerStream): void {
    if (stream.pollTimer || this.stopped) return;
    const tick = async () => {
      if (stream.up || this.stopped) {
        stream.pollTimer = null;
        return;
      }
      await this.sweep(stream, 'poll');
      if (!stream.up && !this.stopped && this.streams.get(stream.key) === stream) {
        stream.pollTimer = setTimeout(tick, this.options.pollMs);
        stream.pollTimer.unref?.();
      } else {
        stream.pollTimer = null;
      }
    };
    stream.pollTimer = setTimeout(tick, 0);
  }

  private stopPolling(stream: OwnerStream): void {
    if (stream.pollTimer) clearTimeout(stream.pollTimer);
    stream.pollTimer = null;
  }

  private closeStream(stream: OwnerStream): void {
    this.streams.delete(stream.key);
    this.stopPolling(stream);
    if (stream.reconnectTimer) clearTimeout(stream.reconnectTimer);
    stream.reconnectTimer = null;
    stream.socket?.removeAllListeners();
    stream.socket?.on('error', () => {});
    stream.socket?.terminate();
    stream.socket = null;
    stream.up = false;
  }

  /** Lists the owner's labelled chats and reports each (unchanged ones are not repeated). */
  private async sweep(stream: OwnerStream, via: 'push' | 'poll'): Promise<void> {
    try {
      const chats = await this.options.backend.listLabelledChats(TASK_LABEL, stream.ownerId);
      if (via === 'poll') this.polled += chats.length;
      const listed = new Set<string>();
      for (const chat of chats) {
        listed.add(chat.id);
        this.take(chat, via, true, stream);
      }
      // The list holds unarchived chats only: one seen before and missing now was archived
      // (by hand, while no stream carried its frame) or deleted. Read each to tell its workflow.
      for (const id of [...stream.chats]) {
        if (!listed.has(id)) await this.readMissing(stream, id, via);
      }
    } catch (err) {
      this.log('warn', 'could not list the chats of an owner', {
        owner: stream.key,
        error: `${err}`,
      });
    }
  }

  private async readMissing(stream: OwnerStream, id: string, via: 'push' | 'poll') {
    const chat = await this.options.backend.getChat({ id, ownerId: stream.ownerId });
    if (!chat?.labels?.[TASK_LABEL]) {
      // Gone from Coder, or no longer labelled as ours: nothing left to report.
      stream.chats.delete(id);
      this.forget(id);
      return;
    }
    this.take(chat, via, true, stream);
  }

  private onFrame(stream: OwnerStream, text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.log('warn', 'chat stream sent a frame that is not JSON');
      return;
    }
    const kind = (frame as { kind?: unknown } | null)?.kind;
    const parsed = ChatSchema.safeParse((frame as { chat?: unknown } | null)?.chat);
    if (!parsed.success) return;
    // Only diff events carry `diff_status`; elsewhere its absence means "unchanged".
    this.take(parsed.data, 'push', kind === 'diff_status_change', stream);
  }

  /** Reports a chat if it is one of ours: labelled, and not muted. */
  private take(
    chat: CoderChat,
    via: 'push' | 'poll',
    diffIsAuthoritative: boolean,
    stream: OwnerStream,
  ): void {
    const taskName = chat.labels?.[TASK_LABEL];
    if (!taskName) return;
    if (chat.archived) stream.chats.delete(chat.id);
    else stream.chats.add(chat.id);
    const until = this.muted.get(chat.id);
    if (until !== undefined) {
      if (until > this.now()) return;
      this.muted.delete(chat.id);
    }
    if (via === 'push') this.pushed++;
    const before = this.statusOf.get(chat.id);
    this.statusOf.set(chat.id, chat.status);
    if (
      chat.status === 'running' &&
      before !== 'running' &&
      chat.queued_for_capacity === undefined
    ) {
      // A turn starts: Coder may hold it for a free agent slot, which only a read by ID says.
      this.readCapacity(stream, chat.id, CAPACITY_FIRST_READ_MS);
    }
    // A turn ended: what it cost is known now (Coder pushes no cost; it is read).
    if (before === 'running' && chat.status !== 'running') this.readCost(stream, chat.id);
    // Only the newest state of a chat waits to be sent: while Temporal is slow to take
    // signals, a chat's older states are dropped instead of piling up as calls in flight.
    const update = this.build(chat, taskName, via, diffIsAuthoritative);
    this.lastBuilt.set(chat.id, update);
    this.latest.set(chat.id, update);
    this.pump();
  }

  /** What the workflow should know of the chat now (pull request and summary carried over). */
  private build(
    chat: CoderChat,
    taskName: string,
    via: 'push' | 'poll',
    diffIsAuthoritative: boolean,
  ): ChatUpdate {
    const status = chatReadiness(chat);
    const known = this.known.get(chat.id) ?? {};
    const pullRequest =
      diffIsAuthoritative || status.pullRequest ? status.pullRequest : known.pullRequest;
    const pullRequests =
      diffIsAuthoritative || status.pullRequests ? status.pullRequests : known.pullRequests;
    const summary = status.summary ?? known.summary;
    const cost = this.costs.get(chat.id);
    this.known.set(chat.id, {
      ...(pullRequest ? { pullRequest } : {}),
      ...(pullRequests ? { pullRequests } : {}),
      ...(summary ? { summary } : {}),
    });
    return {
      chatId: chat.id,
      taskName,
      status: status.state ?? chat.status,
      readiness: status.readiness,
      archived: chat.archived,
      ...(status.error ? { error: status.error } : {}),
      ...(pullRequest ? { pullRequest } : {}),
      ...(pullRequests ? { pullRequests } : {}),
      ...(summary ? { summary } : {}),
      ...(cost ? { cost: { ...cost } } : {}),
      via,
    };
  }

  /** Sends waiting updates, at most `maxInFlight` at once and one per chat, in order. */
  private pump(): void {
    for (const [id, update] of this.latest) {
      if (this.stopped || this.inFlight >= (this.options.maxInFlight ?? MAX_IN_FLIGHT)) return;
      if (this.sending.has(id)) continue;
      this.latest.delete(id);
      const { via: _via, ...content } = update;
      const fingerprint = JSON.stringify(content);
      if (this.lastSent.get(id) === fingerprint) continue;
      this.lastSent.set(id, fingerprint);
      this.inFlight++;
      this.sending.add(id);
      void this.send(update, fingerprint).finally(() => {
        this.inFlight--;
        this.sending.delete(id);
        this.pump();
      });
    }
  }

  private async send(update: ChatUpdate, fingerprint: string): Promise<void> {
    try {
      const outcome = await this.options.onUpdate(update);
      if (outcome === 'not-ours' || update.archived) this.forget(update.chatId);
      if (outcome === 'not-ours') this.mute(update.chatId);
    } catch (err) {
      // Reported again on the next change or read.
      if (this.lastSent.get(update.chatId) === fingerprint) this.lastSent.delete(update.chatId);
      this.log('warn', 'could not hand a chat update on', {
        chatId: update.chatId,
        error: `${err}`,
      });
    }
  }

  /** Reads a running chat by ID; while Coder holds it for a slot, again every poll interval. */
  private readCapacity(stream: OwnerStream, id: string, afterMs: number): void {
    if (this.stopped || this.capacityReads.has(id) || this.capacityReads.size >= MAX_MUTED) return;
    const timer = setTimeout(async () => {
      this.capacityReads.delete(id);
      if (this.stopped || this.statusOf.get(id) !== 'running') return;
      try {
        const chat = await this.options.backend.getChat({ id, ownerId: stream.ownerId });
        if (!chat) return;
        this.take(chat, 'poll', false, stream);
        if (chat.queued_for_capacity) this.readCapacity(stream, id, this.options.pollMs);
      } catch (err) {
        this.log('warn', 'could not read a running chat', { chatId: id, error: `${err}` });
      }
    }, afterMs);
    timer.unref?.();
    this.capacityReads.set(id, timer);
  }

  /**
   * Reads the chat's cost, at most once per `costIntervalMs` (a later turn end waits for the
   * interval), and sends the chat's latest update again when it changed. A Coder without cost
   * data for the chat is not asked again; a failed read is tried at the next turn end.
   */
  private readCost(stream: OwnerStream, id: string): void {
    if (this.stopped || this.noCost.has(id) || this.costReads.has(id)) return;
    if (this.costReads.size >= MAX_MUTED) return;
    const interval = this.options.costIntervalMs ?? COST_INTERVAL_MS;
    const last = this.costReadAt.get(id);
    const wait = last === undefined ? 0 : Math.max(0, last + interval - this.now());
    const timer = setTimeout(async () => {
      this.costReads.delete(id);
      if (this.stopped || !this.statusOf.has(id)) return;
      this.costReadAt.set(id, this.now());
      try {
        const cost = await this.options.backend.chatCost({ id, ownerId: stream.ownerId });
        if (!cost) {
          this.noCost.add(id);
          return;
        }
        const before = this.costs.get(id);
        if (before && JSON.stringify(before) === JSON.stringify(cost)) return;
        this.costs.set(id, cost);
        const base = this.latest.get(id) ?? this.lastBuilt.get(id);
        if (!base || !this.statusOf.has(id)) return;
        const update = { ...base, cost: { ...cost } };
        this.lastBuilt.set(id, update);
        this.latest.set(id, update);
        this.pump();
      } catch (err) {
        this.log('warn', 'could not read what a chat cost', { chatId: id, error: `${err}` });
      }
    }, wait);
    timer.unref?.();
    this.costReads.set(id, timer);
  }

  private forget(chatId: string): void {
    const costRead = this.costReads.get(chatId);
    if (costRead) clearTimeout(costRead);
    this.costReads.delete(chatId);
    this.costs.delete(chatId);
    this.costReadAt.delete(chatId);
    this.noCost.delete(chatId);
    this.lastBuilt.delete(chatId);
    this.statusOf.delete(chatId);
    const read = this.capacityReads.get(chatId);
    if (read) clearTimeout(read);
    this.capacityReads.delete(chatId);
    this.lastSent.delete(chatId);
    this.known.delete(chatId);
  }

  private mute(chatId: string): void {
    if (this.muted.size >= MAX_MUTED) {
      const oldest = this.muted.keys().next().value;
      if (oldest !== undefined) this.muted.delete(oldest);
    }
    this.muted.set(chatId, this.now() + (this.options.muteMs ?? 60_000));
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private log(level: 'info' | 'warn', message: string, attrs?: Record<string, unknown>) {
    this.options.log?.(level, message, attrs);
  }
}
