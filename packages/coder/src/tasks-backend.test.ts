/**
 * The Coder Tasks status → readiness mapping (`readinessOf`), which `waitUntilReady`
 * (readiness.ts) and the task workflow act on, and `CoderTasksBackend.status` driving it from
 * the fake Coder playing 2.36, the last release with the Tasks API.
 */
import { type FakeCoder, startFakeCoder } from '@code-factory/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Readiness } from './backend';
import { type CoderTask, CoderTasksBackend, readinessOf, TaskSchema } from './tasks-backend';

function task(status: string, state?: string | null): CoderTask {
  return {
    id: 't1',
    name: 'gh-widgets-42',
    owner_name: 'octo-dev',
    status,
    ...(state === undefined
      ? {}
      : { current_state: state === null ? null : { state, message: 'm' } }),
  };
}

describe('readinessOf', () => {
  // Every task status × the states the agent reports (codersdk.TaskStatus, codersdk.TaskState
  // as packages/testkit/src/fake-coder/state.ts spells them), plus what Coder may add later.
  const cases: Array<[status: string, state: string | null | undefined, Readiness, string]> = [
    ['active', 'idle', 'ready', 'active/idle'],
    ['active', 'complete', 'ready', 'active/complete'],
    ['active', 'completed', 'ready', 'active/completed'],
    // The last turn failed, but the agent waits for input.
    ['active', 'failed', 'ready', 'active/failed'],
    ['active', 'working', 'busy', 'active/working'],
    // Running but no state reported yet: the agent is still coming up.
    ['active', undefined, 'starting', 'active'],
    ['active', null, 'starting', 'active'],
    ['active', 'thinking', 'starting', 'active/thinking'],
    ['pending', undefined, 'starting', 'pending'],
    ['initializing', 'working', 'starting', 'initializing/working'],
    ['paused', undefined, 'paused', 'paused'],
    ['paused', 'idle', 'paused', 'paused/idle'],
    ['error', undefined, 'error', 'error'],
    ['unknown', undefined, 'error', 'unknown'],
    ['deleting', undefined, 'error', 'deleting'],
    ['', undefined, 'error', ''],
  ];

  it.each(cases)('%s with state %s is %s', (status, state, readiness, detail) => {
    expect(readinessOf(task(status, state))).toEqual({ readiness, detail });
  });

  it('never answers gone: a task Coder still returns exists', () => {
    const statuses = ['active', 'pending', 'initializing', 'paused', 'error', 'unknown', 'x'];
    for (const status of statuses) expect(readinessOf(task(status)).readiness).not.toBe('gone');
  });
});

describe('TaskSchema', () => {
  it('accepts a task with a null state and no workspace', () => {
    const parsed = TaskSchema.parse({
      ...task('pending'),
      current_state: null,
      workspace_id: null,
    });
    expect(readinessOf(parsed)).toEqual({ readiness: 'starting', detail: 'pending' });
  });

  it.each([
    ['no status', { id: 't1', name: 'n', owner_name: 'o' }, 'status'],
    ['a numeric status', { ...task('active'), status: 3 }, 'status'],
    ['a state without its name', { ...task('active'), current_state: { message: 'm' } }, 'state'],
    ['no owner', { id: 't1', name: 'n', status: 'active' }, 'owner_name'],
  ])('rejects a task with %s, naming the field', (_, body, field) => {
    const result = TaskSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContainEqual(
      expect.stringContaining(field),
    );
  });

  it('rejects what is not a task at all', () => {
    for (const body of [null, 'active', [], 42]) {
      expect(TaskSchema.safeParse(body).success).toBe(false);
    }
  });
});

describe('CoderTasksBackend.status against the fake Coder (2.36)', () => {
  let coder: FakeCoder;

  afterEach(async () => {
    await coder?.close();
  });

  async function started() {
    coder = await startFakeCoder({
      release: '2.36',
      token: 'tasks-token',
      // Long phases: the test forces each status itself.
      timings: { pendingMs: 60_000, initializingMs: 60_000, workingMs: 60_000 },
    });
    coder.addUser({ username: 'octo-dev', githubUserId: 4242 });
    const backend = new CoderTasksBackend({
      url: coder.url,
      token: 'tasks-token',
      organization: 'default',
      templateName: coder.defaultTemplate.name,
    });
    const { agent } = await backend.ensureAgent({
      taskName: 'gh-widgets-42',
      owner: 'octo-dev',
      input: 'the brief',
    });
    return { backend, agent };
  }

  it('maps what Coder reports, and a deleted task is gone', async () => {
    const { backend, agent } = await started();
    expect(await backend.status(agent)).toEqual({ readiness: 'starting', detail: 'pending' });

    coder.setTaskStatus(agent.id, 'active', 'working');
    expect(await backend.status(agent)).toEqual({ readiness: 'busy', detail: 'active/working' });
    coder.setTaskStatus(agent.id, 'active', 'idle');
    expect(await backend.status(agent)).toEqual({ readiness: 'ready', detail: 'active/idle' });
    coder.setTaskStatus(agent.id, 'paused');
    expect((await backend.status(agent)).readiness).toBe('paused');
    coder.setTaskStatus(agent.id, 'error');
    expect((await backend.status(agent)).readiness).toBe('error');

    expect(await backend.close(agent)).toEqual({ existed: true });
    expect(await backend.status(agent)).toEqual({ readiness: 'gone', detail: 'deleted' });
  });
});
