/**
 * `GET <chats mount>/watch`: Coder's chat watch stream, per coderd/exp_chats.go `watchChats`
 * (C1 004053e8) and codersdk/chats.go ChatWatchEvent: a WebSocket of one JSON object per frame
 * (not an array, unlike the per-chat `/stream`), sent only to connections of the chat's owner
 * (ChatWatchEventChannel(chat.OwnerID)), no initial snapshot; `chat.diff_status` only on
 * diff_status_change (chatWatchEventSDKChat), with 2.39's `changed_diff_status` (codersdk
 * ChatWatchEvent.ChangedDiffStatus, coder.com's "Watch chat events" reference).
 *
 * The upgrade request first goes through the Hono app (auth, call log, faults, release mounts),
 * so a watch connection is recorded and refused like any other request.
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeContext } from '../http-fake';
import type { ChatEventDetail, ChatRecord, ChatsState, ChatWatchEventKind } from './chats-state';
import { coderError } from './http';
import type { CoderUser } from './state';

/** Close code for cutStreams(): 1011 "internal error", what a crashing replica looks like. */
const CUT_CODE = 1011;

interface Connection {
  ws: WebSocket;
  userId: string;
}

export class WatchHub {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #connections = new Set<Connection>();
  /** Upgrade requests (built by #onUpgrade) the app granted, with the user they act as. */
  readonly #grants = new WeakMap<Request, CoderUser>();
  readonly #upgradeRequests = new WeakSet<Request>();
  #refusing = false;
  #refuseTimer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: () => void;

  constructor(
    chats: ChatsState,
    /** The whole frame: `{ kind, chat, ... }`. */
    private readonly frameOf: (
      kind: ChatWatchEventKind,
      chat: ChatRecord,
      detail: ChatEventDetail,
    ) => object,
  ) {
    this.#unsubscribe = chats.onEvent((kind, chat, detail) => this.#publish(kind, chat, detail));
  }

  /** The Hono handler of `GET <mount>/watch`, after auth and the chats middleware. */
  handle(c: FakeContext, user: CoderUser): Response {
    if (!this.#upgradeRequests.has(c.req.raw)) {
      c.header('Connection', 'Upgrade');
      c.header('Upgrade', 'websocket');
      return coderError(c, 426, 'Failed to accept websocket.', {
        detail: 'WebSocket protocol violation: Connection header does not contain Upgrade',
      });
    }
    if (this.#refusing) {
      return coderError(c, 503, 'Watch stream unavailable.', {
        detail: 'The fake refuses watch connections (cutStreams).',
      });
    }
    this.#grants.set(c.req.raw, user);
    return c.body(null, 200);
  }

  /** Wires the node server's `upgrade` event to the app and the WebSocket server. */
  attach(server: Server, fetch: (request: Request) => Response | Promise<Response>): void {
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      this.#onUpgrade(req, socket, head, fetch).catch(() => socket.destroy());
    });
  }

  connections(): number {
    return this.#connections.size;
  }

  /** Closes every open watch socket (1011); while `refuseForMs` runs, upgrades get 503. */
  cut(opts: { refuseForMs?: number } = {}): void {
    for (const { ws } of this.#connections) ws.close(CUT_CODE, 'watch stream cut');
    this.#connections.clear();
    this.restore();
    if (opts.refuseForMs && opts.refuseForMs > 0) {
      this.#refusing = true;
      this.#refuseTimer = setTimeout(() => this.restore(), opts.refuseForMs);
      this.#refuseTimer.unref();
    }
  }

  restore(): void {
    this.#refusing = false;
    clearTimeout(this.#refuseTimer);
    this.#refuseTimer = undefined;
  }

  /** Terminates every socket and stops listening for events (server close). */
  close(): void {
    this.restore();
    for (const { ws } of this.#connections) ws.terminate();
    this.#connections.clear();
    this.#unsubscribe();
    this.#wss.close();
  }

  async #onUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    fetch: (request: Request) => Response | Promise<Response>,
  ): Promise<void> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
    });
    this.#upgradeRequests.add(request);
    const response = await fetch(request);
    const user = this.#grants.get(request);
    if (!user || response.status !== 200) {
      const body = await response.text();
      const lines = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
      response.headers.forEach((value, name) => {
        if (name !== 'content-length' && name !== 'connection') lines.push(`${name}: ${value}`);
      });
      lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body);
      socket.end(lines.join('\r\n'));
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = { ws, userId: user.id };
      this.#connections.add(connection);
      ws.on('close', () => this.#connections.delete(connection));
      ws.on('error', () => this.#connections.delete(connection));
    });
  }

  #publish(kind: ChatWatchEventKind, chat: ChatRecord, detail: ChatEventDetail): void {
    let frame: string | undefined;
    for (const { ws, userId } of this.#connections) {
      if (userId !== chat.ownerId || ws.readyState !== ws.OPEN) continue;
      frame ??= JSON.stringify(this.frameOf(kind, chat, detail));
      ws.send(frame);
    }
  }
}
