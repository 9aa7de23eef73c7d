/**
 * The keys minted for chat owners, judged by the fake Coder's ledger (what Coder would hold)
 * rather than by what we sent: one key per owner however many callers, narrow scopes, a refused
 * owner backed off, revocation, and a stream outage that mints nothing more.
 */
import { isExternalError } from '@code-factory/errors';
import { type FakeCoder, startFakeCoder } from '@code-factory/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CoderAgentsBackend } from './agents-backend';
import { ChatFollower } from './chat-watch';
import { CoderHttp } from './http';
import { type KeyEvent, keyName, OWNER_KEY_SCOPES, OwnerKeys } from './owner-keys';

const TOKEN = 'keys-token';
let coder: FakeCoder;
afterEach(async () => {
  await coder?.close();
});

async function setUp(options: Parameters<typeof startFakeCoder>[0] = {}) {
  // internalScopes: a Coder that lets users request chat:* scopes (v2.39 does not; see below).
  coder = await startFakeCoder({
    token: TOKEN,
    tokenUser: 'code-factory',
    internalScopes: true,
    ...options,
  });
  let clock = Date.now();
  const events: KeyEvent[] = [];
  const http = new CoderHttp({ url: coder.url, token: TOKEN });
  const keys = new OwnerKeys({
    http,
    worker: 'host-1-42',
    now: () => clock,
    onEvent: (event) => events.push(event),
  });
  return {
    keys,
    http,
    events,
    advance(ms: number) {
      clock += ms;
    },
  };
}

const mintsFor = (userId: string) =>
  coder.callsTo('POST', new RegExp(`^/api/v2/users/${userId}/keys/tokens$`)).length;

