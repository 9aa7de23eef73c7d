/**
 * A fake Coder deployment: a real HTTP server (Hono) that speaks the Coder API of a chosen
 * release (fake-coder/release.ts), shared by tests and `pnpm dev`. Auth follows coderd's apiKey
 * middleware. Besides answering, it keeps a ledger of what it was made to do, so tests can
 * assert that the product leaves nothing behind and never loops: every minted key (`keys()`,
 * revoked ones too) and every authenticated request (`requestCount`, fake-coder/requests.ts).
 */
import {
  type ChatCost,
  type ChatDiff,
  ChatsState,
  type ChatTimings,
  type CoderChatStatus,
} from './fake-coder/chats-state';
import { coderError, forbidden, routeNotFound, type SiteRole } from './fake-coder/http';
import { type ChatProjectSeed, ProjectsState, registerProjectRoutes } from './fake-coder/projects';
import { type CoderRelease, DEFAULT_RELEASE, RELEASES } from './fake-coder/release';
import {
  BYPASS_RATELIMIT_HEADER,
  DEFAULT_RATE_LIMIT,
  goDuration,
  type RateLimit,
  type RequestFilter,
  RequestLedger,
} from './fake-coder/requests';
import { changedDiffJson, chatJson, registerChatRoutes } from './fake-coder/routes-chats';
import { registerCoreRoutes } from './fake-coder/routes-core';
import { registerKeyRoutes } from './fake-coder/routes-keys';
import { registerTaskRoutes, taskJson } from './fake-coder/routes-tasks';
import { registerWorkspaceRoutes } from './fake-coder/routes-workspaces';
import { requiredScope, scopesAllow } from './fake-coder/scopes';
import {
  CoderState,
  type CoderTaskState,
  type CoderTaskStatus,
  type CoderTemplateSeed,
  type CoderTimings,
  type CoderUser,
  type CoderUserSeed,
  DEFAULT_ORG,
  DEFAULT_TEMPLATE,
} from './fake-coder/state';
import { WatchHub } from './fake-coder/watch';
import { HttpFake, listen, type RunningServer } from './http-fake';

export type { CoderChatJson } from './fake-coder/routes-chats';
export type { CoderTaskJson } from './fake-coder/routes-tasks';
export type { CoderRelease, RateLimit, SiteRole };

export type FakeCoderTimings = Partial<CoderTimings & ChatTimings>;

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
  /**
   * The token user's site role (default owner): `owner` acts for anyone; `user-admin` sees
   * users but minting for another gets 403; `member` gets 404 there.
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

const DEFAULT_TIMINGS = {
  pendingMs: 50,
  initializingMs: 100,
  workingMs: 150,
  chatRunningMs: 150,
  interruptMs: 50,
};
/** Sessions.DefaultTokenDuration: what `lifetime: 0` gets (Coder's default not verified). */
const DEFAULT_TOKEN_LIFETIME_MS = 7 * 24 * 3_600_000;

/** `setChatDiff` input: ChatDiffStatus fields, or the `pull_request_url` shorthand. */
export type ChatDiffInput = Partial<ChatDiff> & {
  /** Shorthand: `url` = this, `pull_request_state: "open"`, `pr_number` from the URL. */
  pull_request_url?: string;
};

/** A fake Coder deployment without a port: drive it with `fake.app.request(...)`. */
export type FakeCoderApp = ReturnType<typeof buildFakeCoder>['fake'];
export type FakeCoder = FakeCoderApp & RunningServer;

