import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeCoder, startFakeCoder } from './fake-coder';

const TOKEN = 'secret-token';
const CHATS = '/api/experimental/chats';

describe('fake Coder: Chats API', () => {
  let coder: FakeCoder;
  let clock: number;

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    coder = await startFakeCoder({
      token: TOKEN,
      now: () => clock,
      timings: { chatPendingMs: 1_000, chatRunningMs: 5_000 },
    });
  });
  afterEach(async () => {
    await coder.close();
  });

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${coder.url}${path}`, {
      method,
      headers: { 'Coder-Session-Token': TOKEN, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary API JSON
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: res.status, json };
  }

  function createChat(text = 'Fix acme/widgets#42', labels: Record<string, string> = {}) {
    return api('POST', CHATS, {
      organization_id: coder.defaultOrganization.id,
      content: [{ type: 'text', text }],
      labels,
    });
  }

  it('creates a chat for the token user: pending, running, then waiting', async () => {
    const me = await api('GET', '/api/v2/users/me');
    const created = await createChat('Fix it', { 'code-factory/task': 'gh-widgets-42' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      owner_id: me.json.id,
      organization_id: coder.defaultOrganization.id,
      title: 'Fix it',
      status: 'pending',
      archived: false,
      labels: { 'code-factory/task': 'gh-widgets-42' },
      diff_status: null,
      client_type: 'api',
    });
    const id = created.json.id;
    clock += 1_000;
    expect((await api('GET', `${CHATS}/${id}`)).json.status).toBe('running');
    clock += 5_000;
    expect((await api('GET', `${CHATS}/${id}`)).json.status).toBe('waiting');
  });

  it('validates the organization, content and labels', async () => {
    const noOrg = await api('POST', CHATS, { content: [{ type: 'text', text: 'x' }] });
    expect(noOrg.status).toBe(400);
    expect((await createChat('')).status).toBe(400);
    const badKey = await createChat('x', { '-bad key': 'v' });
    expect(badKey.status).toBe(400);
    expect(badKey.json.validations[0].field).toBe('labels');
  });

  it('filters the list by labels (AND) and answers 400 to a malformed filter', async () => {
    const a = await createChat('a', { 'code-factory/task': 'gh-a-1', team: 'x' });
    await createChat('b', { 'code-factory/task': 'gh-b-2', team: 'x' });
    const both = await api('GET', `${CHATS}?label=team:x`);
    expect(both.json).toHaveLength(2);
    const one = await api(
      'GET',
      `${CHATS}?label=${encodeURIComponent('code-factory/task:gh-a-1')}&label=team:x`,
    );
    expect(one.json.map((c: { id: string }) => c.id)).toEqual([a.json.id]);
    expect((await api('GET', `${CHATS}?label=team`)).status).toBe(400);
    expect(coder.chatByLabel('code-factory/task', 'gh-b-2')?.title).toBe('b');
  });

  it('queues a message while running and runs again after it', async () => {
    const { json: chat } = await createChat('first');
    clock += 1_500; // running
    const sent = await api('POST', `${CHATS}/${chat.id}/messages`, {
      content: [{ type: 'text', text: 'second' }],
    });
    expect(sent.status).toBe(200);
    expect(sent.json).toMatchObject({
      queued: true,
      queued_message: { content: [{ text: 'second' }] },
    });
    expect(coder.chatMessages(chat.id)).toEqual([
      { text: 'first', queued: false, delivered: true },
      { text: 'second', queued: true, delivered: false },
    ]);
    const page = await api('GET', `${CHATS}/${chat.id}/messages`);
    expect(page.json.queued_messages).toHaveLength(1);

    clock += 4_500; // first turn over: the queued message runs
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.status).toBe('running');
    expect(coder.chatMessages(chat.id)[1]?.delivered).toBe(true);
    clock += 5_000;
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.status).toBe('waiting');

    const idle = await api('POST', `${CHATS}/${chat.id}/messages`, {
      content: [{ type: 'text', text: 'third' }],
    });
    expect(idle.json).toMatchObject({ queued: false, message: { role: 'user' } });
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.status).toBe('running');
  });

  it('archives (204; 400 when already archived) and keeps the chat readable', async () => {
    const { json: chat } = await createChat();
    expect((await api('PATCH', `${CHATS}/${chat.id}`, { archived: true })).status).toBe(204);
    expect((await api('PATCH', `${CHATS}/${chat.id}`, { archived: true })).status).toBe(400);
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.archived).toBe(true);
    expect((await api('PATCH', `${CHATS}/nope`, { archived: true })).status).toBe(404);
    const send = await api('POST', `${CHATS}/${chat.id}/messages`, {
      content: [{ type: 'text', text: 'x' }],
    });
    expect(send.status).toBe(400);
  });

  it('interrupts a running chat back to waiting', async () => {
    const { json: chat } = await createChat();
    clock += 2_000;
    const res = await api('POST', `${CHATS}/${chat.id}/interrupt`);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('waiting');
  });

  it('forces statuses and diff status', async () => {
    const { json: chat } = await createChat();
    coder.setChatStatus(chat.id, 'requires_action');
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.status).toBe('requires_action');
    coder.setChatStatus(chat.id, 'error');
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.last_error).toHaveProperty('message');
    coder.setChatDiff(chat.id, { pull_request_url: 'https://github.com/acme/widgets/pull/7' });
    expect((await api('GET', `${CHATS}/${chat.id}`)).json.diff_status).toMatchObject({
      url: 'https://github.com/acme/widgets/pull/7',
      pull_request_state: 'open',
    });
  });

  it('answers 404 on every chats route when Coder Agents is off', async () => {
    const { json: chat } = await createChat();
    coder.setChatsEnabled(false);
    expect((await api('GET', CHATS)).status).toBe(404);
    expect((await createChat()).status).toBe(404);
    expect((await api('GET', `${CHATS}/${chat.id}`)).status).toBe(404);
    expect((await api('GET', '/api/v2/users/me')).status).toBe(200);
  });

  it('answers the usage-limit 409 when the limit is reached', async () => {
    const { json: chat } = await createChat();
    coder.setChatUsageLimitExceeded(true);
    const created = await createChat();
    expect(created.status).toBe(409);
    expect(created.json).toMatchObject({
      message: 'Chat usage limit exceeded.',
      spent_micros: expect.any(Number),
      limit_micros: expect.any(Number),
      resets_at: expect.any(String),
    });
    const sent = await api('POST', `${CHATS}/${chat.id}/messages`, {
      content: [{ type: 'text', text: 'x' }],
    });
    expect(sent.status).toBe(409);
  });

  it('starts without Coder Agents when chatsEnabled is false', async () => {
    const off = await startFakeCoder({ token: TOKEN, chatsEnabled: false });
    try {
      const res = await fetch(`${off.url}${CHATS}`, { headers: { 'Coder-Session-Token': TOKEN } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Route not found.' });
    } finally {
      await off.close();
    }
  });
});
