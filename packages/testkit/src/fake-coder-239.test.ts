import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { coderApi } from '../test/api';
import {
  type CoderRelease,
  createFakeCoder,
  type FakeCoderApp,
  type FakeCoderOptions,
  startFakeCoder,
} from './fake-coder';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary API JSON
type Json = any;

const CHATS = '/api/v2/chats';
const RUN_MS = 1_000;

describe('fake Coder 2.39 chats (hand-driven clock)', () => {
  let clock: number;
  let fake: FakeCoderApp;
  let api: ReturnType<typeof coderApi>;

  function make(release: CoderRelease = '2.39', opts: FakeCoderOptions = {}) {
    const made = createFakeCoder({
      release,
      now: () => clock,
      timings: { chatRunningMs: RUN_MS, interruptMs: 100 },
      ...opts,
    });
    return { made, api: coderApi(made) };
  }

  function body(extra: Record<string, unknown> = {}, on: FakeCoderApp = fake) {
    return {
      organization_id: on.defaultOrganization.id,
      content: [{ type: 'text', text: 'Fix acme/widgets#42' }],
      ...extra,
    };
  }

  beforeEach(() => {
    clock = Date.parse('2026-12-01T10:00:00Z');
    ({ made: fake, api } = make());
  });

  it('stores a title given on create, trimmed, at most 200 characters (400 naming it)', async () => {
    const created = await api('POST', CHATS, body({ title: '  Issue #42: widgets  ' }));
    expect(created.status).toBe(201);
    expect(created.json.title).toBe('Issue #42: widgets');
    expect((await api('GET', `${CHATS}/${created.json.id}`)).json.title).toBe('Issue #42: widgets');
    // 200 code points is the limit, counted as runes, not UTF-16 units.
    expect((await api('POST', CHATS, body({ title: '😀'.repeat(200) }))).status).toBe(201);
    for (const title of ['x'.repeat(201), '   ', 42]) {
      const refused = await api('POST', CHATS, body({ title }));
      expect(refused.status).toBe(400);
      expect(refused.json.validations).toEqual([
        { field: 'title', detail: expect.stringContaining('200') },
      ]);
    }
    // 2.38 has no title on create: the first prompt line names the chat.
    const old = make('2.38');
    const ignored = await old.api('POST', CHATS, body({ title: 'Mine' }, old.made));
    expect(ignored.json.title).toBe('Fix acme/widgets#42');
  });

  it('creates a chat idle when content is empty (2.38: 400)', async () => {
    const idle = await api('POST', CHATS, body({ content: [] }));
    expect(idle.status).toBe(201);
    expect(idle.json.status).toBe('waiting');
    expect(fake.chatMessages(idle.json.id)).toEqual([]);
    const first = await api('POST', `${CHATS}/${idle.json.id}/messages`, {
      content: [{ type: 'text', text: 'now work' }],
    });
    expect(first.json.queued).toBe(false);
    expect((await api('GET', `${CHATS}/${idle.json.id}`)).json.status).toBe('running');
    const old = make('2.38');
    const refused = await old.api('POST', CHATS, body({ content: [] }, old.made));
    expect(refused.status).toBe(400);
  });

  it('tracks several pull requests: diff_statuses in first-report order, diff_status the last', async () => {
    const chat = (await api('POST', CHATS, body())).json;
    fake.setChatDiffs(chat.id, [
      { pull_request_url: 'https://github.com/acme/widgets/pull/7', git_branch: 'fix-42' },
      {
        pull_request_url: 'https://github.com/acme/docs/pull/3',
        git_branch: 'docs-42',
        remote_origin: 'https://github.com/acme/docs.git',
      },
    ]);
    let got = (await api('GET', `${CHATS}/${chat.id}`)).json;
    expect(got.diff_statuses.map((d: Json) => [d.git_branch, d.pr_number])).toEqual([
      ['fix-42', 7],
      ['docs-42', 3],
    ]);
    expect(got.diff_status).toMatchObject({ pr_number: 3, remote_origin: expect.any(String) });
    expect(got.diff_statuses[0]).toMatchObject({
      chat_id: chat.id,
      url: 'https://github.com/acme/widgets/pull/7',
      pull_request_state: 'open',
      remote_origin: '',
    });

    // A new report for the first ref keeps its place and makes it the primary.
    fake.reportChatDiff(chat.id, {
      url: 'https://github.com/acme/widgets/pull/7',
      pull_request_state: 'merged',
      pr_number: 7,
      git_branch: 'fix-42',
    });
    got = (await api('GET', `${CHATS}/${chat.id}`)).json;
    expect(got.diff_status).toMatchObject({ pr_number: 7, pull_request_state: 'merged' });
    expect(got.diff_statuses.map((d: Json) => d.pr_number)).toEqual([7, 3]);

    // setChatDiff keeps its meaning: the one pull request.
    fake.setChatDiff(chat.id, { pull_request_url: 'https://github.com/acme/widgets/pull/9' });
    got = (await api('GET', `${CHATS}/${chat.id}`)).json;
    expect(got.diff_statuses).toHaveLength(1);
    fake.setChatDiff(chat.id, null);
    got = (await api('GET', `${CHATS}/${chat.id}`)).json;
    expect(got.diff_status).toBeUndefined();
    expect(got.diff_statuses).toBeUndefined();

    // 2.38: no diff_statuses, no ref fields.
    const old = make('2.38');
    const oldChat = (await old.api('POST', CHATS, body({}, old.made))).json;
    old.made.setChatDiffs(oldChat.id, [
      { pull_request_url: 'https://github.com/acme/widgets/pull/7', git_branch: 'a' },
      { pull_request_url: 'https://github.com/acme/widgets/pull/8', git_branch: 'b' },
    ]);
    const seen = (await old.api('GET', `${CHATS}/${oldChat.id}`)).json;
    expect(seen.diff_statuses).toBeUndefined();
    expect(seen.diff_status.pr_number).toBe(8);
    expect(seen.diff_status.git_branch).toBeUndefined();
  });

  it('holds chats beyond the agent capacity: running, queued_for_capacity on GET only', async () => {
    fake.setCapacity(1);
    const first = (await api('POST', CHATS, body())).json;
    const second = (await api('POST', CHATS, body())).json;
    expect(second.status).toBe('running');
    let got = (await api('GET', `${CHATS}/${second.id}`)).json;
    expect(got.queued_for_capacity).toBe(true);
    expect((await api('GET', `${CHATS}/${first.id}`)).json.queued_for_capacity).toBeUndefined();
    // The list leaves it false (omitted).
    const listed = (await api('GET', CHATS)).json.find((c: Json) => c.id === second.id);
    expect(listed.queued_for_capacity).toBeUndefined();

    // No progress while waiting; the first chat's turn ends and frees the slot.
    clock += RUN_MS;
    expect((await api('GET', `${CHATS}/${first.id}`)).json.status).toBe('waiting');
    got = (await api('GET', `${CHATS}/${second.id}`)).json;
    expect(got).toMatchObject({ status: 'running' });
    expect(got.queued_for_capacity).toBeUndefined();
    clock += RUN_MS;
    expect((await api('GET', `${CHATS}/${second.id}`)).json.status).toBe('waiting');

    // Raising the capacity admits a waiting chat at once; interrupting one drops it.
    const third = (await api('POST', CHATS, body())).json;
    const fourth = (await api('POST', CHATS, body())).json;
    expect((await api('GET', `${CHATS}/${fourth.id}`)).json.queued_for_capacity).toBe(true);
    expect((await api('POST', `${CHATS}/${fourth.id}/interrupt`)).status).toBe(200);
    fake.setCapacity(null);
    clock += RUN_MS;
    expect((await api('GET', `${CHATS}/${third.id}`)).json.status).toBe('waiting');
    expect((await api('GET', `${CHATS}/${fourth.id}`)).json.status).toBe('waiting');
  });

  it('refuses a message past the per-chat queue limit (2.38: no limit)', async () => {
    const { made, api: limited } = make('2.39', { maxQueuedMessagesPerChat: 2 });
    const chat = (await limited('POST', CHATS, body({}, made))).json;
    const send = (text: string) =>
      limited('POST', `${CHATS}/${chat.id}/messages`, { content: [{ type: 'text', text }] });
    expect((await send('one')).json.queued).toBe(true);
    expect((await send('two')).json.queued).toBe(true);
    const third = await send('three');
    expect(third.status).toBe(409);
    expect(third.json.message).toEqual(expect.any(String));
    expect(made.chatMessages(chat.id).map((m) => m.text)).toEqual([
      'Fix acme/widgets#42',
      'one',
      'two',
    ]);
    // Default 20.
    const twenty = (await api('POST', CHATS, body())).json;
    const statuses = [];
    for (let i = 0; i < 21; i++) {
      const res = await api('POST', `${CHATS}/${twenty.id}/messages`, {
        content: [{ type: 'text', text: `m${i}` }],
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.at(-1)).toBe(409);

    const old = make('2.38', { maxQueuedMessagesPerChat: 1 });
    const oldChat = (await old.api('POST', CHATS, body({}, old.made))).json;
    for (const text of ['a', 'b', 'c']) {
      const res = await old.api('POST', `${CHATS}/${oldChat.id}/messages`, {
        content: [{ type: 'text', text }],
      });
      expect(res.status).toBe(200);
    }
  });

  it('filters the list by status (q=status:, repeated or comma-separated) and labels', async () => {
    const running = (await api('POST', CHATS, body({ labels: { team: 'a' } }))).json;
    const idle = (await api('POST', CHATS, body({ content: [], labels: { team: 'b' } }))).json;
    const ids = async (query: string) =>
      (await api('GET', `${CHATS}?${query}`)).json.map((c: Json) => c.id);
    expect(await ids('q=status:waiting')).toEqual([idle.id]);
    expect(await ids('q=status:running')).toEqual([running.id]);
    expect((await ids('q=status:running,waiting')).sort()).toEqual([running.id, idle.id].sort());
    expect((await ids('q=status:running%20status:waiting')).length).toBe(2);
    expect(await ids('q=status:waiting&label=team:a')).toEqual([]);
    expect(await ids('label=team:a')).toEqual([running.id]);
    fake.setChatDiff(running.id, { pull_request_url: 'https://github.com/acme/widgets/pull/1' });
    expect(await ids('q=pr_status:none')).toEqual([idle.id]);
    expect(await ids('q=pr_status:open')).toEqual([running.id]);
    const bad = await api('GET', `${CHATS}?q=status:sleeping`);
    expect(bad).toEqual({
      status: 400,
      json: {
        message: 'Invalid chat search query.',
        validations: [{ field: 'status', detail: '"sleeping" is not a chat status' }],
      },
    });
    const old = make('2.38');
    expect((await old.api('GET', `${CHATS}?q=status:waiting`)).status).toBe(400);
  });

  it('validates labels: at most 50, keys of 64 bytes, values of 256 bytes, naming the label', async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const tooMany = await api('POST', CHATS, body({ labels: many }));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.validations[0].detail).toContain('maximum is 50');
    const longKey = 'k'.repeat(65);
    const keyed = await api('POST', CHATS, body({ labels: { [longKey]: 'v' } }));
    expect(keyed.json.validations).toEqual([
      { field: 'labels', detail: `label key "${longKey}" is invalid` },
    ]);
    // 129 two-byte characters: 258 bytes, though only 129 UTF-16 units.
    const wide = await api('POST', CHATS, body({ labels: { note: 'é'.repeat(129) } }));
    expect(wide.json.validations).toEqual([
      { field: 'labels', detail: 'label value for "note" is invalid' },
    ]);
    expect((await api('POST', CHATS, body({ labels: { '-x': 'v' } }))).status).toBe(400);
    expect((await api('POST', CHATS, body({ labels: { 'a.b/c-d_e': 'v' } }))).status).toBe(201);
  });

  it('accepts a project of the chat owner (2.39 only); lists projects', async () => {
    const alice = fake.addUser({ username: 'alice' });
    const mine = fake.addProject({ name: 'widgets' });
    const hers = fake.addProject({ name: 'hers', owner: 'alice' });
    const created = await api('POST', CHATS, body({ project_id: mine.id }));
    expect(created.status).toBe(201);
    expect(created.json.project_id).toBe(mine.id);
    for (const projectId of [hers.id, '33333333-3333-3333-3333-333333333333', 'nope']) {
      const refused = await api('POST', CHATS, body({ project_id: projectId }));
      expect(refused.status).toBe(400);
      expect(refused.json.validations[0].field).toBe('project_id');
    }
    // For alice (owner_id), her own project is the one that fits.
    const forAlice = await api('POST', CHATS, body({ owner_id: alice.id, project_id: hers.id }));
    expect(forAlice.json).toMatchObject({ owner_id: alice.id, project_id: hers.id });

    // The list narrows to a project with `project_id`.
    const inProject = await api('GET', `${CHATS}?project_id=${mine.id}`);
    expect(inProject.json.map((c: Json) => c.id)).toEqual([created.json.id]);
    expect((await api('GET', `${CHATS}?project_id=nope`)).status).toBe(400);

    const list = await api('GET', '/api/experimental/chats/projects');
    expect(list.json).toEqual([
      expect.objectContaining({ id: mine.id, name: 'widgets', owner_id: fake.tokenUser.id }),
    ]);

    const old = make('2.38');
    const oldProject = old.made.addProject({ name: 'x' });
    const ignored = await old.api('POST', CHATS, body({ project_id: oldProject.id }, old.made));
    expect(ignored.status).toBe(201);
    expect(ignored.json.project_id).toBeUndefined();
    expect((await old.api('GET', '/api/experimental/chats/projects')).status).toBe(404);
  });

  it('refuses chats to users without chat permission', async () => {
    const bob = fake.addUser({ username: 'bob', chatAccess: false });
    expect(await api('POST', CHATS, body({ owner_id: bob.id }))).toEqual({
      status: 400,
      json: { message: 'Chat owner does not have permission to use chats.' },
    });
    const key = (
      await api('POST', `/api/v2/users/${bob.id}/keys/tokens`, {
        lifetime: 3.6e12,
        token_name: 'b',
      })
    ).json.key;
    const asBob = coderApi(fake, key);
    expect((await asBob('POST', CHATS, body())).status).toBe(403);

    // 2.36: a member without the agents-access role gets 403 too.
    const old = make('2.36');
    const carol = old.made.addUser({ username: 'carol', chatAccess: false });
    const carolKey = (
      await old.api('POST', `/api/v2/users/${carol.id}/keys/tokens`, {
        lifetime: 3.6e12,
        token_name: 'c',
      })
    ).json.key;
    const refused = await coderApi(old.made, carolKey)(
      'POST',
      '/api/experimental/chats',
      body({}, old.made),
    );
    expect(refused.status).toBe(403);
  });
});