describe('OwnerKeys against the fake Coder', () => {
  it('mints one key per owner for any number of callers, scoped and named after the worker', async () => {
    const { keys, events } = await setUp();
    const alice = coder.addUser({ username: 'alice' });
    const clients = await Promise.all(Array.from({ length: 20 }, () => keys.client(alice.id)));
    expect(new Set(clients).size).toBe(1);
    expect(await keys.client(alice.id)).toBe(clients[0]);
    const [key, ...others] = coder.keys();
    expect(others).toEqual([]);
    expect(key).toMatchObject({
      userId: alice.id,
      tokenName: 'code-factory-host-1-42',
      scopes: [...OWNER_KEY_SCOPES],
      live: true,
    });
    expect(events).toEqual([{ kind: 'minted', ownerId: alice.id, scoped: true }]);
    // The key does what the product does as the owner: list its chats.
    const chats = await clients[0]?.request('GET', '/api/v2/chats');
    expect(chats?.status).toBe(200);
  });

  it('on a Coder that refuses chat scopes to users, mints with its default scope after one refusal per process', async () => {
    const { keys, events } = await setUp({ internalScopes: false });
    const [a, b] = ['a', 'b'].map((u) => coder.addUser({ username: u }));
    await keys.client(a?.id ?? '');
    await keys.client(b?.id ?? '');
    // One refused try (400 "invalid or unsupported API key scope"), then Coder's default.
    expect(coder.callsTo('POST', /\/keys\/tokens$/).map((c) => c.status)).toEqual([400, 201, 201]);
    expect(coder.keys().map((k) => k.scopes)).toEqual([['coder:all'], ['coder:all']]);
    expect(events.filter((e) => e.kind === 'minted')).toEqual([
      { kind: 'minted', ownerId: a?.id, scoped: false },
      { kind: 'minted', ownerId: b?.id, scoped: false },
    ]);
  });

  it('backs off an owner Coder refuses: a handful of requests an hour, not one a second', async () => {
    const { keys, events, advance } = await setUp();
    const gone = '00000000-0000-4000-8000-00000000dead';
    const refusal = await keys.client(gone).catch((e: unknown) => e);
    expect(isExternalError(refusal) && refusal.status).toBe(404);
    // Every caller in the next minute gets the same answer without a request.
    for (let i = 0; i < 50; i++) {
      advance(1_000);
      await expect(keys.client(gone)).rejects.toBe(refusal);
    }
    expect(mintsFor(gone)).toBe(1);
    // An hour of polls every second: 1, 2, 4, 8, 16, 32 minutes apart.
    for (let second = 0; second < 3_600; second++) {
      advance(1_000);
      await keys.client(gone).catch(() => undefined);
    }
    expect(mintsFor(gone)).toBeLessThanOrEqual(7);
    expect(keys.refusalOf(gone)?.failures).toBe(mintsFor(gone));
    expect(events.filter((e) => e.kind === 'refused')).toHaveLength(mintsFor(gone));
    // It is forgotten once no open task needs it.
    await keys.retainOnly(new Set());
    expect(keys.refusals()).toEqual([]);
  });

  it('revokes keys: one owner, those without an open task (past their grace), all at shutdown', async () => {
    const { keys, advance } = await setUp();
    const [a, b, c] = ['a', 'b', 'c'].map((u) => coder.addUser({ username: u }));
    for (const user of [a, b, c]) await keys.client(user?.id ?? '');
    expect(coder.liveKeys()).toHaveLength(3);
    expect(await keys.revoke(a?.id ?? '', 'no open task')).toBe(true);
    expect(coder.liveKeys().map((k) => k.userId)).toEqual([b?.id, c?.id]);
    // A key minted a moment ago survives a prune: its task may not be followed yet.
    expect(await keys.retainOnly(new Set([c?.id ?? '']), 'no open task', 60_000)).toBe(0);
    advance(61_000);
    expect(await keys.retainOnly(new Set([c?.id ?? '']), 'no open task', 60_000)).toBe(1);
    expect(await keys.revokeAll()).toBe(1);
    expect(coder.liveKeys()).toEqual([]);
    expect(coder.keys().every((k) => k.revokedAt !== undefined)).toBe(true);
  });

  it('renews a key shortly before it expires and revokes the one it replaces', async () => {
    const { keys, advance } = await setUp();
    const alice = coder.addUser({ username: 'alice' });
    const first = await keys.client(alice.id);
    advance(24 * 3_600_000 - 4 * 60_000);
    const second = await keys.client(alice.id);
    expect(second).not.toBe(first);
    expect(coder.keys()).toHaveLength(2);
    expect(coder.keys()[0]?.revokedAt).toBeDefined();
  });

  it('frees its name from a key a crashed worker left behind, and mints unscoped where scopes are refused', async () => {
    const { keys, http } = await setUp();
    const alice = coder.addUser({ username: 'alice' });
    // The same worker's earlier process minted a key of this name and died.
    const crashed = new OwnerKeys({ http, worker: 'host-1-42' });
    await crashed.client(alice.id);
    coder.fail({
      method: 'POST',
      path: /\/keys\/tokens$/,
      status: 400,
      times: 1,
      body: { message: 'Invalid scope.', detail: 'unknown scope "chat:read"' },
    });
    await keys.client(alice.id);
    const ledger = coder.keys();
    expect(ledger).toHaveLength(2);
    expect(ledger[0]?.revokedAt).toBeDefined();
    expect(ledger[1]).toMatchObject({ tokenName: 'code-factory-host-1-42', live: true });
    expect(ledger[1]?.scopes).not.toEqual([...OWNER_KEY_SCOPES]);
  });

  it('a 429 holds back every client of the deployment until Retry-After', async () => {
    const { keys, http } = await setUp();
    const alice = coder.addUser({ username: 'alice' });
    const asAlice = await keys.client(alice.id);
    expect(asAlice.gate).toBe(http.gate);
    coder.fail({ method: 'GET', path: /\/chats$/, status: 429, headers: { 'retry-after': '30' } });
    await expect(asAlice.request('GET', '/api/v2/chats')).rejects.toMatchObject({ status: 429 });
    expect(http.gate.remainingMs()).toBeGreaterThan(25_000);
    expect(http.gate.limited).toBe(1);
  });

  it('keeps a Coder name for any worker name', () => {
    expect(keyName('Pod_7@worker.example.com:1')).toBe('code-factory-pod-7-worker-exampl');
    expect(keyName('x'.repeat(80))).toHaveLength(32);
    expect(keyName('--')).toBe('code-factory');
  });
});

describe('a chat stream outage with three owners', () => {
  it('mints at most one key per owner however long the streams stay down', async () => {
    coder = await startFakeCoder({ token: TOKEN, tokenUser: 'code-factory' });
    const owners = ['o1', 'o2', 'o3'].map((u) => coder.addUser({ username: u }));
    const backend = new CoderAgentsBackend({
      url: coder.url,
      token: TOKEN,
      organization: 'default',
    });
    const follower = new ChatFollower({
      backend,
      onUpdate: () => undefined,
      pollMs: 10,
      reconnectMs: 10,
      maxReconnectMs: 20,
    });
    // Ten minutes of outage at the default 10 s poll is 60 polls per owner: wait for those.
    coder.cutStreams({ refuseForMs: 600_000 });
    follower.setOwners(owners.map((o) => o.id));
    const polls = () =>
      coder.callsTo('GET', /^\/api\/v2\/chats$/).filter((c) => c.query.limit !== undefined).length;
    const deadline = Date.now() + 30_000;
    while (polls() < 180 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    follower.stop();
    expect(polls()).toBeGreaterThanOrEqual(180);
    expect(coder.keys()).toHaveLength(3);
    expect(coder.liveKeys()).toHaveLength(3);
    await backend.keys.revokeAll();
    expect(coder.liveKeys()).toEqual([]);
  });
});
