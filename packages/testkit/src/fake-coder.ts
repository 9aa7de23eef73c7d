/**
 * A fake Coder deployment: a real HTTP server (Hono) that speaks the Coder API of a chosen
 * release (`release`, see fake-coder/release.ts), shared by tests and `pnpm dev`.
 * Auth follows coderd's apiKey middleware: `Coder-Session-Token` header or `coder_session_token`
 * query (what WebSocket clients use); the configured token acts as `tokenUser`, tokens minted
 * through `POST /api/v2/users/{user}/keys/tokens` act as their user.
 * Besides answering, it keeps a ledger of what it was made to do, so tests can assert that the
 * product leaves nothing behind and never loops: every minted key (`keys()`, revoked ones too)
 * and every authenticated request per token and path (`requestsByToken()`), under Coder's rate
 * limit (fake-coder/requests.ts).
 */
import type { Hono } from 'hono';
import {
  type ChatCost,
  type ChatDiff,
  type ChatError,
  ChatsState,
  type ChatTimings,
  type ChatWatchEventKind,
  type CoderChatStatus,
} from './fake-coder/chats-state';
import { coderError, forbidden, routeNotFound, type SiteRole } from './fake-coder/http';
import {
  type ChatProject,
  type ChatProjectSeed,
  ProjectsState,
  registerProjectRoutes,
} from './fake-coder/projects';
import { type CoderRelease, DEFAULT_RELEASE, RELEASES } from './fake-coder/release';
import {
  BYPASS_RATELIMIT_HEADER,
  DEFAULT_RATE_LIMIT,
  goDuration,
  type RateLimit,
  type RequestFilter,
  RequestLedger,
  type TokenRequest,
} from './fake-coder/requests';
import {
  type CoderChatJson,
  changedDiffJson,
  chatJson,
  registerChatRoutes,
} from './fake-coder/routes-chats';
import { registerCoreRoutes } from './fake-coder/routes-core';
import { registerKeyRoutes } from './fake-coder/routes-keys';
import { type CoderTaskJson, registerTaskRoutes, taskJson } from './fake-coder/routes-tasks';
import { registerWorkspaceRoutes } from './fake-coder/routes-workspaces';
import { requiredScope, scopesAllow } from './fake-coder/scopes';
import {
  type CoderApiToken,
  type CoderOrganization,
  CoderState,
  type CoderTaskState,
  type CoderTaskStatus,
  type CoderTemplate,
  type CoderTemplateSeed,
  type CoderTimings,
  type CoderUser,
  type CoderUserSeed,
  DEFAULT_ORG,
  DEFAULT_TEMPLATE,
} from './fake-coder/state';
import { WatchHub } from './fake-coder/watch';
import { type FakeControls, type FakeEnv, HttpFake, listen, type RunningServer } from './http-fake';

export type {
  ChatCost,
  ChatDiff,
  ChatError,
  ChatProject,
  ChatProjectSeed,
  ChatTimings,
  ChatWatchEventKind,
  CoderChatJson,
  CoderChatStatus,
  CoderOrganization,
  CoderRelease,
  CoderTaskJson,
  CoderTaskState,
  CoderTaskStatus,
  CoderTemplate,
  CoderTemplateSeed,
  CoderTimings,
  CoderUser,
  CoderUserSeed,
  RateLimit,
  RequestFilter,
  SiteRole,
  TokenRequest,
};
export { DEFAULT_ORG, DEFAULT_RATE_LIMIT, DEFAULT_RELEASE, DEFAULT_TEMPLATE, RELEASES };

/** Timings a caller may pass; `chatPendingMs` is accepted for old callers and ignored. */
export type FakeCoderTimings = Partial<
  CoderTimings &
    ChatTimings & {
      /** @deprecated Chats have no `pending` status any more (#27064); ignored. */
      chatPendingMs: number;
    }
>;

