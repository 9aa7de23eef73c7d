/**
 * Following the chats the product started, by push.
 *
 * Coder pushes chat changes on `GET <chats>/watch`, a WebSocket that sends one
 * `{ kind, chat }` object per frame (coderd watchChats; kinds `status_change`,
 * `diff_status_change`, `summary_change`, `action_required`, ...). It carries only the chats
 * the connected user owns and no initial snapshot. A chat created for the requester belongs
 * to them, so there is one stream per chat owner, opened as that owner (the token the
 * backend minted for them); the requester's other chats on it are ignored.
 *
 * While an owner's stream is down, that owner's followed chats are polled instead; on every
 * (re)connect they are read once, since nothing is replayed. Updates are reported only when
 * something the product shows changed, so a flapping stream does not repeat itself.
 */
import WebSocket from 'ws';
import {
  ChatSchema,
  type CoderAgentsBackend,
  type CoderChat,
  chatReadiness,
} from './agents-backend';
import type { AgentError, AgentPullRequest, Readiness } from './backend';

export interface FollowedChat {
  chatId: string;
  /** The workflow ID. */
  taskName: string;
  /** The chat's owner (Coder user id); absent: the service's own user. */
  ownerId?: string;
}

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
  summary?: string;
  /** How the product learnt it: the stream, or a poll while the stream was down. */
  via: 'push' | 'poll';
}

export interface ChatFollowerOptions {
  backend: CoderAgentsBackend;
  onUpdate(update: ChatUpdate): void | Promise<void>;
  /** Poll interval for an owner whose stream is down. */
  pollMs: number;
  /** First reconnect delay; doubles up to `maxReconnectMs`. */
  reconnectMs?: number;
  maxReconnectMs?: number;
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
}

export interface FollowerHealth {
  followed: number;
  streamsUp: number;
  streamsDown: number;
  pushed: number;
  polled: number;
}

const SELF = 'self';

export class ChatFollower {
  private readonly followed = new Map<string, FollowedChat>();
  private readonly streams = new Map<string, OwnerStream>();
  private readonly lastSent = new Map<string, string>();
  private readonly known = new Map<string, Pick<ChatUpdate, 'pullRequest' | 'summary'>>();
  /** Reports of one chat run one after the other, so its workflow sees them in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;
  private pushed = 0;
  private polled = 0;

  constructor(private readonly options: ChatFollowerOptions) {}

  /** Replaces the set of followed chats; new ones are read at once, streams follow owners. */
  setFollowed(chats: FollowedChat[]): void {
    if (this.stopped) return;
    const next = new Map(chats.map((chat) => [chat.chatId, chat]));
    const added = chats.filter((chat) => !this.followed.has(chat.chatId));
    for (const id of this.followed.keys()) {
      if (!next.has(id)) {
        this.followed.delete(id);
        this.lastSent.delete(id);
        this.known.delete(id);
      }
    }
    for (const chat of added) this.followed.set(chat.chatId, chat);
    const owners = new Set([...this.followed.values()].map(ownerKey));
    for (const [key, stream] of this.streams) {
      if (!owners.has(key)) this.closeStream(stream);
    }
    for (const chat of added) {
      const stream = this.streams.get(ownerKey(chat));
      if (stream?.up) void this.read(chat, 'push');
    }
    for (const key of owners) {
      if (!this.streams.has(key)) this.openStream(key, key === SELF ? undefined : key);
    }
  }

  health(): FollowerHealth {
    const streams = [...this.streams.values()];
    return {
      followed: this.followed.size,
      streamsUp: streams.filter((s) => s.up).length,
      streamsDown: streams.filter((s) => !s.up).length,
      pushed: this.pushed,
      polled: this.polled,
    };
  }

  stop(): void {
    this.stopped = true;
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
      for (const chat of this.followed.values()) {
        if (ownerKey(chat) === stream.key) void this.read(chat, 'push');
      }
    });
    socket.on('message', (data) => this.onFrame(data.toString()));
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
      for (const chat of this.followed.values()) {
        if (ownerKey(chat) === stream.key) await this.read(chat, 'poll');
      }
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

  private async read(chat: FollowedChat, via: 'push' | 'poll'): Promise<void> {
    try {
      const found = await this.options.backend.getChat({ id: chat.chatId, ownerId: chat.ownerId });
      if (via === 'poll') this.polled++;
      if (found) await this.enqueue(found, chat.taskName, via, true);
    } catch (err) {
      this.log('warn', 'could not read a followed chat', { chatId: chat.chatId, error: `${err}` });
    }
  }

  private onFrame(text: string): void {
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
    const chat = parsed.data;
    // Only the chats this deployment follows: the owner's other chats, and chats another
    // deployment started for them, are none of our business. A chat followed a moment after
    // its first events is read once when it is added.
    const taskName = this.followed.get(chat.id)?.taskName;
    if (!taskName) return;
    this.pushed++;
    // Only diff events carry `diff_status`; elsewhere its absence means "unchanged".
    void this.enqueue(chat, taskName, 'push', kind === 'diff_status_change');
  }

  private enqueue(
    chat: CoderChat,
    taskName: string,
    via: 'push' | 'poll',
    diffIsAuthoritative: boolean,
  ): Promise<void> {
    const previous = this.chains.get(chat.id) ?? Promise.resolve();
    const next = previous.then(() => this.report(chat, taskName, via, diffIsAuthoritative));
    this.chains.set(chat.id, next);
    void next.finally(() => {
      if (this.chains.get(chat.id) === next) this.chains.delete(chat.id);
    });
    return next;
  }

  private async report(
    chat: CoderChat,
    taskName: string,
    via: 'push' | 'poll',
    diffIsAuthoritative: boolean,
  ): Promise<void> {
    const status = chatReadiness(chat);
    const known = this.known.get(chat.id) ?? {};
    const pullRequest =
      diffIsAuthoritative || status.pullRequest ? status.pullRequest : known.pullRequest;
    const summary = status.summary ?? known.summary;
    this.known.set(chat.id, {
      ...(pullRequest ? { pullRequest } : {}),
      ...(summary ? { summary } : {}),
    });
    const update: ChatUpdate = {
      chatId: chat.id,
      taskName,
      status: chat.status,
      readiness: status.readiness,
      archived: chat.archived,
      ...(status.error ? { error: status.error } : {}),
      ...(pullRequest ? { pullRequest } : {}),
      ...(summary ? { summary } : {}),
      via,
    };
    const { via: _via, ...content } = update;
    const fingerprint = JSON.stringify(content);
    if (this.lastSent.get(chat.id) === fingerprint) return;
    this.lastSent.set(chat.id, fingerprint);
    try {
      await this.options.onUpdate(update);
    } catch (err) {
      // Reported again on the next change or read.
      this.lastSent.delete(chat.id);
      this.log('warn', 'could not hand a chat update on', { chatId: chat.id, error: `${err}` });
    }
  }

  private log(level: 'info' | 'warn', message: string, attrs?: Record<string, unknown>) {
    this.options.log?.(level, message, attrs);
  }
}

function ownerKey(chat: FollowedChat): string {
  return chat.ownerId ?? SELF;
}