function buildFakeCoder(opts: FakeCoderOptions) {
  const token = opts.token ?? 'fake-coder-token';
  const now = opts.now ?? (() => Date.now());
  const release = opts.release ?? DEFAULT_RELEASE;
  const traits = RELEASES[release];
  const timings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const state = new CoderState(timings, now);
  const chats = new ChatsState(timings, now);
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
  const tokenUserRole = opts.tokenUserRole ?? 'owner';
  const roleOf = (user: CoderUser): SiteRole =>
    user.id === tokenUser.id ? tokenUserRole : 'member';
  const isSiteOwner = (user: CoderUser) => roleOf(user) === 'owner';
  const requests = new RequestLedger(opts.rateLimit ?? DEFAULT_RATE_LIMIT, now);

  const http = new HttpFake();
  const users = new WeakMap<Request, CoderUser>();
  // coderd's apiKey middleware, then the rate limiter (httpmw.RateLimit), then the key's scopes
  // (RBAC in the handlers, reduced to one scope per route: scopes.ts).
  http.app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/v2/buildinfo') return next();
    const given = c.req.header('Coder-Session-Token') ?? c.req.query('coder_session_token');
    if (!given) {
      const message =
        'Cookie "coder_session_token" or header "Coder-Session-Token" must be provided.';
      return coderError(c, 401, message);
    }
    const found = given === token ? undefined : state.tokens.get(given);
    // A deleted key is gone from Coder's database: as unknown as a made-up one.
    const key = found?.revokedAt === undefined ? found : undefined;
    if (key && key.expiresAt <= now()) return coderError(c, 401, 'API key expired.');
    const user = given === token ? tokenUser : key && state.users.get(key.userId);
    if (!user) return coderError(c, 401, 'API key is invalid.');
    if (key) key.lastUsedAt = now();
    users.set(c.req.raw, user);
    const bypass = isSiteOwner(user) && c.req.header(BYPASS_RATELIMIT_HEADER) === 'true';
    const entry = {
      token: key?.id ?? 'service',
      userId: user.id,
      method: c.req.method,
      path: c.req.path,
    };
    const admitted = requests.admit(entry, bypass);
    for (const [name, value] of Object.entries(admitted.headers)) c.header(name, value);
    if (admitted.limited && requests.limit) {
      const { requests: n, windowMs } = requests.limit;
      const message = `You've been rate limited for sending more than ${n} requests in ${goDuration(windowMs)}.`;
      return coderError(c, 429, message);
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

  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`fake coder: no ${what}`);
    return value;
  };
  const mustTask = (id: string) => must(state.tasks.get(id), `task ${id}`);
  const mustChat = (id: string) => {
    const chat = must(chats.chats.get(id), `chat ${id}`);
    chats.settle(chat);
    return chat;
  };
  const chatList = () => {
    chats.settleAll();
    return [...chats.chats.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((chat) => chatJson(state, chat, { release: traits }));
  };
  /** The key ledger: every minted key (revoked ones too), oldest first; `id` is what DELETE takes. */
  const keys = () =>
    [...state.tokens.values()].map(({ key: _key, allowList: _list, lastUsedAt: _used, ...t }) => ({
      ...t,
      username: state.users.get(t.userId)?.username ?? '',
      scopes: [...t.scopes],
      /** Neither revoked (`revokedAt`) nor expired now. */
      live: state.tokenLive(t),
    }));

  const fake = {
    ...http,
    token,
    release,
    tokenUser,
    defaultOrganization,
    defaultTemplate,
    reset: () => {
      http.reset();
      requests.clear();
    },
    addUser: (seed: CoderUserSeed) => state.addUser(seed),
    addOrganization: (seed: { id?: string; name: string; displayName?: string }) =>
      state.addOrganization(seed),
    addTemplate: (seed: CoderTemplateSeed) => state.addTemplate(seed),
    setTimings: (changed: FakeCoderTimings) => {
      state.timings = { ...state.timings, ...changed };
      chats.timings = { ...chats.timings, ...changed };
    },
    keys,
    liveKeys: () => keys().filter((k) => k.live),
    /** Authenticated requests matching the filter (all when none). */
    requestCount: (filter?: RequestFilter) => requests.count(filter),
    /** Forces a task's status (and optionally its current state) from now on. */
    setTaskStatus: (id: string, status: CoderTaskStatus, taskState?: CoderTaskState) => {
      const forced = taskState ? { state: taskState, message: `forced ${taskState}` } : {};
      state.plan(mustTask(id), [{ afterMs: 0, status, ...forced }]);
    },
    /** Live (not deleted) tasks as the API would return them now. */
    tasks: () => state.liveTasks().map((t) => taskJson(state, t)),
    taskByName: (name: string) => {
      const task = state.liveTasks().find((t) => t.name === name);
      return task && taskJson(state, task);
    },
    /** Inputs accepted by `POST .../send` for a task, in order (deleted tasks included). */
    inputs: (taskId: string) => [...mustTask(taskId).inputs],
    /** Live workspaces created through `POST /api/v2/users/{user}/workspaces`. */
    workspaces: () =>
      state.liveWorkspaces().map(({ buildId: _id, buildNumber: _n, createdAt: _at, ...w }) => ({
        ...w,
        richParameterValues: w.richParameterValues.map((p) => ({ ...p })),
      })),
    /** Chats of every user (archived ones too) as the API would return them now, newest first. */
    chats: chatList,
    /** The newest chat whose label `key` is `value`. */
    chatByLabel: (key: string, value: string) =>
      chatList().find((chat) => chat.labels[key] === value),
    /**
     * User messages of a chat in the order sent (first prompt included); `queued`: it arrived
     * while the agent was busy; `delivered`: a turn took it; `createdBy`: the sender's user id.
     */
    chatMessages: (chatId: string) =>
      mustChat(chatId).messages.map((m) => ({
        text: m.text,
        queued: m.queued,
        delivered: m.deliveredAt !== undefined,
        createdBy: m.createdBy,
      })),
    /** Forces a chat's status with nothing planned after it (queued messages stay queued). */
    setChatStatus: (id: string, status: CoderChatStatus) => chats.force(mustChat(id), status),
    /** The turn fails: status `error` with this `last_error`. */
    setChatError: (id: string, error: { kind: string; message?: string; retryable: boolean }) =>
      chats.force(mustChat(id), 'error', {
        kind: error.kind,
        retryable: error.retryable,
        message: error.message ?? `The agent stopped with a ${error.kind} error.`,
      }),
    /** The agent waits for tool results: status `requires_action` (watch: action_required). */
    requireAction: (id: string) => chats.force(mustChat(id), 'requires_action'),
    /** Sets (or clears) the chat's only pull request (on 2.39 the one entry of `diff_statuses`). */
    setChatDiff: (id: string, diff: ChatDiffInput | null) =>
      chats.setDiffs(mustChat(id), diff ? [toChatDiff(diff)] : []),
    /** Replaces every ref the chat tracks, in this order; the last is the primary. */
    setChatDiffs: (id: string, diffs: ChatDiffInput[]) =>
      chats.setDiffs(mustChat(id), diffs.map(toChatDiff)),
    /** One git report: adds or replaces that ref's status and makes it the primary. */
    reportChatDiff: (id: string, diff: ChatDiffInput) =>
      chats.reportDiff(mustChat(id), toChatDiff(diff)),
    /**
     * Concurrent agent slots: chats whose turn starts beyond `n` running stay `running` with
     * `queued_for_capacity` (single-chat GET) until a slot frees. null: unlimited.
     */
    setCapacity: (n: number | null) => chats.setCapacity(n),
    /** A Coder Project (2.39) owned by `owner` (default the token user). */
    addProject: (seed: ChatProjectSeed) => projects.add(seed, tokenUser, defaultOrganization),
    /** What `GET /chats/{chat}/cost` reports (2.39). */
    setChatCost: (id: string, cost: Partial<ChatCost>) => {
      const chat = mustChat(id);
      chat.cost = { ...chat.cost, ...cost };
    },
    /** Sets `summary` / `last_turn_summary`; watch: chat_summary_change / summary_change. */
    setChatSummary: (
      id: string,
      change: { summary?: string | null; last_turn_summary?: string | null },
    ) => chats.setSummary(mustChat(id), change),
    /** true: every turn that starts from now on fails after a few ms with kind `usage_limit`. */
    setUsageLimitReached: (reached: boolean) => {
      chats.usageLimitReached = reached;
    },
    /** Open watch-stream WebSockets (always 0 without a server). */
    watchConnections: () => watch.connections(),
    /** Closes every watch socket (1011); with `refuseForMs`, upgrades answer 503 meanwhile. */
    cutStreams: (cutOpts?: { refuseForMs?: number }) => watch.cut(cutOpts),
    /** Stops refusing watch upgrades before `refuseForMs` ends. */
    restoreStreams: () => watch.restore(),
  };
  return { fake, chats, watch };
}