export interface FakeCoderOptions {
  /** Expected `Coder-Session-Token`; default "fake-coder-token". */
  token?: string;
  timings?: FakeCoderTimings;
  /** Port to listen on (startFakeCoder only); default 0, a free port. */
  port?: number;
  /** Clock used for task lifecycles and chat timestamps; default Date.now. */
  now?: () => number;
  /** Username the configured token belongs to; seeded as a user; default "admin". */
  tokenUser?: string;
  /** true (default): the token user is a site owner (acts for others, reads every chat). */
  tokenUserIsOwner?: boolean;
  /**
   * The token user's site role; wins over `tokenUserIsOwner`. `owner` acts for anyone;
   * `user-admin` sees users but minting for another gets 403; `member` gets 404 there.
   */
  tokenUserRole?: SiteRole;
  /** Which Coder release to be; default '2.39' ('current' is 2.38's old name). */
  release?: CoderRelease;
  /**
   * Coder's per-user, per-path API rate limit (`--api-rate-limit`); default 512 requests per
   * minute, as Coder. false: unlimited (as `--api-rate-limit=-1`).
   */
  rateLimit?: RateLimit | false;
  /** Longest lifetime a minted token may ask for (MaximumTokenDuration); default none. */
  maxTokenLifetimeMs?: number;
  /**
   * true: tokens may be minted with any scope of codersdk's catalog (e.g. `chat:read`), which
   * Coder refuses (only rbac's public scopes are requestable). For testing scope enforcement.
   */
  internalScopes?: boolean;
  /** Queued messages a chat may hold on 2.39 (`--chat-max-queued-messages-per-chat`); 20. */
  maxQueuedMessagesPerChat?: number;
  /** Concurrent agent slots (chats running at once); default unlimited. See setCapacity. */
  chatCapacity?: number;
  /** false: a deployment without Coder Agents (every chats route answers 404); default true. */
  chatsEnabled?: boolean;
}

export const DEFAULT_CODER_TOKEN = 'fake-coder-token';
export const DEFAULT_CODER_TIMINGS: CoderTimings = {
  pendingMs: 50,
  initializingMs: 100,
  workingMs: 150,
};
export const DEFAULT_CHAT_TIMINGS: ChatTimings = { chatRunningMs: 150, interruptMs: 50 };
/** Sessions.DefaultTokenDuration: what `lifetime: 0` gets (Coder's default not verified). */
export const DEFAULT_TOKEN_LIFETIME_MS = 7 * 24 * 3_600_000;

/** A minted API key as the ledger keeps it (times in ms since the epoch). */
export interface FakeKey {
  /** The part before `-` in `<id>-<secret>`; what `DELETE .../keys/{keyid}` takes. */
  id: string;
  userId: string;
  username: string;
  tokenName: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  /** When it was deleted (revoked) through the API or `revokeKey`. */
  revokedAt?: number;
  /** Neither revoked nor expired now. */
  live: boolean;
}

/** Requests of one token: the configured one (`token: 'service'`) or a minted key (its id). */
export interface TokenRequests {
  token: string;
  userId: string;
  username: string;
  /** The minted key's name; undefined for the service token. */
  tokenName?: string;
  requests: number;
  /** Refused with 429. */
  limited: number;
  /** `METHOD /path` → count. */
  byPath: Record<string, number>;
}

/** `setChatDiff` input: full ChatDiffStatus fields, or the `pull_request_url` shorthand. */
export type ChatDiffInput = Partial<ChatDiff> & {
  /** Shorthand: `url` = this, `pull_request_state: "open"`, `pr_number` from the URL. */
  pull_request_url?: string;
};

/** A workspace as `workspaces()` lists it. */
export interface FakeWorkspace {
  id: string;
  name: string;
  ownerId: string;
  organizationId: string;
  templateId: string;
  templateVersionId: string;
  presetId: string | null;
  richParameterValues: Array<{ name: string; value: string }>;
  transition: 'start' | 'stop' | 'delete';
}

