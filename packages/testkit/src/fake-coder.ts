import type { Hono } from 'hono';
import { coderError } from './fake-coder/http';
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
  timings?: Partial<CoderTimings>;
  /** Port to listen on (startFakeCoder only); default 0, a free port. */
  port?: number;
  /** Clock used for task lifecycles; default Date.now. */
  now?: () => number;
  /** Username the session token belongs to ("me"); seeded as a user; default "admin". */
  tokenUser?: string;
}

export const DEFAULT_CODER_TOKEN = 'fake-coder-token';
export const DEFAULT_CODER_TIMINGS: CoderTimings = {
  pendingMs: 50,
  initializingMs: 100,
  workingMs: 150,
};

/** A fake Coder deployment without a port: drive it with `fake.app.request(...)`. */
export interface FakeCoderApp extends FakeControls {
  readonly app: Hono<FakeEnv>;
  readonly token: string;
  readonly defaultOrganization: CoderOrganization;
  readonly defaultTemplate: CoderTemplate;
  addUser(seed: CoderUserSeed): CoderUser;
  addOrganization(seed: { id?: string; name: string; displayName?: string }): CoderOrganization;
  addTemplate(seed: CoderTemplateSeed): CoderTemplate;
  setTimings(timings: Partial<CoderTimings>): void;
  /** Forces a task's status (and optionally its current state) from now on. */
  setTaskStatus(id: string, status: CoderTaskStatus, state?: CoderTaskState): void;
  /** Live (not deleted) tasks as the API would return them now. */
  tasks(): CoderTaskJson[];
  taskByName(name: string): CoderTaskJson | undefined;
  /** Inputs accepted by `POST .../send` for a task, in order (deleted tasks included). */
  inputs(taskId: string): string[];
}

export interface FakeCoder extends FakeCoderApp, RunningServer {}

export function createFakeCoder(opts: FakeCoderOptions = {}): FakeCoderApp {
  const token = opts.token ?? DEFAULT_CODER_TOKEN;
  const state = new CoderState(
    { ...DEFAULT_CODER_TIMINGS, ...opts.timings },
    opts.now ?? (() => Date.now()),
  );
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
  // The Coder Agents (chats) API goes here as fake-coder/routes-chats.ts on the same state.
  http.app.notFound((c) => coderError(c, 404, 'Route not found.'));

  const mustTask = (id: string) => {
    const task = state.tasks.get(id);
    if (!task) throw new Error(`fake coder: no task ${id}`);
    return task;
  };

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
      state.timings = { ...state.timings, ...timings };
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
  };
}

/** Starts a fake Coder on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeCoder(opts: FakeCoderOptions = {}): Promise<FakeCoder> {
  const fake = createFakeCoder(opts);
  const server = await listen(fake, opts.port);
  return Object.assign(fake, server);
}
