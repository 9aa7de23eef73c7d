import { beforeEach, describe, expect, it } from 'vitest';
import { coderApi } from '../test/api';
import { createFakeCoder, type FakeCoderApp } from './fake-coder';

const CHATS = '/api/v2/chats';
const RUN_MS = 5_000;
const INTERRUPT_MS = 1_000;

describe('fake Coder: Chats API (2.38, hand-driven clock)', () => {
  let coder: FakeCoderApp;
  let clock: number;
  let api: ReturnType<typeof coderApi>;

  beforeEach(() => {
    clock = Date.parse('2026-10-01T00:00:00Z');
    // 2.38 ('current'): what 2.39 changes is in fake-coder-239.test.ts.
    coder = createFakeCoder({
      release: '2.38',
      now: () => clock,
      timings: { chatRunningMs: RUN_MS, interruptMs: INTERRUPT_MS },
    });
    api = coderApi(coder);
  });

  function createChat(text = 'Fix acme/widgets#42', labels: Record<string, string> = {}) {
    return api('POST', CHATS, {
      organization_id: coder.defaultOrganization.id,
      content: [{ type: 'text', text }],
      labels,
    });
  }
  const getChat = async (id: string) => (await api('GET', `${CHATS}/${id}`)).json;
  const send = (id: string, text: string) =>
    api('POST', `${CHATS}/${id}/messages`, { content: [{ type: 'text', text }] });

  it('creates a running chat with the codersdk.Chat shape; the turn ends in waiting', async () => {
    const created = await createChat('Fix it\nwith details', { 'code-factory/task': 'gh-w-42' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      owner_id: coder.tokenUser.id,
      owner_username: 'admin',
      organization_id: coder.defaultOrganization.id,
      title: 'Fix it',
      status: 'running',
      last_turn_summary: null,
      summary: null,
      archived: false,
      shared: false,
      labels: { 'code-factory/task': 'gh-w-42' },
      client_type: 'api',
      children: [],
    });
    // omitempty: absent, not null
    expect(created.json).not.toHaveProperty('last_error');
    expect(created.json).not.toHaveProperty('diff_status');
    expect(created.json).not.toHaveProperty('workspace_id');

    clock += RUN_MS;
    const done = await getChat(created.json.id);
    expect(done.status).toBe('waiting');
    expect(done.last_turn_summary).toBe('Worked on: Fix it');
    expect(coder.chatMessages(created.json.id)).toEqual([
      {
        text: 'Fix it\nwith details',
        queued: false,
        delivered: true,
        createdBy: coder.tokenUser.id,
      },
    ]);
  });

  it('validates organization_id, content and labels', async () => {
    const noOrg = await api('POST', CHATS, { content: [{ type: 'text', text: 'x' }] });
    expect(noOrg.json).toEqual({ message: 'organization_id is required.' });
    expect(noOrg.status).toBe(400);
    const unknownOrg = await api('POST', CHATS, {
      organization_id: '11111111-1111-1111-1111-111111111111',
      content: [{ type: 'text', text: 'x' }],
    });
    expect(unknownOrg.status).toBe(400);
    expect((await createChat('')).status).toBe(400);
    const badKey = await createChat('x', { '-bad key': 'v' });
    expect(badKey.status).toBe(400);
    expect(badKey.json.validations[0].field).toBe('labels');
  });

  it('lists own unarchived chats; labels AND; q only takes known keys', async () => {
    const a = await createChat('a', { 'code-factory/task': 'gh-a-1', team: 'x' });
    await createChat('b', { 'code-factory/task': 'gh-b-2', team: 'x' });
    expect((await api('GET', `${CHATS}?label=team:x`)).json).toHaveLength(2);
    const one = await api(
      'GET',
      `${CHATS}?label=${encodeURIComponent('code-factory/task:gh-a-1')}&label=team:x`,
    );
    expect(one.json.map((c: { id: string }) => c.id)).toEqual([a.json.id]);
    expect((await api('GET', `${CHATS}?label=team`)).status).toBe(400);

    const bare = await api('GET', `${CHATS}?q=hello`);
    expect(bare.status).toBe(400);
    expect(bare.json).toEqual({
      message: 'Invalid chat search query.',
      validations: [{ field: 'q', detail: 'unsupported search term: "hello"' }],
    });
    expect((await api('GET', `${CHATS}?q=status:running`)).status).toBe(400);

    clock += RUN_MS;
    expect((await api('PATCH', `${CHATS}/${a.json.id}`, { archived: true })).status).toBe(204);
    expect((await api('GET', CHATS)).json).toHaveLength(1);
    const archived = await api('GET', `${CHATS}?q=${encodeURIComponent('archived:true')}`);
    expect(archived.json.map((c: { id: string }) => c.id)).toEqual([a.json.id]);
    expect(coder.chatByLabel('code-factory/task', 'gh-b-2')?.title).toBe('b');
  });

  it('pages the list with limit and offset (coderd ParsePagination), and refuses bad values', async () => {
    for (const name of ['a', 'b', 'c']) {
      await createChat(name, { team: 'x' });
      clock += 1;
    }
    const titles = async (query: string) =>
      (await api('GET', `${CHATS}?label=team:x&${query}`)).json.map(
        (c: { title: string }) => c.title,
      );
    // Newest first; limit 0 (or none) means every row.
    expect(await titles('limit=0')).toEqual(['c', 'b', 'a']);
    expect(await titles('limit=2')).toEqual(['c', 'b']);
    expect(await titles('limit=2&offset=2')).toEqual(['a']);
    expect(await titles('offset=3')).toEqual([]);
    for (const bad of ['limit=-1', 'limit=two', 'offset=1.5']) {
      const res = await api('GET', `${CHATS}?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.json.message).toBe('Query parameters have invalid values.');
      expect(res.json.validations[0].field).toBe(bad.split('=')[0]);
    }
  });

  it('queues a message while running and runs it after the turn', async () => {
    const { json: chat } = await createChat('first');
    clock += 1_000;
    const queued = await send(chat.id, 'second');
    expect(queued.status).toBe(200);
    expect(queued.json).toMatchObject({
      queued: true,
      queued_message: { content: [{ type: 'text', text: 'second' }] },
    });
    expect((await api('GET', `${CHATS}/${chat.id}/messages`)).json.queued_messages).toHaveLength(1);

    clock += RUN_MS - 1_000; // first turn over: the queued message runs
    const running = await getChat(chat.id);
    expect(running).toMatchObject({ status: 'running', last_turn_summary: 'Worked on: first' });
    expect(coder.chatMessages(chat.id)[1]).toMatchObject({ queued: true, delivered: true });
    clock += RUN_MS;
    expect(await getChat(chat.id)).toMatchObject({
      status: 'waiting',
      last_turn_summary: 'Worked on: second',
    });

    const idle = await send(chat.id, 'third');
    expect(idle.json).toMatchObject({ queued: false, message: { role: 'user' } });
    expect(idle.json.message.created_by).toBe(coder.tokenUser.id);
    expect((await getChat(chat.id)).status).toBe('running');
  });

  it('refuses to archive a busy chat (labels still written), then interrupt, then archive', async () => {
    const { json: chat } = await createChat();
    const busy = await api('PATCH', `${CHATS}/${chat.id}`, {
      labels: { stage: 'closing' },
      archived: true,
    });
    expect(busy.status).toBe(409);
    expect(busy.json.message).toBe(
      'Cannot archive an active chat. Interrupt or wait for the chat to finish first.',
    );
    expect((await getChat(chat.id)).labels).toEqual({ stage: 'closing' });

    const interrupted = await api('POST', `${CHATS}/${chat.id}/interrupt`);
    expect(interrupted.status).toBe(200);
    expect(interrupted.json.status).toBe('interrupting');
    expect((await api('PATCH', `${CHATS}/${chat.id}`, { archived: true })).status).toBe(409);
    clock += INTERRUPT_MS;
    expect((await getChat(chat.id)).status).toBe('waiting');

    const archive = await api('PATCH', `${CHATS}/${chat.id}`, { archived: true });
    expect(archive.status).toBe(204);
    expect(archive.json).toBeUndefined();
    const again = await api('PATCH', `${CHATS}/${chat.id}`, { archived: true });
    expect(again).toEqual({ status: 400, json: { message: 'Chat is already archived.' } });
    expect((await send(chat.id, 'x')).json).toEqual({
      message: 'Cannot send messages to an archived chat.',
    });
    const stop = await api('POST', `${CHATS}/${chat.id}/interrupt`);
    expect(stop).toEqual({ status: 400, json: { message: 'Cannot interrupt an archived chat.' } });
    expect((await api('PATCH', `${CHATS}/nope`, { archived: true })).status).toBe(404);
  });

  it('answers 409 to interrupting an idle chat; an interrupt runs the queue next', async () => {
    const { json: chat } = await createChat();
    clock += RUN_MS;
    const idle = await api('POST', `${CHATS}/${chat.id}/interrupt`);
    expect(idle.status).toBe(409);
    expect(idle.json.message).toBe('Chat is not in an interruptible state.');

    await send(chat.id, 'go');
    await send(chat.id, 'queued');
    await api('POST', `${CHATS}/${chat.id}/interrupt`);
    clock += INTERRUPT_MS;
    expect((await getChat(chat.id)).status).toBe('running');
    expect(coder.chatMessages(chat.id).map((m) => m.delivered)).toEqual([true, true, true]);
  });

  it('fails every new turn with kind usage_limit while the limit is reached', async () => {
    coder.setUsageLimitReached(true);
    const created = await createChat();
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('running');
    clock += 5;
    const failed = await getChat(created.json.id);
    expect(failed.status).toBe('error');
    expect(failed.last_error).toEqual({
      kind: 'usage_limit',
      retryable: false,
      message:
        'The usage quota for the AI provider has been exceeded. Check the billing and quota settings for the provider account.',
    });

    coder.setUsageLimitReached(false);
    const retry = await send(created.json.id, 'again');
    expect(retry.status).toBe(200);
    const running = await getChat(created.json.id);
    expect(running.status).toBe('running');
    expect(running).not.toHaveProperty('last_error');
  });

  it('lets tests force errors, actions, diffs and summaries', async () => {
    const { json: chat } = await createChat();
    coder.setChatError(chat.id, { kind: 'rate_limit', retryable: true });
    expect((await getChat(chat.id)).last_error).toMatchObject({
      kind: 'rate_limit',
      retryable: true,
      message: expect.any(String),
    });
    await send(chat.id, 'retry');
    coder.requireAction(chat.id);
    expect((await getChat(chat.id)).status).toBe('requires_action');
    // Interrupting requires_action resumes the turn (A0 → R0), it does not stop it.
    expect((await api('POST', `${CHATS}/${chat.id}/interrupt`)).json.status).toBe('running');

    coder.setChatDiff(chat.id, { pull_request_url: 'https://github.com/acme/widgets/pull/7' });
    expect((await getChat(chat.id)).diff_status).toEqual({
      chat_id: chat.id,
      url: 'https://github.com/acme/widgets/pull/7',
      pull_request_state: 'open',
      pr_number: 7,
      pull_request_title: '',
      pull_request_draft: false,
      changes_requested: false,
      approved: false,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    });
    coder.setChatDiff(chat.id, { url: 'https://github.com/acme/widgets/tree/b', head_branch: 'b' });
    expect((await getChat(chat.id)).diff_status).not.toHaveProperty('pr_number');
    coder.setChatDiff(chat.id, null);
    expect(await getChat(chat.id)).not.toHaveProperty('diff_status');

    coder.setChatSummary(chat.id, { summary: 'Opened a PR', last_turn_summary: 'Pushed' });
    expect(await getChat(chat.id)).toMatchObject({
      summary: 'Opened a PR',
      last_turn_summary: 'Pushed',
    });
    coder.setChatStatus(chat.id, 'waiting');
    expect((await getChat(chat.id)).status).toBe('waiting');
  });

  it('answers 404 Route not found on every chats route when Coder Agents is off', async () => {
    const off = coderApi(createFakeCoder({ chatsEnabled: false }));
    expect(await off('GET', CHATS)).toEqual({
      status: 404,
      json: { message: 'Route not found.' },
    });
    expect((await off('POST', CHATS, {})).status).toBe(404);
    expect((await off('GET', `${CHATS}/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await off('GET', `${CHATS}/watch`)).status).toBe(404);
    expect((await off('GET', '/api/v2/users/me')).status).toBe(200);

    const old = createFakeCoder({ chatsEnabled: false, release: '2.37' });
    for (const path of ['/api/v2/chats', '/api/experimental/chats']) {
      expect((await coderApi(old)('GET', path)).status).toBe(404);
    }
  });
});