/** A fake Coder deployment without a port: drive it with `fake.app.request(...)`. */
export interface FakeCoderApp extends FakeControls {
  readonly app: Hono<FakeEnv>;
  readonly token: string;
  readonly release: CoderRelease;
  /** The user of the configured token. */
  readonly tokenUser: CoderUser;
  readonly defaultOrganization: CoderOrganization;
  readonly defaultTemplate: CoderTemplate;
  addUser(seed: CoderUserSeed): CoderUser;
  addOrganization(seed: { id?: string; name: string; displayName?: string }): CoderOrganization;
  addTemplate(seed: CoderTemplateSeed): CoderTemplate;
  setTimings(timings: FakeCoderTimings): void;
  /** Tokens minted through the API, oldest first (revoked ones too). */
  mintedTokens(): Array<{ userId: string; username: string; tokenName: string }>;
  /** The key ledger: every minted key, oldest first. */
  keys(): FakeKey[];
  /** Keys neither revoked nor expired. */
  liveKeys(): FakeKey[];
  /** Revokes a key (by id or the whole key) as `DELETE .../keys/{keyid}` does. */
  revokeKey(idOrKey: string): void;
  /** Authenticated requests per token, in order of first use. */
  requestsByToken(): TokenRequests[];
  /** Authenticated requests matching the filter (all when none). */
  requestCount(filter?: RequestFilter): number;
  /** Changes the rate limit from now on (false: off); the counts so far stay. */
  setRateLimit(limit: RateLimit | false): void;
  /** Forces a task's status (and optionally its current state) from now on. */
  setTaskStatus(id: string, status: CoderTaskStatus, state?: CoderTaskState): void;
  /** Live (not deleted) tasks as the API would return them now. */
  tasks(): CoderTaskJson[];
  taskByName(name: string): CoderTaskJson | undefined;
  /** Inputs accepted by `POST .../send` for a task, in order (deleted tasks included). */
  inputs(taskId: string): string[];
  /** Live workspaces created through `POST /api/v2/users/{user}/workspaces`. */
  workspaces(): FakeWorkspace[];
  /** Chats of every user (archived ones too) as the API would return them now, newest first. */
  chats(): CoderChatJson[];
  /** The newest chat whose label `key` is `value`. */
  chatByLabel(key: string, value: string): CoderChatJson | undefined;
  /**
   * User messages of a chat in the order sent (first prompt included); `queued`: it arrived
   * while the agent was busy; `delivered`: a turn took it; `createdBy`: the sender's user id.
   */
  chatMessages(
    chatId: string,
  ): Array<{ text: string; queued: boolean; delivered: boolean; createdBy: string }>;
  /** Forces a chat's status with nothing planned after it (queued messages stay queued). */
  setChatStatus(id: string, status: CoderChatStatus): void;
  /** The turn fails: status `error` with this `last_error`. */
  setChatError(id: string, error: { kind: string; message?: string; retryable: boolean }): void;
  /** The agent waits for tool results: status `requires_action` (watch: action_required). */
  requireAction(id: string): void;
  /**
   * Sets (or clears with null) the chat's only pull request: `diff_status` (and on 2.39 the one
   * entry of `diff_statuses`); watch: diff_status_change.
   */
  setChatDiff(id: string, diff: ChatDiffInput | null): void;
  /**
   * Replaces every ref the chat tracks (2.39 `diff_statuses`, in this order); the last is the
   * primary `diff_status`. One diff_status_change per ref ([] clears: one event).
   */
  setChatDiffs(id: string, diffs: ChatDiffInput[]): void;
  /** One git report: adds or replaces that ref's status and makes it the primary. */
  reportChatDiff(id: string, diff: ChatDiffInput): void;
  /**
   * Concurrent agent slots: chats whose turn starts beyond `n` running stay `running` with
   * `queued_for_capacity` (single-chat GET) and make no progress until a slot frees. null:
   * unlimited.
   */
  setCapacity(n: number | null): void;
  /** A Coder Project (2.39) owned by `owner` (default the token user). */
  addProject(seed: ChatProjectSeed): ChatProject;
  projects(): ChatProject[];
  /** What `GET /chats/{chat}/cost` reports (2.39). */
  setChatCost(id: string, cost: Partial<ChatCost>): void;
  /** Grants or takes away a user's chat permission (as `addUser({ chatAccess })`). */
  setChatAccess(user: string, allowed: boolean): void;
  /** Sets `summary` / `last_turn_summary`; watch: chat_summary_change / summary_change. */
  setChatSummary(
    id: string,
    change: { summary?: string | null; last_turn_summary?: string | null },
  ): void;
  /** false: every chats route answers 404, as on a deployment without Coder Agents. */
  setChatsEnabled(enabled: boolean): void;
  /** true: every turn that starts from now on fails after a few ms with kind `usage_limit`. */
  setUsageLimitReached(reached: boolean): void;
  /** Open watch-stream WebSockets (always 0 without a server). */
  watchConnections(): number;
  /** Closes every watch socket (1011); with `refuseForMs`, upgrades answer 503 meanwhile. */
  cutStreams(opts?: { refuseForMs?: number }): void;
  /** Stops refusing watch upgrades before `refuseForMs` ends. */
  restoreStreams(): void;
}

export interface FakeCoder extends FakeCoderApp, RunningServer {}

interface Internals {
  chats: ChatsState;
  watch: WatchHub;
}