export function createFakeCoder(opts: FakeCoderOptions = {}): FakeCoderApp {
  return buildFakeCoder(opts).fake;
}

/** Starts a fake Coder on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeCoder(opts: FakeCoderOptions = {}): Promise<FakeCoder> {
  const { fake, chats, watch } = buildFakeCoder(opts);
  const server = await listen(fake, opts.port, {
    onServer: (node) => watch.attach(node, (request) => fake.app.fetch(request)),
    beforeClose: () => {
      watch.close();
      chats.dispose();
    },
  });
  return Object.assign(fake, server);
}

function toChatDiff({ pull_request_url, ...rest }: ChatDiffInput): ChatDiff {
  const url = pull_request_url ?? rest.url;
  const review = { pull_request_draft: false, changes_requested: false, approved: false };
  const counts = { additions: 0, deletions: 0, changed_files: 0 };
  const diff: ChatDiff = {
    pull_request_title: '',
    ...review,
    ...counts,
    ...rest,
    ...(url !== undefined ? { url } : {}),
  };
  if (pull_request_url !== undefined) diff.pull_request_state ??= 'open';
  const prNumber = url?.match(/\/pull\/(\d+)/)?.[1];
  if (diff.pr_number === undefined && prNumber && diff.pull_request_state) {
    diff.pr_number = Number(prNumber);
  }
  return diff;
}
