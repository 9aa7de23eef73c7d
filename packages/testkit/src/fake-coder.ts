import type { Hono } from 'hono';
import {
  type ChatDiff,
  ChatsState,
  type ChatTimings,
  type CoderChatStatus,
} from './fake-coder/chats-state';
import { coderError } from './fake-coder/http';
import { type CoderChatJson, chatJson, registerChatRoutes } from './fake-coder/routes-chats';
import { registerCoreRoutes } from './fake-coder/routes-core';
import { type CoderTaskJson, registerTaskRoutes, taskJson } from './fake-coder/routes-tasks';
import {
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
import { type FakeControls, type FakeEnv, HttpFake, listen, type RunningServer } from './http-fake';

export type {
  ChatDiff,
  ChatTimings,
  CoderChatJson,
  CoderChatStatus,
  CoderOrganization,
  CoderTaskJson,
  CoderTaskState,
  CoderTaskStatus,
  CoderTemplate,
  CoderTemplateSeed,
  CoderTimings,
  CoderUser,
  CoderUserSeed,
};
export { DEFAULT_ORG, DEFAULT_TEMPLATE };

export interface FakeCoderOptions {
  /** Expected `Coder-Session-Token`; default "fake-coder-token". */
  token?: string;
  timings?: Partial<CoderTimings & ChatTimings>;
  /** Port to listen on (startFakeCoder only); default 0, a free port. */
  port?: number;
  /** Clock used for task lifecycles; default Date.now. */
  now?: () => number;
  /** Username the session token belongs to ("me"); seeded as a user; default "admin". */
  tokenUser?: string;
  /** false: a deployment without Coder Agents (every chats route answers 404); default true. */
  chatsEnabled?: boolean;
}

export const DEFAULT_CODER_TOKEN = 'fake-coder-token';
export const DEFAULT_CODER_TIMINGS: CoderTimings = {
  pendingMs: 50,
  initializingMs: 100,
  workingMs: 150,
};
export const DEFAULT_CHAT_TIMINGS: ChatTimings = { chatPendingMs: 50, chatRunningMs: 150 };

/** A fake Coder deployment without a port: drive it with `fake.app.request(...)`. */
export interface FakeCoderApp extends FakeControls {
  readonly app: Hono<FakeEnv>;
  readonly token: string;
  readonly defaultOrganization: CoderOrganization;
  readonly defaultTemplate: CoderTemplate;
  addUser(seed: CoderUserSeed): CoderUser;
  addOrganization(seed: { id?: string; name: string; displayName?: string }): CoderOrganization;
  addTemplate(seed: CoderTemplateSeed): CoderTemplate;
  setTimings(timings: Partial<CoderTimings & ChatTimings>): void;
  /** Forces a task's status (and optionally its current state) from now on. */
  setTaskStatus(id: string, status: CoderTaskStatus, state?: CoderTaskState): void;
  /** Live (not deleted) tasks as the API would return them now. */
  tasks(): CoderTaskJson[];
  taskByName(name: string): CoderTaskJson | undefined;
  /** Inputs accepted by `POST .../send` for a task, in order (deleted tasks included). */
  inputs(taskId: string): string[];
  /** Chats (archived ones too) as the API would return them now, newest first. */
  chats(): CoderChatJson[];
  /** The newest chat whose label `key` is `value`. */
  chatByLabel(key: string, value: string): CoderChatJson | undefined;
  /** User messages of a chat in the order sent (first prompt included); `queued`: it arrived while the agent was busy. */
  chatMessages(chatId: string): Array<{ text: string; queued: boolean; delivered: boolean }>;
  /** Forces a chat's status from now on (queued messages wait until something runs them). */
  setChatStatus(id: string, status: CoderChatStatus): void;
  /**
   * Sets the chat's `diff_status`. `pull_request_url` is shorthand for a PR URL with
   * `pull_request_state: "open"`; `url` without a state is a branch page, not a PR.
   */
  setChatDiff(
    id: string,
    diff: { pull_request_url?: string; url?: string; pull_request_state?: string | null } | null,
  ): void;
  /** false: every chats route answers 404, as on a deployment without Coder Agents. */
  setChatsEnabled(enabled: boolean): void;
  /** true: creating a chat or sending a message answers Coder's 409 usage-limit error. */
  setChatUsageLimitExceeded(exceeded: boolean): void;
}

export interface FakeCoder extends FakeCoderApp, RunningServer {}

export function createFakeCoder(opts: FakeCoderOptions = {}): FakeCoderApp {
  const token = opts.token ?? DEFAULT_CODER_TOKEN;
  const now = opts.now ?? (() => Date.now());
  const { taskTimings, chatTimings } = splitTimings(opts.timings ?? {});
  const state = new CoderState({ ...DEFAULT_CODER_TIMINGS, ...taskTimings }, now);
  const chats = new ChatsState({ ...DEFAULT_CHAT_TIMINGS, ...chatTimings }, now);
  const switches = { enabled: opts.chatsEnabled ?? true, usageLimitExceeded: false };
  const defaultOrganization = state.addOrganization({ name: DEFAULT_ORG, displayName: 'Default' });
  const defaultTemplate = state.addTemplate({
    org: DEFAULT_ORG,
    name: DEFAULT_TEMPLATE,
    presets: [{ Name: 'default', Default: true }],
  });
  const meUser = state.addUser({ username: opts.tokenUser ?? 'admin' });

  const http = new HttpFake();
  http.app.use('/api/*', async (c, next) => {
    const given = c.req.header('Coder-Session-Token') ?? c.req.query('coder_session_token');
    if (!given) {
      return coderError(
        c,
        401,
        'Cookie "coder_session_token" or header "Coder-Session-Token" must be provided.',
      );
    }
    if (given !== token) return coderError(c, 401, 'API key is invalid.');
    await next();
  });
  const routes = { app: http.app, state, me: () => meUser };
  registerCoreRoutes(routes);
  registerTaskRoutes(routes);
  registerChatRoutes({ ...routes, chats, switches });
  http.app.notFound((c) => coderError(c, 404, 'Route not found.'));

  const mustTask = (id: string) => {
    const task = state.tasks.get(id);
    if (!task) throw new Error(`fake coder: no task ${id}`);
    return task;
  };
  const mustChat = (id: string) => {
    const chat = chats.chats.get(id);
    if (!chat) throw new Error(`fake coder: no chat ${id}`);
    return chat;
  };
  const chatList = () =>
    [...chats.chats.values()]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((chat) => chatJson(chats, chat));

  return {
    app: http.app,
    token,
    defaultOrganization,
    defaultTemplate,
    calls: () => http.calls(),
    callsTo: (method, path) => http.callsTo(method, path),
    fail: (fault) => http.fail(fault),
    reset: () => http.reset(),
    releaseDelays: () => http.releaseDelays(),
    addUser: (seed) => state.addUser(seed),
    addOrganization: (seed) => state.addOrganization(seed),
    addTemplate: (seed) => state.addTemplate(seed),
    setTimings: (timings) => {
      const { taskTimings, chatTimings } = splitTimings(timings);
      state.timings = { ...state.timings, ...taskTimings };
      chats.timings = { ...chats.timings, ...chatTimings };
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
    chats: chatList,
    chatByLabel: (key, value) => chatList().find((chat) => chat.labels[key] === value),
    chatMessages: (chatId) => {
      const at = chats.now();
      return mustChat(chatId).messages.map((m) => ({
        text: m.text,
        queued: m.queued,
        delivered: m.deliveredAt !== undefined && m.deliveredAt <= at,
      }));
    },
    setChatStatus: (id, status) => chats.force(mustChat(id), status),
    setChatDiff: (id, diff) => {
      const chat = mustChat(id);
      const url = diff?.pull_request_url ?? diff?.url;
      chat.diff = url
        ? {
            url,
            pull_request_state:
              diff?.pull_request_state ?? (diff?.pull_request_url ? 'open' : null),
          }
        : null;
      chat.updatedAt = chats.now();
    },
    setChatsEnabled: (enabled) => {
      switches.enabled = enabled;
    },
    setChatUsageLimitExceeded: (exceeded) => {
      switches.usageLimitExceeded = exceeded;
    },
  };
}

/** Starts a fake Coder on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeCoder(opts: FakeCoderOptions = {}): Promise<FakeCoder> {
  const fake = createFakeCoder(opts);
  const server = await listen(fake, opts.port);
  return Object.assign(fake, server);
}

function splitTimings(timings: Partial<CoderTimings & ChatTimings>): {
  taskTimings: Partial<CoderTimings>;
  chatTimings: Partial<ChatTimings>;
} {
  const { chatPendingMs, chatRunningMs, ...taskTimings } = timings;
  const chatTimings: Partial<ChatTimings> = {};
  if (chatPendingMs !== undefined) chatTimings.chatPendingMs = chatPendingMs;
  if (chatRunningMs !== undefined) chatTimings.chatRunningMs = chatRunningMs;
  return { taskTimings, chatTimings };
}