const internals = new WeakMap<FakeCoderApp, Internals>();

export function createFakeCoder(opts: FakeCoderOptions = {}): FakeCoderApp {
  const token = opts.token ?? DEFAULT_CODER_TOKEN;
  const now = opts.now ?? (() => Date.now());
  const release = opts.release ?? DEFAULT_RELEASE;
  const traits = RELEASES[release];
  const { taskTimings, chatTimings } = splitTimings(opts.timings ?? {});
  const state = new CoderState({ ...DEFAULT_CODER_TIMINGS, ...taskTimings }, now);
  const chats = new ChatsState({ ...DEFAULT_CHAT_TIMINGS, ...chatTimings }, now);
  const switches = {
    enabled: opts.chatsEnabled ?? true,
    maxQueuedMessages: opts.maxQueuedMessagesPerChat ?? 20,
  };
  if (opts.chatCapacity !== undefined) chats.setCapacity(opts.chatCapacity);
  const defaultOrganization = state.addOrganization({ name: DEFAULT_ORG, displayName: 'Default' });
  const defaultTemplate = state.addTemplate({
    org: DEFAULT_ORG,
    name: DEFAULT_TEMPLATE,
    presets: [{ Name: 'default', Default: true }],
  });
  const tokenUser = state.addUser({ username: opts.tokenUser ?? 'admin' });
  const tokenUserRole: SiteRole =
    opts.tokenUserRole ?? (opts.tokenUserIsOwner === false ? 'member' : 'owner');
  const roleOf = (user: CoderUser): SiteRole =>
    user.id === tokenUser.id ? tokenUserRole : 'member';
  const isSiteOwner = (user: CoderUser) => roleOf(user) === 'owner';
  const requests = new RequestLedger(
    opts.rateLimit === undefined ? DEFAULT_RATE_LIMIT : opts.rateLimit,
    now,
  );

  const http = new HttpFake();
  const users = new WeakMap<Request, CoderUser>();
  // coderd's apiKey middleware, then the rate limiter (httpmw.RateLimit), then the key's scopes
  // (RBAC in the handlers, reduced to one scope per route: scopes.ts).
  http.app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/v2/buildinfo') return next();
    const given = c.req.header('Coder-Session-Token') ?? c.req.query('coder_session_token');
    if (!given) {
      return coderError(
        c,
        401,
        'Cookie "coder_session_token" or header "Coder-Session-Token" must be provided.',
      );
    }
    let user: CoderUser | undefined;
    let key: CoderApiToken | undefined;
    if (given === token) user = tokenUser;
    else {
      key = state.tokens.get(given);
      // A deleted key is gone from Coder's database: as unknown as a made-up one.
      if (key?.revokedAt !== undefined) key = undefined;
      if (key && key.expiresAt <= now()) return coderError(c, 401, 'API key expired.');
      user = key && state.users.get(key.userId);
    }
    if (!user) return coderError(c, 401, 'API key is invalid.');
    if (key) key.lastUsedAt = now();
    users.set(c.req.raw, user);
    const bypass = isSiteOwner(user) && c.req.header(BYPASS_RATELIMIT_HEADER) === 'true';
    const entry = { token: key?.id ?? 'service', userId: user.id, method: c.req.method };
    const admitted = requests.admit({ ...entry, path: c.req.path }, bypass);
    for (const [name, value] of Object.entries(admitted.headers)) c.header(name, value);
    if (admitted.limited) {
      const limit = requests.limit as RateLimit;
      return coderError(
        c,
        429,
        `You've been rate limited for sending more than ${limit.requests} requests in ${goDuration(limit.windowMs)}.`,
      );
    }
    const required = requiredScope(c.req.method, c.req.path);
    if (key && required && !scopesAllow(key.scopes, required)) return forbidden(c);
    await next();
  });
  const me = (c: { req: { raw: Request } }) => {
    const user = users.get(c.req.raw);
    if (!user) throw new Error('fake coder: route reached without an authenticated user');
    return user;
  };
  const projects = new ProjectsState(state);
  const watch = new WatchHub(chats, (kind, chat, detail) => {
    const changed = changedDiffJson(chat, detail, traits);
    return {
      kind,
      chat: chatJson(state, chat, { release: traits, watchKind: kind }),
      ...(changed ? { changed_diff_status: changed } : {}),
    };
  });
  const routes = { app: http.app, state, me, isSiteOwner, roleOf };
  registerCoreRoutes(routes, traits.version);
  registerKeyRoutes(routes, {
    defaultLifetimeMs: DEFAULT_TOKEN_LIFETIME_MS,
    maxLifetimeMs: opts.maxTokenLifetimeMs,
    internalScopes: opts.internalScopes,
  });
  registerWorkspaceRoutes(routes);
  if (traits.tasks) registerTaskRoutes(routes);
  registerChatRoutes({ ...routes, chats, switches, release: traits, watch, projects });
  if (traits.v239) registerProjectRoutes(routes, projects, () => switches.enabled);
  http.app.notFound((c) => routeNotFound(c));

  const mustTask = (id: string) => {
    const task = state.tasks.get(id);
    if (!task) throw new Error(`fake coder: no task ${id}`);
    return task;
  };
  const mustChat = (id: string) => {
    const chat = chats.chats.get(id);
    if (!chat) throw new Error(`fake coder: no chat ${id}`);
    chats.settle(chat);
    return chat;
  };
  const chatList = () => {
    chats.settleAll();
    return [...chats.chats.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((chat) => chatJson(state, chat, { release: traits }));
  };

  const fake: FakeCoderApp = {
    app: http.app,
    token,
    release,
    tokenUser,
    defaultOrganization,
    defaultTemplate,
    calls: () => http.calls(),
    callsTo: (method, path) => http.callsTo(method, path),
    fail: (fault) => http.fail(fault),
    reset: () => {
      http.reset();
      requests.clear();
    },
    releaseDelays: () => http.releaseDelays(),
    addUser: (seed) => state.addUser(seed),
    addOrganization: (seed) => state.addOrganization(seed),
    addTemplate: (seed) => state.addTemplate(seed),
    setTimings: (timings) => {
      const split = splitTimings(timings);
      state.timings = { ...state.timings, ...split.taskTimings };
      chats.timings = { ...chats.timings, ...split.chatTimings };
    },
    mintedTokens: () =>
      [...state.tokens.values()].map((t) => ({
        userId: t.userId,
        username: state.users.get(t.userId)?.username ?? '',
        tokenName: t.tokenName,
      })),
    keys: () => keyLedger(),
    liveKeys: () => keyLedger().filter((k) => k.live),
    revokeKey: (idOrKey) => {
      const key = state.tokens.get(idOrKey) ?? state.tokenById(idOrKey);
      if (!key) throw new Error(`fake coder: no key ${idOrKey}`);
      key.revokedAt ??= now();
    },
    requestsByToken: () => {
      const byToken = new Map<string, TokenRequests>();
      for (const r of requests.entries()) {
        let row = byToken.get(r.token);
        if (!row) {
          const minted = r.token === 'service' ? undefined : state.tokenById(r.token);
          row = {
            token: r.token,
            userId: r.userId,
            username: state.users.get(r.userId)?.username ?? '',
            ...(minted ? { tokenName: minted.tokenName } : {}),
            requests: 0,
            limited: 0,
            byPath: {},
          };
          byToken.set(r.token, row);
        }
        row.requests += 1;
        if (r.limited) row.limited += 1;
        const path = `${r.method} ${r.path}`;
        row.byPath[path] = (row.byPath[path] ?? 0) + 1;
      }
      return [...byToken.values()];
    },
    requestCount: (filter) => requests.count(filter),
    setRateLimit: (limit) => {
      requests.limit = limit;
    },
    setTaskStatus: (id, status, taskState) => {
      const phase = taskState
        ? { afterMs: 0, status, state: taskState, message: `forced ${taskState}` }
        : { afterMs: 0, status };
      state.plan(mustTask(id), [phase]);
    },
    tasks: () => state.liveTasks().map((t) => taskJson(state, t)),
    taskByName: (name) => {
      const task = state.liveTasks().find((t) => t.name === name);
      return task && taskJson(state, task);
    },
    inputs: (taskId) => [...mustTask(taskId).inputs],
    workspaces: () =>
      state.liveWorkspaces().map((w) => ({
        id: w.id,
        name: w.name,
        ownerId: w.ownerId,
        organizationId: w.organizationId,
        templateId: w.templateId,
        templateVersionId: w.templateVersionId,
        presetId: w.presetId,
        richParameterValues: w.parameters.map((p) => ({ ...p })),
        transition: w.transition,
      })),
    chats: chatList,
    chatByLabel: (key, value) => chatList().find((chat) => chat.labels[key] === value),
    chatMessages: (chatId) =>
      mustChat(chatId).messages.map((m) => ({
        text: m.text,
        queued: m.queued,
        delivered: m.deliveredAt !== undefined,
        createdBy: m.createdBy,
      })),
    setChatStatus: (id, status) => chats.force(mustChat(id), status),
    setChatError: (id, error) =>
      chats.setError(mustChat(id), {
        kind: error.kind,
        retryable: error.retryable,
        message: error.message ?? `The agent stopped with a ${error.kind} error.`,
      }),
    requireAction: (id) => chats.force(mustChat(id), 'requires_action'),
    setChatDiff: (id, diff) => chats.setDiffs(mustChat(id), diff ? [toChatDiff(diff)] : []),
    setChatDiffs: (id, diffs) => chats.setDiffs(mustChat(id), diffs.map(toChatDiff)),
    reportChatDiff: (id, diff) => chats.reportDiff(mustChat(id), toChatDiff(diff)),
    setCapacity: (n) => chats.setCapacity(n),
    addProject: (seed) => projects.add(seed, tokenUser, defaultOrganization),
    projects: () => [...projects.projects.values()].map((p) => ({ ...p })),
    setChatCost: (id, cost) => {
      const chat = mustChat(id);
      chat.cost = { ...chat.cost, ...cost };
    },
    setChatAccess: (ref, allowed) => {
      const user = state.findUser(ref);
      if (!user) throw new Error(`fake coder: no user ${ref}`);
      user.chatAccess = allowed;
    },
    setChatSummary: (id, change) => chats.setSummary(mustChat(id), change),
    setChatsEnabled: (enabled) => {
      switches.enabled = enabled;
    },
    setUsageLimitReached: (reached) => {
      chats.usageLimitReached = reached;
    },
    watchConnections: () => watch.connections(),
    cutStreams: (cutOpts) => watch.cut(cutOpts),
    restoreStreams: () => watch.restore(),
  };
  internals.set(fake, { chats, watch });
  return fake;

  function keyLedger(): FakeKey[] {
    return [...state.tokens.values()].map((t) => ({
      id: t.id,
      userId: t.userId,
      username: state.users.get(t.userId)?.username ?? '',
      tokenName: t.tokenName,
      scopes: [...t.scopes],
      createdAt: t.createdAt,
      expiresAt: t.expiresAt,
      ...(t.revokedAt !== undefined ? { revokedAt: t.revokedAt } : {}),
      live: state.tokenLive(t),
    }));
  }
}

