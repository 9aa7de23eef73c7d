import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiOf } from '../test/api';
import { createFakeCoder, type FakeCoder, startFakeCoder } from './fake-coder';

const TOKEN = 'secret-token';
const GITHUB_ID = 4242;

describe('fake Coder', () => {
  let coder: FakeCoder;
  let clock: number;

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    coder = await startFakeCoder({
      token: TOKEN,
      release: '2.36', // the last release with the Tasks API
      now: () => clock,
      timings: { pendingMs: 1_000, initializingMs: 2_000, workingMs: 3_000 },
    });
  });
  afterEach(async () => {
    await coder.close();
  });

  const api = (method: string, path: string, body?: unknown) =>
    apiOf(coder, { 'Coder-Session-Token': TOKEN })(method, path, body);

  function seedUser() {
    return coder.addUser({ username: 'alice', githubUserId: GITHUB_ID });
  }

  async function createTask(name = 'gh-widgets-42') {
    return api('POST', '/api/v2/tasks/alice', {
      template_version_id: coder.defaultTemplate.activeVersionId,
      template_version_preset_id: coder.defaultTemplate.presets[0]?.ID,
      input: 'https://github.com/acme/widgets/issues/42',
      name,
    });
  }

  it('requires the Coder-Session-Token header', async () => {
    const none = await fetch(`${coder.url}/api/v2/users`);
    expect(none.status).toBe(401);
    expect(await none.json()).toHaveProperty('message');
    const wrong = await fetch(`${coder.url}/api/v2/users`, {
      headers: { 'Coder-Session-Token': 'nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('finds users by linked GitHub id', async () => {
    const alice = seedUser();
    const found = await api('GET', `/api/v2/users?q=github_com_user_id:${GITHUB_ID}`);
    expect(found.status).toBe(200);
    expect(found.json.count).toBe(1);
    expect(found.json.users[0]).toMatchObject({
      id: alice.id,
      username: 'alice',
      email: 'alice@example.com',
      status: 'active',
    });
    const none = await api('GET', '/api/v2/users?q=github_com_user_id:1');
    expect(none.json).toEqual({ users: [], count: 0 });
  });

  it('resolves organizations, templates and presets', async () => {
    const org = await api('GET', '/api/v2/organizations/default');
    expect(org.json).toMatchObject({ id: coder.defaultOrganization.id, name: 'default' });
    expect((await api('GET', `/api/v2/organizations/${org.json.id}`)).status).toBe(200);
    expect((await api('GET', '/api/v2/organizations/nope')).status).toBe(404);

    const tpl = await api('GET', '/api/v2/organizations/default/templates/task-template');
    expect(tpl.json).toMatchObject({
      id: coder.defaultTemplate.id,
      name: 'task-template',
      organization_id: org.json.id,
      active_version_id: coder.defaultTemplate.activeVersionId,
    });
    expect((await api('GET', '/api/v2/organizations/default/templates/nope')).status).toBe(404);

    const presets = await api(
      'GET',
      `/api/v2/templateversions/${tpl.json.active_version_id}/presets`,
    );
    expect(presets.json).toEqual([expect.objectContaining({ Name: 'default', Default: true })]);

    coder.addOrganization({ name: 'eng' });
    const custom = coder.addTemplate({
      org: 'eng',
      name: 'codex',
      presets: [{ Name: 'big' }, { Name: 'small', Default: true }],
    });
    const got = await api('GET', '/api/v2/organizations/eng/templates/codex');
    expect(got.json.active_version_id).toBe(custom.activeVersionId);
  });

  it('creates a task with the real Task shape and walks its lifecycle', async () => {
    const alice = seedUser();
    const created = await createTask();
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      organization_id: coder.defaultOrganization.id,
      owner_id: alice.id,
      owner_name: 'alice',
      name: 'gh-widgets-42',
      display_name: 'gh-widgets-42',
      template_id: coder.defaultTemplate.id,
      template_version_id: coder.defaultTemplate.activeVersionId,
      template_name: 'task-template',
      workspace_name: 'gh-widgets-42',
      status: 'pending',
      current_state: null,
      initial_prompt: 'https://github.com/acme/widgets/issues/42',
      created_at: '2025-01-01T00:00:00.000Z',
    });
    expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.json.workspace_id).toMatch(/^[0-9a-f-]{36}$/);

    const get = () => api('GET', `/api/v2/tasks/alice/${created.json.id}`);
    clock += 1_000;
    expect((await get()).json.status).toBe('initializing');
    clock += 2_000;
    const working = (await get()).json;
    expect(working.status).toBe('active');
    expect(working.current_state).toMatchObject({ state: 'working', uri: '' });
    expect(working.current_state.timestamp).toBe('2025-01-01T00:00:03.000Z');
    clock += 3_000;
    expect((await get()).json.current_state.state).toBe('idle');
    expect(coder.taskByName('gh-widgets-42')?.status).toBe('active');
  });

  it('rejects duplicates, unknown template versions, bad names and unknown users', async () => {
    seedUser();
    expect((await createTask()).status).toBe(201);
    const dup = await createTask();
    expect(dup.status).toBe(409);
    expect(dup.json.message).toEqual(expect.any(String));

    const badVersion = await api('POST', '/api/v2/tasks/alice', {
      template_version_id: '00000000-0000-0000-0000-000000000000',
      input: 'x',
    });
    expect(badVersion.status).toBe(400);
    expect((await createTask('x'.repeat(33))).status).toBe(400);
    const nobody = await api('POST', '/api/v2/tasks/bob', {
      template_version_id: coder.defaultTemplate.activeVersionId,
      input: 'x',
    });
    expect(nobody.status).toBe(404);
  });

  it('lists tasks by owner (quoted or not) and gets them by name or id', async () => {
    seedUser();
    coder.addUser({ username: 'bob' });
    const a = (await createTask('gh-widgets-1')).json;
    await api('POST', '/api/v2/tasks/bob', {
      template_version_id: coder.defaultTemplate.activeVersionId,
      input: 'x',
      name: 'gh-widgets-2',
    });
    const quoted = await api('GET', `/api/v2/tasks?q=${encodeURIComponent('owner:"alice"')}`);
    expect(quoted.json.count).toBe(1);
    expect(quoted.json.tasks[0].name).toBe('gh-widgets-1');
    const bare = await api('GET', '/api/v2/tasks?q=owner:bob');
    expect(bare.json.tasks.map((t: { name: string }) => t.name)).toEqual(['gh-widgets-2']);
    expect((await api('GET', '/api/v2/tasks')).json.count).toBe(2);

    expect((await api('GET', '/api/v2/tasks/alice/gh-widgets-1')).json.id).toBe(a.id);
    expect((await api('GET', `/api/v2/tasks/alice/${a.id}`)).json.name).toBe('gh-widgets-1');
    expect((await api('GET', '/api/v2/tasks/bob/gh-widgets-1')).status).toBe(404);
  });

  it('deletes tasks with 202, then 404; the name is free again', async () => {
    seedUser();
    const task = (await createTask()).json;
    expect((await api('DELETE', `/api/v2/tasks/alice/${task.id}`)).status).toBe(202);
    expect((await api('GET', `/api/v2/tasks/alice/${task.id}`)).status).toBe(404);
    expect((await api('DELETE', `/api/v2/tasks/alice/${task.id}`)).status).toBe(404);
    expect(coder.tasks()).toEqual([]);
    expect((await createTask()).status).toBe(201);
  });

  it('accepts input only when the agent is ready, like a busy agent would', async () => {
    seedUser();
    const task = (await createTask()).json;
    const send = (input: string) => api('POST', `/api/v2/tasks/alice/${task.id}/send`, { input });

    expect((await send('too early')).status).toBe(409); // pending
    clock += 3_000;
    const busy = await send('still working');
    expect(busy.status).toBe(409);
    expect(busy.json.message).toEqual(expect.any(String));

    clock += 3_000; // idle
    expect((await send('first')).status).toBe(204);
    const after = (await api('GET', `/api/v2/tasks/alice/${task.id}`)).json;
    expect(after.current_state.state).toBe('working');
    expect((await send('second')).status).toBe(409);
    clock += 3_000;
    expect((await send('second')).status).toBe(204);
    expect(coder.inputs(task.id)).toEqual(['first', 'second']);

    for (const state of ['complete', 'failed'] as const) {
      coder.setTaskStatus(task.id, 'active', state);
      expect((await send(state)).status).toBe(204);
    }
  });

  it('pauses and resumes through workspace builds', async () => {
    seedUser();
    const task = (await createTask()).json;
    clock += 6_000;
    const stop = await api('POST', `/api/v2/workspaces/${task.workspace_id}/builds`, {
      transition: 'stop',
    });
    expect(stop.status).toBe(201);
    expect(stop.json).toMatchObject({ transition: 'stop', job: { status: 'pending' } });
    expect(coder.taskByName(task.name)?.status).toBe('paused');
    expect(coder.taskByName(task.name)?.workspace_status).toBe('stopped');

    const start = await api('POST', `/api/v2/workspaces/${task.workspace_id}/builds`, {
      transition: 'start',
    });
    expect(start.status).toBe(201);
    expect(coder.taskByName(task.name)?.status).toBe('initializing');
    clock += 2_000;
    expect(coder.taskByName(task.name)).toMatchObject({
      status: 'active',
      current_state: { state: 'idle' },
    });
    expect(
      (await api('POST', '/api/v2/workspaces/nope/builds', { transition: 'start' })).status,
    ).toBe(404);
  });

  it('lets tests force a status', async () => {
    seedUser();
    const task = (await createTask()).json;
    coder.setTaskStatus(task.id, 'error');
    clock += 60_000; // the forced status sticks; the original plan is dropped
    expect(coder.taskByName(task.name)?.status).toBe('error');
    coder.setTaskStatus(task.id, 'unknown');
    expect(coder.tasks()[0]?.status).toBe('unknown');
  });
});

describe('fake Coder on the real clock', () => {
  it('moves through the lifecycle by itself, without timers', async () => {
    const coder = createFakeCoder({
      release: '2.36',
      timings: { pendingMs: 20, initializingMs: 20, workingMs: 20 },
    });
    coder.addUser({ username: 'alice' });
    const res = await coder.app.request('/api/v2/tasks/alice', {
      method: 'POST',
      headers: { 'Coder-Session-Token': coder.token },
      body: JSON.stringify({
        template_version_id: coder.defaultTemplate.activeVersionId,
        input: 'go',
        name: 'gh-a-1',
      }),
    });
    expect(res.status).toBe(201);
    expect(coder.taskByName('gh-a-1')?.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 80));
    expect(coder.taskByName('gh-a-1')).toMatchObject({
      status: 'active',
      current_state: { state: 'idle' },
    });
  });
});
