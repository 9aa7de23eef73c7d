import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiOf } from '../test/api';
import { type FakeCoder, startFakeCoder } from './fake-coder';
import { until } from './until';

const RUN_MS = 120;
const INTERRUPT_MS = 40;

interface WatchEvent {
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary API JSON
  chat: any;
  receivedAt: number;
}

/** A watch-stream client that keeps every event it gets. */
class Watcher {
  readonly events: WatchEvent[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = JSON.parse(String(data)) as Omit<WatchEvent, 'receivedAt'>;
      this.events.push({ ...parsed, receivedAt: Date.now() });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  /** Resolves once open; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, opts: { token?: string; query?: boolean } = {}): Promise<Watcher> {
    const base = `${url.replace(/^http/, 'ws')}/api/v2/chats/watch`;
    const ws = opts.query
      ? new WebSocket(`${base}?coder_session_token=${opts.token}`)
      : new WebSocket(base, {
          headers: opts.token ? { 'Coder-Session-Token': opts.token } : {},
        });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Watcher(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  kinds(chatId?: string): string[] {
    return this.events.filter((e) => !chatId || e.chat.id === chatId).map((e) => e.kind);
  }

  async until(predicate: (events: WatchEvent[]) => boolean, timeoutMs = 2_000): Promise<void> {
    await until(() => predicate(this.events), 'watch events', timeoutMs, 5).catch((err) => {
      throw new Error(`${(err as Error).message}; got ${JSON.stringify(this.kinds())}`);
    });
  }

  close(): void {
    this.ws.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fake Coder: chat watch stream', () => {
  let coder: FakeCoder;
  let aliceId: string;
  let aliceToken: string;
  const watchers: Watcher[] = [];

  beforeEach(async () => {
    coder = await startFakeCoder({ timings: { chatRunningMs: RUN_MS, interruptMs: INTERRUPT_MS } });
    aliceId = coder.addUser({ username: 'alice' }).id;
    aliceToken = (
      await api('POST', '/api/v2/users/alice/keys/tokens', {
        lifetime: 3_600e9,
        token_name: 'watch-test',
      })
    ).json.key;
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await coder.close();
  });

  const api = (method: string, path: string, body?: unknown, token = coder.token) =>
    apiOf(coder, { 'Coder-Session-Token': token })(method, path, body);
  async function watch(opts: { token?: string; query?: boolean } = {}) {
    const w = await Watcher.open(coder.url, { token: coder.token, ...opts });
    watchers.push(w);
    return w;
  }
  const createChat = (extra: Record<string, unknown> = {}) =>
    api('POST', '/api/v2/chats', {
      organization_id: coder.defaultOrganization.id,
      content: [{ type: 'text', text: 'Fix acme/widgets#42' }],
      ...extra,
    });

  it('pushes created, time-driven status_change and summary_change, only to the owner', async () => {
    const admin = await watch();
    const alice = await watch({ token: aliceToken, query: true });
    expect(coder.watchConnections()).toBe(2);

    const { json: chat } = await createChat();
    const createdAt = Date.now();
    await admin.until((e) => e.some((x) => x.kind === 'summary_change'));
    expect(admin.kinds(chat.id)).toEqual(['created', 'status_change', 'summary_change']);
    const [created, waiting, summary] = admin.events;
    expect(created?.chat).toMatchObject({ id: chat.id, status: 'running' });
    expect(waiting?.chat.status).toBe('waiting');
    expect(summary?.chat.last_turn_summary).toBe('Worked on: Fix acme/widgets#42');
    // Pushed by a timer at the transition: nothing read the chat to make it happen.
    expect(coder.callsTo('GET', new RegExp(`/chats/${chat.id}$`))).toHaveLength(0);
    expect(waiting?.receivedAt ?? 0).toBeGreaterThanOrEqual(createdAt);

    const { json: hers } = await createChat({ owner_id: aliceId });
    await alice.until((e) => e.some((x) => x.kind === 'created'));
    expect(alice.events[0]?.chat).toMatchObject({ id: hers.id, owner_id: aliceId });
    // The stream is ordered: once admin sees a later chat of its own, hers would have come first.
    const { json: later } = await createChat();
    await admin.until((e) => e.some((x) => x.kind === 'created' && x.chat.id === later.id));
    expect(admin.kinds(hers.id)).toEqual([]);
    expect(alice.kinds(chat.id)).toEqual([]);
  });

  it('pushes diff, title, action, interrupt and archive events', async () => {
    const admin = await watch();
    const { json: chat } = await createChat();
    coder.setChatDiff(chat.id, { pull_request_url: 'https://github.com/acme/widgets/pull/9' });
    coder.requireAction(chat.id);
    await api('PATCH', `/api/v2/chats/${chat.id}`, { title: 'Renamed' });
    coder.setChatSummary(chat.id, { summary: 'All done' });
    await admin.until((e) => e.some((x) => x.kind === 'chat_summary_change'));
    expect(admin.kinds()).toEqual([
      'created',
      'diff_status_change',
      'status_change',
      'action_required',
      'title_change',
      'chat_summary_change',
    ]);
    const diff = admin.events[1]?.chat;
    expect(diff.diff_status).toMatchObject({ pr_number: 9, pull_request_state: 'open' });
    // diff_status rides only on diff events (chatWatchEventSDKChat).
    expect(admin.events[2]?.chat).not.toHaveProperty('diff_status');
    expect(admin.events[2]?.chat.status).toBe('requires_action');
    expect(admin.events[4]?.chat.title).toBe('Renamed');

    coder.setChatStatus(chat.id, 'running');
    await admin.until((e) => e.at(-1)?.chat.status === 'running');
    admin.events.length = 0;
    expect((await api('POST', `/api/v2/chats/${chat.id}/interrupt`)).json.status).toBe(
      'interrupting',
    );
    await admin.until((e) => e.filter((x) => x.kind === 'status_change').length === 2);
    expect(admin.events.map((e) => e.chat.status)).toEqual(['interrupting', 'waiting']);
    expect((await api('PATCH', `/api/v2/chats/${chat.id}`, { archived: true })).status).toBe(204);
    await admin.until((e) => e.some((x) => x.kind === 'deleted'));
  });

  it('pushes the usage-limit failure as status_change to error', async () => {
    const admin = await watch();
    coder.setUsageLimitReached(true);
    await createChat();
    await admin.until((e) => e.some((x) => x.chat.status === 'error'));
    expect(admin.events.at(-1)?.chat.last_error).toMatchObject({
      kind: 'usage_limit',
      retryable: false,
    });
  });

  it('answers 401 before the upgrade without a valid token', async () => {
    await expect(Watcher.open(coder.url, {})).rejects.toMatchObject({ status: 401 });
    await expect(Watcher.open(coder.url, { token: 'nope' })).rejects.toMatchObject({
      status: 401,
    });
    expect(coder.watchConnections()).toBe(0);
    expect(coder.callsTo('GET', /\/chats\/watch$/).map((c) => c.status)).toEqual([401, 401]);
    // Plain HTTP to the watch route is not an upgrade.
    expect((await api('GET', '/api/v2/chats/watch')).status).toBe(426);
  });

  it('cuts streams with 1011, refuses upgrades with 503 meanwhile, then accepts again', async () => {
    const first = await watch();
    coder.cutStreams({ refuseForMs: 10_000 });
    await first.until(() => first.closeCode !== undefined);
    expect(first.closeCode).toBe(1011);
    expect(coder.watchConnections()).toBe(0);
    await expect(Watcher.open(coder.url, { token: coder.token })).rejects.toMatchObject({
      status: 503,
    });
    coder.restoreStreams();
    const second = await watch();
    expect(coder.watchConnections()).toBe(1);
    await createChat();
    await second.until((e) => e.some((x) => x.kind === 'created'));

    coder.cutStreams({ refuseForMs: 50 });
    await expect(Watcher.open(coder.url, { token: coder.token })).rejects.toMatchObject({
      status: 503,
    });
    await sleep(70);
    await watch();
    expect(coder.watchConnections()).toBe(1);
  });

  it('also serves the watch stream on the experimental mount of 2.37 and 2.36', async () => {
    for (const release of ['2.37', '2.36'] as const) {
      const old = await startFakeCoder({ release });
      try {
        const ws = new WebSocket(`${old.url.replace(/^http/, 'ws')}/api/experimental/chats/watch`, {
          headers: { 'Coder-Session-Token': old.token },
        });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        expect(old.watchConnections()).toBe(1);
        ws.close();
      } finally {
        await old.close();
      }
    }
  });

  it('close() terminates open sockets promptly', async () => {
    const other = await startFakeCoder();
    const w = await Watcher.open(other.url, { token: other.token });
    await other.close();
    // The socket is closed by the server, not left to time out.
    await w.until(() => w.closeCode !== undefined);
    expect(w.closeCode).toBeDefined();
  });
});