/** Starts a fake Coder on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeCoder(opts: FakeCoderOptions = {}): Promise<FakeCoder> {
  const fake = createFakeCoder(opts);
  const own = internals.get(fake);
  if (!own) throw new Error('fake coder: internals missing');
  const server = await listen(fake, opts.port, {
    onServer: (node) => own.watch.attach(node, (request) => fake.app.fetch(request)),
    beforeClose: () => {
      own.watch.close();
      own.chats.dispose();
    },
  });
  return Object.assign(fake, server);
}

function toChatDiff(input: ChatDiffInput): ChatDiff {
  const { pull_request_url, ...rest } = input;
  const url = pull_request_url ?? rest.url;
  const prNumber = url?.match(/\/pull\/(\d+)/)?.[1];
  const diff: ChatDiff = {
    pull_request_title: '',
    pull_request_draft: false,
    changes_requested: false,
    approved: false,
    additions: 0,
    deletions: 0,
    changed_files: 0,
    ...rest,
  };
  if (url !== undefined) diff.url = url;
  if (pull_request_url !== undefined) diff.pull_request_state ??= 'open';
  if (diff.pr_number === undefined && prNumber && diff.pull_request_state) {
    diff.pr_number = Number(prNumber);
  }
  return diff;
}

function splitTimings(timings: FakeCoderTimings): {
  taskTimings: Partial<CoderTimings>;
  chatTimings: Partial<ChatTimings>;
} {
  const { chatPendingMs: _ignored, chatRunningMs, interruptMs, ...taskTimings } = timings;
  const chatTimings: Partial<ChatTimings> = {};
  if (chatRunningMs !== undefined) chatTimings.chatRunningMs = chatRunningMs;
  if (interruptMs !== undefined) chatTimings.interruptMs = interruptMs;
  return { taskTimings, chatTimings };
}