describe('fake Coder 2.39 watch stream', () => {
  let coder: Awaited<ReturnType<typeof startFakeCoder>>;
  afterEach(async () => {
    await coder?.close();
  });

  it('names the changed ref on diff_status_change (kind unchanged)', async () => {
    coder = await startFakeCoder({ timings: { chatRunningMs: 60_000 } });
    const ws = new WebSocket(
      `${coder.url.replace('http', 'ws')}/api/v2/chats/watch?coder_session_token=${coder.token}`,
    );
    const frames: Json[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const created = await fetch(`${coder.url}/api/v2/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Coder-Session-Token': coder.token },
      body: JSON.stringify({
        organization_id: coder.defaultOrganization.id,
        content: [{ type: 'text', text: 'x' }],
      }),
    });
    const chat = (await created.json()) as Json;
    coder.reportChatDiff(chat.id, {
      pull_request_url: 'https://github.com/acme/widgets/pull/5',
      git_branch: 'fix',
      remote_origin: 'https://github.com/acme/widgets.git',
    });
    const deadline = Date.now() + 5_000;
    while (!frames.some((f) => f.kind === 'diff_status_change') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    ws.close();
    const frame = frames.find((f) => f.kind === 'diff_status_change');
    expect(frame.changed_diff_status).toEqual({
      ref: { git_branch: 'fix', remote_origin: 'https://github.com/acme/widgets.git' },
      status: expect.objectContaining({ pr_number: 5, chat_id: chat.id }),
    });
    expect(frame.chat.diff_statuses).toHaveLength(1);
    // Other kinds carry neither.
    const createdFrame = frames.find((f) => f.kind === 'created');
    expect(createdFrame.changed_diff_status).toBeUndefined();
    expect(createdFrame.chat.diff_statuses).toBeUndefined();
  });
});
