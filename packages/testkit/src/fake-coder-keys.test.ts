import { describe, expect, it } from 'vitest';
import { coderApi } from '../test/api';
import { createFakeCoder, type FakeCoderOptions } from './fake-coder';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary API JSON
type Json = any;

const NOT_FOUND = {
  message: 'Resource not found or you do not have access to this resource',
};
const HOUR_NS = 3_600 * 1e9;

function setUp(opts: FakeCoderOptions = {}) {
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const fake = createFakeCoder({ now: () => clock, ...opts });
  const alice = fake.addUser({ username: 'alice' });
  const mint = async (user: string, body: Record<string, unknown> = {}) => {
    const res = await coderApi(fake)('POST', `/api/v2/users/${user}/keys/tokens`, {
      lifetime: HOUR_NS,
      token_name: `t-${Math.random().toString(36).slice(2, 8)}`,
      ...body,
    });
    return res;
  };
  return {
    fake,
    alice,
    mint,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('fake Coder key ledger', () => {
  it('keeps every minted key: id, user, name, scopes, times, revocation', async () => {
    const { fake, alice, mint, advance } = setUp();
    const minted = await mint('alice', { token_name: 'code-factory' });
    expect(minted.status).toBe(201);
    const key = minted.json.key as string;
    const [id, secret] = key.split('-');
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(secret).toHaveLength(22);
    const scoped = await mint('alice', { token_name: 'chats', scopes: ['workspace:read'] });
    const createdAt = Date.parse('2026-12-01T10:00:00Z');
    expect(fake.keys()).toEqual([
      {
        id,
        userId: alice.id,
        username: 'alice',
        tokenName: 'code-factory',
        // postToken's default when no scopes are asked for.
        scopes: ['coder:all'],
        createdAt,
        expiresAt: createdAt + 3_600_000,
        live: true,
      },
      expect.objectContaining({ tokenName: 'chats', scopes: ['workspace:read'], live: true }),
    ]);

    // DELETE /users/{user}/keys/{keyid}: 204, then the key is refused and 404 to delete again.
    const admin = coderApi(fake);
    expect((await admin('DELETE', `/api/v2/users/alice/keys/${id}`)).status).toBe(204);
    expect(await admin('DELETE', `/api/v2/users/alice/keys/${id}`)).toMatchObject({
      status: 404,
      json: NOT_FOUND,
    });
    expect(await coderApi(fake, key)('GET', '/api/v2/users/me')).toMatchObject({
      status: 401,
      json: { message: 'API key is invalid.' },
    });
    expect(fake.keys()[0]).toMatchObject({ revokedAt: createdAt, live: false });
    expect(fake.liveKeys().map((k) => k.tokenName)).toEqual(['chats']);

    // An expired key answers 401 and leaves the live set.
    advance(3_600_000);
    expect(await coderApi(fake, scoped.json.key)('GET', '/api/v2/users/me')).toMatchObject({
      status: 401,
      json: { message: 'API key expired.' },
    });
    expect(fake.liveKeys()).toEqual([]);
  });

  it('lists a user’s tokens as codersdk.APIKeyWithOwner', async () => {
    const { fake, alice, mint, advance } = setUp();
    fake.addUser({ username: 'bob' });
    await mint('alice', { token_name: 'one', scopes: ['workspace:*', 'user:read'] });
    await mint('bob', { token_name: 'two' });
    await mint('alice', { token_name: 'short', lifetime: 1e9 });
    advance(2_000);
    const admin = coderApi(fake);
    const list = await admin('GET', '/api/v2/users/alice/keys/tokens');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{10}$/),
        user_id: alice.id,
        username: 'alice',
        last_used: '0001-01-01T00:00:00Z',
        expires_at: '2026-12-01T11:00:00.000Z',
        created_at: '2026-12-01T10:00:00.000Z',
        updated_at: '2026-12-01T10:00:00.000Z',
        login_type: 'token',
        scope: '',
        scopes: ['workspace:*', 'user:read'],
        token_name: 'one',
        lifetime_seconds: 3600,
        allow_list: [{ type: '*', id: '*' }],
      },
    ]);
    const expired = await admin('GET', '/api/v2/users/alice/keys/tokens?include_expired=true');
    expect(expired.json.map((k: Json) => k.token_name)).toEqual(['one', 'short']);
    const all = await admin('GET', '/api/v2/users/me/keys/tokens?include_all=true');
    expect(all.json.map((k: Json) => [k.username, k.token_name])).toEqual([
      ['alice', 'one'],
      ['bob', 'two'],
    ]);
  });

  it('validates the request as postToken does', async () => {
    const { fake, mint } = setUp({ maxTokenLifetimeMs: 30 * 24 * 3_600_000 });
    expect(await mint('alice', { scopes: ['user:read', 'workspace:fly'] })).toMatchObject({
      status: 400,
      json: {
        message: 'Failed to create API key.',
        detail: 'invalid or unsupported API key scope: "workspace:fly"',
      },
    });
    // No chat scope is public (rbac externalLowLevel): Coder will not mint a chat-only key.
    for (const scope of ['chat:read', 'chat:*', 'chat:create']) {
      expect(await mint('alice', { scopes: [scope] })).toMatchObject({
        status: 400,
        json: { detail: `invalid or unsupported API key scope: "${scope}"` },
      });
    }
    expect((await mint('alice', { scopes: ['coder:workspaces.operate', 'user:*'] })).status).toBe(
      201,
    );
    expect((await mint('alice', { scopes: ['nonsense'] })).status).toBe(400);
    expect((await mint('alice', { allow_list: [{ type: 'workspace' }] })).status).toBe(400);
    expect(await mint('alice', { lifetime: 31 * 24 * HOUR_NS })).toMatchObject({
      status: 400,
      json: {
        message: 'Failed to validate create API key request.',
        detail: 'lifetime must be less than 720h0m0s',
      },
    });
    // lifetime 0: the default token lifetime (7 days); legacy `scope: "all"` is coder:all.
    const defaulted = await mint('alice', { lifetime: 0, token_name: 'd', scope: 'all' });
    expect(defaulted.status).toBe(201);
    const key = fake.keys().find((k) => k.tokenName === 'd');
    expect(key?.scopes).toEqual(['coder:all']);
    expect((key?.expiresAt ?? 0) - (key?.createdAt ?? 0)).toBe(7 * 24 * 3_600_000);
  });

  it('enforces scopes coarsely: a chat-only key reaches chats and nothing else', async () => {
    // Coder would refuse to mint these scopes; internalScopes lets the test have such a key.
    const { fake, mint } = setUp({ internalScopes: true });
    const template = fake.defaultTemplate;
    const minted = await mint('alice', {
      scopes: ['chat:create', 'chat:read', 'chat:update'],
    });
    const asKey = coderApi(fake, minted.json.key);
    const created = await asKey('POST', '/api/v2/chats', {
      organization_id: fake.defaultOrganization.id,
      content: [{ type: 'text', text: 'Fix it' }],
    });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect((await asKey('GET', `/api/v2/chats/${id}`)).status).toBe(200);
    expect((await asKey('GET', '/api/v2/chats')).status).toBe(200);
    const sent = await asKey('POST', `/api/v2/chats/${id}/messages`, {
      content: [{ type: 'text', text: 'more' }],
    });
    expect(sent.status).toBe(200);
    expect((await asKey('POST', `/api/v2/chats/${id}/interrupt`)).status).toBe(200);
    const forbidden = {
      status: 403,
      json: { message: 'Forbidden.', detail: expect.any(String) },
    };
    expect(
      await asKey('POST', '/api/v2/users/me/workspaces', {
        template_id: template.id,
        name: 'ws',
      }),
    ).toMatchObject(forbidden);
    expect(await asKey('GET', '/api/v2/users/me')).toMatchObject(forbidden);
    expect(
      await asKey('POST', '/api/v2/users/me/keys/tokens', { lifetime: HOUR_NS }),
    ).toMatchObject(forbidden);

    // `chat:*` covers every chat action; `coder:workspaces.create` covers creating workspaces.
    const wide = coderApi(fake, (await mint('alice', { scopes: ['chat:*'] })).json.key);
    expect((await wide('PATCH', `/api/v2/chats/${id}`, { title: 'x' })).status).toBe(204);
    const builder = coderApi(
      fake,
      (await mint('alice', { scopes: ['coder:workspaces.create'] })).json.key,
    );
    const ws = await builder('POST', '/api/v2/users/me/workspaces', {
      template_id: template.id,
      name: 'ws',
    });
    expect(ws.status).toBe(201);
    expect((await builder('GET', '/api/v2/chats')).status).toBe(403);
    // What the product can mint: coder:all (the default) reaches everything.
    const all = coderApi(fake, (await mint('alice')).json.key);
    expect((await all('GET', `/api/v2/chats/${id}`)).status).toBe(200);
    expect((await all('GET', '/api/v2/users/me')).status).toBe(200);
  });

  it('refuses acting for another user: 404 for a member, 403 for a user admin', async () => {
    const member = setUp({ tokenUserRole: 'member' });
    expect(await member.mint('alice')).toMatchObject({ status: 404, json: NOT_FOUND });
    expect(await coderApi(member.fake)('GET', '/api/v2/users/alice/keys/tokens')).toMatchObject({
      status: 404,
      json: NOT_FOUND,
    });
    // Their own keys are fine.
    expect((await member.mint('me')).status).toBe(201);
    // Other users are hidden from a member altogether.
    const asMember = coderApi(member.fake);
    expect(await asMember('GET', '/api/v2/users/alice')).toMatchObject({
      status: 404,
      json: NOT_FOUND,
    });
    const listed = await asMember('GET', '/api/v2/users?q=username:alice');
    expect(listed.json).toEqual({ users: [], count: 0 });
    expect(
      (await asMember('GET', '/api/v2/users')).json.users.map((u: Json) => u.username),
    ).toEqual(['admin']);

    const admin = setUp({ tokenUserRole: 'user-admin' });
    expect(await admin.mint('alice')).toMatchObject({
      status: 403,
      json: { message: 'Forbidden.' },
    });
    const roles = (await coderApi(admin.fake)('GET', '/api/v2/users/me')).json.roles;
    expect(roles).toEqual([{ name: 'user-admin', display_name: 'User Admin' }]);
    // A user admin sees users.
    expect((await coderApi(admin.fake)('GET', '/api/v2/users/alice')).status).toBe(200);
    expect((await coderApi(admin.fake)('GET', '/api/v2/users')).json.count).toBe(2);

    // Deleting someone else's key: hidden from a member.
    const owner = setUp();
    const hers = await owner.mint('alice', { token_name: 'hers' });
    const bob = owner.fake.addUser({ username: 'bob' });
    const bobKey = (await owner.mint(bob.id, { token_name: 'bobs' })).json.key;
    const herId = (hers.json.key as string).split('-')[0];
    expect(
      await coderApi(owner.fake, bobKey)('DELETE', `/api/v2/users/alice/keys/${herId}`),
    ).toMatchObject({ status: 404 });
    expect(owner.fake.liveKeys()).toHaveLength(2);
  });
});

