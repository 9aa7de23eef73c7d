import { describe, expect, it } from 'vitest';
import { coderApi } from '../test/api';
import { type CoderRelease, createFakeCoder, type FakeCoderApp } from './fake-coder';

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary API JSON
type Json = any;

const ROUTE_NOT_FOUND = { status: 404, json: { message: 'Route not found.' } };
const FORBIDDEN = {
  status: 403,
  json: {
    message: 'Forbidden.',
    detail:
      "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
  },
};

function chatBody(fake: FakeCoderApp, extra: Record<string, unknown> = {}) {
  return {
    organization_id: fake.defaultOrganization.id,
    content: [{ type: 'text', text: 'Fix acme/widgets#42' }],
    ...extra,
  };
}

async function mint(fake: FakeCoderApp, user: string, tokenName = 'code-factory') {
  const res = await coderApi(fake)('POST', `/api/v2/users/${user}/keys/tokens`, {
    lifetime: 3_600 * 1e9,
    token_name: tokenName,
  });
  expect(res.status).toBe(201);
  return res.json.key as string;
}

describe('fake Coder releases', () => {
  it('is 2.39 unless told otherwise', async () => {
    const fake = createFakeCoder();
    expect(fake.release).toBe('2.39');
    expect((await coderApi(fake, null)('GET', '/api/v2/buildinfo')).json.version).toBe('v2.39.0');
  });

  const cases: Array<{
    release: CoderRelease;
    version: string;
    v2: boolean;
    experimental: boolean;
    tasks: boolean;
  }> = [
    { release: '2.39', version: 'v2.39.0', v2: true, experimental: false, tasks: false },
    { release: '2.38', version: 'v2.38.0', v2: true, experimental: false, tasks: false },
    // 2.38's old name, still accepted.
    { release: 'current', version: 'v2.38.0', v2: true, experimental: false, tasks: false },
    { release: '2.37', version: 'v2.37.2', v2: true, experimental: true, tasks: false },
    { release: '2.36', version: 'v2.36.4', v2: false, experimental: true, tasks: true },
  ];

  for (const { release, version, v2, experimental, tasks } of cases) {
    it(`${release}: buildinfo ${version}, chats on ${[v2 && 'v2', experimental && 'experimental'].filter(Boolean).join('+')}, tasks ${tasks ? 'served' : '404'}`, async () => {
      const fake = createFakeCoder({ release });
      const api = coderApi(fake);
      const info = await coderApi(fake, null)('GET', '/api/v2/buildinfo');
      expect(info.status).toBe(200);
      expect(info.json.version).toBe(version);

      const mounts = { '/api/v2/chats': v2, '/api/experimental/chats': experimental };
      for (const [mount, served] of Object.entries(mounts)) {
        const created = await api('POST', mount, chatBody(fake));
        if (!served) {
          expect(created).toEqual(ROUTE_NOT_FOUND);
          expect(await api('GET', mount)).toEqual(ROUTE_NOT_FOUND);
          expect(await api('GET', `${mount}/${fake.tokenUser.id}`)).toEqual(ROUTE_NOT_FOUND);
          continue;
        }
        expect(created.status).toBe(201);
        // Both mounts of 2.37 share one state.
        for (const [other, alsoServed] of Object.entries(mounts)) {
          if (!alsoServed) continue;
          expect((await api('GET', `${other}/${created.json.id}`)).json.id).toBe(created.json.id);
        }
      }
      expect(fake.chats()).toHaveLength(Number(v2) + Number(experimental));

      const list = await api('GET', '/api/v2/tasks');
      if (tasks) expect(list.json).toEqual({ tasks: [], count: 0 });
      else expect(list).toEqual(ROUTE_NOT_FOUND);
      const create = await api('POST', '/api/v2/tasks/me', {
        template_version_id: fake.defaultTemplate.activeVersionId,
        input: 'x',
      });
      expect(create.status).toBe(tasks ? 201 : 404);
      // Unauthenticated requests to unmounted paths are still 401 (auth runs first).
      expect((await coderApi(fake, null)('GET', '/api/experimental/chats')).status).toBe(401);
      expect(fake.release).toBe(release);
    });
  }

  it('current honours owner_id for a site owner; 2.37 and 2.36 silently ignore it', async () => {
    for (const release of ['current', '2.37', '2.36'] as const) {
      const fake = createFakeCoder({ release });
      const alice = fake.addUser({ username: 'alice' });
      const mount = release === '2.36' ? '/api/experimental/chats' : '/api/v2/chats';
      const res = await coderApi(fake)('POST', mount, chatBody(fake, { owner_id: alice.id }));
      expect(res.status).toBe(201);
      const owner = release === 'current' ? alice : fake.tokenUser;
      expect(res.json).toMatchObject({ owner_id: owner.id, owner_username: owner.username });
      expect(fake.chatMessages(res.json.id)[0]?.createdBy).toBe(fake.tokenUser.id);
    }
  });

  it('refuses owner_id: 403 without site-owner rights, 400 nil / non-member / unknown', async () => {
    const plain = createFakeCoder({ tokenUserRole: 'member' });
    const bob = plain.addUser({ username: 'bob' });
    const refused = await coderApi(plain)(
      'POST',
      '/api/v2/chats',
      chatBody(plain, { owner_id: bob.id }),
    );
    expect(refused).toEqual(FORBIDDEN);
    const self = await coderApi(plain)(
      'POST',
      '/api/v2/chats',
      chatBody(plain, { owner_id: plain.tokenUser.id }),
    );
    expect(self.status).toBe(201);

    const fake = createFakeCoder();
    const api = coderApi(fake);
    const nil = await api(
      'POST',
      '/api/v2/chats',
      chatBody(fake, { owner_id: '00000000-0000-0000-0000-000000000000' }),
    );
    expect(nil.status).toBe(400);
    const outsider = fake.addUser({ username: 'outsider', organizations: [] });
    const member = 'Chat owner must be an active member of the organization.';
    for (const ownerId of [outsider.id, '22222222-2222-2222-2222-222222222222']) {
      const res = await api('POST', '/api/v2/chats', chatBody(fake, { owner_id: ownerId }));
      expect(res).toEqual({ status: 400, json: { message: member } });
    }
  });

  it('mints tokens that act as their user', async () => {
    const fake = createFakeCoder();
    const alice = fake.addUser({ username: 'alice' });
    fake.addUser({ username: 'bob' });
    const admin = coderApi(fake);
    const aliceKey = await mint(fake, 'alice');
    await mint(fake, alice.id, 'second');
    await mint(fake, 'me', 'mine');
    expect(
      fake.keys().map(({ userId, username, tokenName }) => ({ userId, username, tokenName })),
    ).toEqual([
      { userId: alice.id, username: 'alice', tokenName: 'code-factory' },
      { userId: alice.id, username: 'alice', tokenName: 'second' },
      { userId: fake.tokenUser.id, username: 'admin', tokenName: 'mine' },
    ]);
    // coderd postToken: a taken name is a unique violation (409); lifetime 0 is the default.
    const dup = await admin('POST', '/api/v2/users/alice/keys/tokens', {
      lifetime: 1e9,
      token_name: 'code-factory',
    });
    expect(dup).toEqual({
      status: 409,
      json: {
        message: 'A token with name "code-factory" already exists.',
        validations: [
          { field: 'name', detail: 'This value is already in use and should be unique.' },
        ],
      },
    });
    const negative = await admin('POST', '/api/v2/users/alice/keys/tokens', {
      lifetime: -1,
      token_name: 'x',
    });
    expect(negative).toEqual({
      status: 400,
      json: {
        message: 'Failed to validate create API key request.',
        detail: 'lifetime must be positive number greater than 0',
      },
    });

    const asAlice = coderApi(fake, aliceKey);
    expect((await asAlice('GET', '/api/v2/users/me')).json).toMatchObject({
      id: alice.id,
      username: 'alice',
      roles: [],
    });
    expect((await admin('GET', '/api/v2/users/me')).json.roles).toEqual([
      { name: 'owner', display_name: 'Owner' },
    ]);
    expect(await asAlice('POST', '/api/v2/users/bob/keys/tokens', { lifetime: 1e9 })).toEqual({
      status: 404,
      json: { message: 'Resource not found or you do not have access to this resource' },
    });
    const viaQuery = await fake.app.request(`/api/v2/users/me?coder_session_token=${aliceKey}`);
    expect(((await viaQuery.json()) as Json).username).toBe('alice');

    const hers = await asAlice('POST', '/api/v2/chats', chatBody(fake));
    expect(hers.json.owner_id).toBe(alice.id);
    const mine = await admin('POST', '/api/v2/chats', chatBody(fake));
    expect((await asAlice('GET', '/api/v2/chats')).json.map((c: Json) => c.id)).toEqual([
      hers.json.id,
    ]);
    expect((await admin('GET', '/api/v2/chats')).json.map((c: Json) => c.id)).toEqual([
      mine.json.id,
    ]);
    // A site owner reads, patches and interrupts any chat but only the owner sends.
    expect((await admin('GET', `/api/v2/chats/${hers.json.id}`)).status).toBe(200);
    const send = await admin('POST', `/api/v2/chats/${hers.json.id}/messages`, {
      content: [{ type: 'text', text: 'x' }],
    });
    expect(send).toEqual({
      status: 403,
      json: { message: 'Only the chat owner may send messages.' },
    });
    expect((await admin('POST', `/api/v2/chats/${hers.json.id}/interrupt`)).status).toBe(200);
    expect((await asAlice('GET', `/api/v2/chats/${mine.json.id}`)).status).toBe(404);
    expect((await asAlice('POST', `/api/v2/chats/${mine.json.id}/interrupt`)).status).toBe(404);

    // A plain member does not see other users' keys (404); fake-coder-keys.test.ts has more.
    const plain = createFakeCoder({ tokenUserRole: 'member' });
    plain.addUser({ username: 'carol' });
    const refused = await coderApi(plain)('POST', '/api/v2/users/carol/keys/tokens', {
      lifetime: 1e9,
      token_name: 't',
    });
    expect(refused.status).toBe(404);
    expect(await coderApi(fake, 'nope')('GET', '/api/v2/users/me')).toEqual({
      status: 401,
      json: { message: 'API key is invalid.' },
    });
  });

  it('creates workspaces with presets and parameters, and pins chats to the owner’s', async () => {
    const fake = createFakeCoder();
    const alice = fake.addUser({ username: 'alice' });
    const template = fake.addTemplate({
      name: 'agent',
      presets: [{ Name: 'big', Default: true }],
      parameters: [{ name: 'repo' }, { name: 'size', type: 'number', default_value: '2' }],
    });
    const api = coderApi(fake);
    const params = await api(
      'GET',
      `/api/v2/templateversions/${template.activeVersionId}/rich-parameters`,
    );
    expect(params.json).toEqual([
      expect.objectContaining({ name: 'repo', type: 'string', default_value: '', required: true }),
      expect.objectContaining({
        name: 'size',
        type: 'number',
        default_value: '2',
        required: false,
      }),
    ]);

    const body = {
      template_id: template.id,
      template_version_preset_id: template.presets[0]?.ID,
      name: 'gh-widgets-42',
      rich_parameter_values: [{ name: 'repo', value: 'acme/widgets' }],
    };
    const created = await api('POST', '/api/v2/users/alice/workspaces', body);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'gh-widgets-42',
      owner_id: alice.id,
      owner_name: 'alice',
      organization_id: fake.defaultOrganization.id,
      template_id: template.id,
      latest_build: {
        status: 'running',
        transition: 'start',
        template_version_preset_id: template.presets[0]?.ID,
      },
    });
    expect((await api('POST', '/api/v2/users/alice/workspaces', body)).status).toBe(409);
    const badPreset = await api('POST', '/api/v2/users/alice/workspaces', {
      ...body,
      name: 'other',
      template_version_preset_id: '33333333-3333-3333-3333-333333333333',
    });
    expect(badPreset.status).toBe(400);
    expect(fake.workspaces()).toEqual([
      expect.objectContaining({
        id: created.json.id,
        ownerId: alice.id,
        presetId: template.presets[0]?.ID,
        richParameterValues: [{ name: 'repo', value: 'acme/widgets' }],
      }),
    ]);

    const aliceKey = await mint(fake, 'alice');
    expect(
      await coderApi(fake, aliceKey)('POST', '/api/v2/users/admin/workspaces', {
        ...body,
        name: 'x',
      }),
    ).toEqual(FORBIDDEN);

    const pinned = await api(
      'POST',
      '/api/v2/chats',
      chatBody(fake, { owner_id: alice.id, workspace_id: created.json.id }),
    );
    expect(pinned.status).toBe(201);
    expect(pinned.json.workspace_id).toBe(created.json.id);
    const notHers = await api(
      'POST',
      '/api/v2/chats',
      chatBody(fake, { workspace_id: created.json.id }),
    );
    expect(notHers).toEqual({
      status: 400,
      json: { message: 'Workspace not found or you do not have access to this resource' },
    });
  });
});