describe('fake Coder request ledger and rate limit', () => {
  it('counts authenticated requests per token and per path', async () => {
    const { fake, mint } = setUp();
    const minted = await mint('alice', { token_name: 'work' });
    const asKey = coderApi(fake, minted.json.key);
    await asKey('GET', '/api/v2/users/me');
    await asKey('GET', '/api/v2/chats');
    await asKey('GET', '/api/v2/chats');
    await fake.app.request('/api/v2/buildinfo');
    await coderApi(fake, 'made-up')('GET', '/api/v2/chats');
    const id = (minted.json.key as string).split('-')[0];
    const service = { token: 'service', userId: fake.tokenUser.id };
    expect(fake.requestCount(service)).toBe(1);
    expect(fake.requestCount({ ...service, method: 'POST', path: /\/alice\/keys\/tokens$/ })).toBe(
      1,
    );
    const alice = fake.keys()[0]?.userId;
    expect(fake.requestCount({ token: id, userId: alice })).toBe(3);
    expect(fake.requestCount({ token: id, path: '/api/v2/users/me' })).toBe(1);
    expect(fake.requestCount()).toBe(4);
    expect(fake.requestCount({ token: id, path: /^\/api\/v2\/chats/ })).toBe(2);
    expect(fake.requestCount({ method: 'post' })).toBe(1);
    fake.reset();
    expect(fake.requestCount()).toBe(0);
  });

  it('answers 429 past the per-user, per-path limit, as httprate does', async () => {
    let clock = Date.parse('2026-12-01T10:00:10Z');
    const fake = createFakeCoder({
      now: () => clock,
      rateLimit: { requests: 3, windowMs: 60_000 },
    });
    const alice = fake.addUser({ username: 'alice' });
    const admin = coderApi(fake);
    const key = (
      await admin('POST', `/api/v2/users/${alice.id}/keys/tokens`, {
        lifetime: HOUR_NS,
        token_name: 'a',
      })
    ).json.key;
    const asAlice = coderApi(fake, key);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await asAlice('GET', '/api/v2/chats'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]?.headers.get('X-RateLimit-Limit')).toBe('3');
    expect(answers[0]?.headers.get('X-RateLimit-Remaining')).toBe('2');
    // The end of the clock-aligned window, in unix seconds.
    expect(answers[0]?.headers.get('X-RateLimit-Reset')).toBe(
      String(Date.parse('2026-12-01T10:01:00Z') / 1000),
    );
    const refused = answers[3];
    expect(refused?.json).toEqual({
      message: "You've been rate limited for sending more than 3 requests in 1m0s.",
    });
    expect(refused?.headers.get('Retry-After')).toBe('60');
    expect(refused?.headers.get('X-RateLimit-Remaining')).toBe('0');
    // Another path has its own budget; the same user with another key shares this one.
    expect((await asAlice('GET', '/api/v2/users/me')).status).toBe(200);
    const second = (
      await admin('POST', `/api/v2/users/${alice.id}/keys/tokens`, {
        lifetime: HOUR_NS,
        token_name: 'b',
      })
    ).json.key;
    expect((await coderApi(fake, second)('GET', '/api/v2/chats')).status).toBe(429);
    // An owner may bypass with the header. httprate weighs the previous window: a minute later
    // the 3 requests still count 2.5 (rounded to 3); two minutes later none.
    for (let i = 0; i < 5; i++) {
      const res = await admin('GET', '/api/v2/chats', undefined, {
        'X-Coder-Bypass-Ratelimit': 'true',
      });
      expect(res.status).toBe(200);
    }
    clock += 60_000;
    expect((await asAlice('GET', '/api/v2/chats')).status).toBe(429);
    clock += 60_000;
    expect((await asAlice('GET', '/api/v2/chats')).status).toBe(200);
    expect(fake.requestCount({ limited: true })).toBe(3);
    const a = fake.keys().find((k) => k.tokenName === 'a')?.id;
    expect(fake.requestCount({ token: a, limited: true })).toBe(2);

    const unlimited = createFakeCoder({ rateLimit: false });
    for (let i = 0; i < 600; i++) {
      const res = await unlimited.app.request('/api/v2/users/me', {
        headers: { 'Coder-Session-Token': unlimited.token },
      });
      if (res.status !== 200) throw new Error(`request ${i}: ${res.status}`);
    }
  });

  it('limits at Coder’s default: 512 requests per minute', async () => {
    const fake = createFakeCoder({ now: () => 0 });
    const statuses: number[] = [];
    for (let i = 0; i < 513; i++) {
      const res = await fake.app.request('/api/v2/users/me', {
        headers: { 'Coder-Session-Token': fake.token },
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(512);
    expect(statuses.at(-1)).toBe(429);
  });
});
