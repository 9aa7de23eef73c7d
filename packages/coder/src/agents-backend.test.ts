import { isExternalError } from '@code-factory/errors';
import { type FakeCoder, type FakeCoderOptions, startFakeCoder } from '@code-factory/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CoderAgentsBackend, EXPERIMENTAL_CHATS_PATH, TASK_LABEL } from './agents-backend';
import type { AgentHandle } from './backend';
import { CoderHttp } from './http';

const TOKEN = 'agents-token';
const TASK = 'gh-widgets-42';
const ISSUE_LABEL = { 'code-factory/issue': 'acme/widgets#42' };
const REQUESTER = { githubUserId: 4242, githubLogin: 'octo' };

async function caught(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isExternalError(err)) throw new Error(`expected an ExternalError, got ${String(err)}`);
  return err;
}

describe('CoderAgentsBackend against the fake Coder', () => {
  let coder: FakeCoder;

  afterEach(async () => {
    await coder?.close();
  });

  async function setUp(options: FakeCoderOptions = {}, backendOptions = {}) {
    coder = await startFakeCoder({
      token: TOKEN,
      tokenUser: 'code-factory',
      timings: { chatRunningMs: 100, interruptMs: 20 },
      ...options,
    });
    const dev = coder.addUser({ username: 'octo-dev', githubUserId: REQUESTER.githubUserId });
    const backend = new CoderAgentsBackend({
      url: coder.url,
      token: TOKEN,
      organization: 'default',
      ...(options.release === '2.36' ? { chatsPath: EXPERIMENTAL_CHATS_PATH } : {}),
      ...backendOptions,
    });
    return { backend, dev };
  }

  async function ensure(backend: CoderAgentsBackend, ownerId?: string) {
    return backend.ensureAgent({
      taskName: TASK,
      owner: 'octo-dev',
      ...(ownerId ? { ownerId } : {}),
      input: 'Work on https://github.com/acme/widgets/issues/42',
      labels: ISSUE_LABEL,
    });
  }

  it('resolves the requester to their Coder user, or explains an unlinked account', async () => {
    const { backend, dev } = await setUp();
    expect(await backend.resolveOwner(REQUESTER)).toEqual({ owner: 'octo-dev', ownerId: dev.id });
    const err = await caught(backend.resolveOwner({ githubUserId: 1, githubLogin: 'nobody' }));
    expect(err.kind).toBe('user_fixable');
    expect(err.userMessage).toContain('@nobody has no Coder account linked');
  });

  it('creates the chat for the requester and talks to it as them', async () => {
    const { backend, dev } = await setUp();
    const { agent, adopted, status, ownerFallback } = await ensure(backend, dev.id);
    expect(adopted).toBe(false);
    expect(ownerFallback).toBeUndefined();
    expect(status?.readiness).toBe('busy');
    expect(agent).toEqual({
      backend: 'agents',
      id: expect.any(String),
      owner: 'octo-dev',
      ownerId: dev.id,
      name: TASK,
      url: `${coder.url}/agents/${agent.id}`,
    });
    const [create] = coder.callsTo('POST', /^\/api\/v2\/chats$/);
    expect(create?.body).toMatchObject({
      owner_id: dev.id,
      organization_id: coder.defaultOrganization.id,
      labels: { [TASK_LABEL]: TASK, ...ISSUE_LABEL },
      content: [{ type: 'text', text: 'Work on https://github.com/acme/widgets/issues/42' }],
    });
    expect(coder.chats()[0]?.owner_id).toBe(dev.id);
    // Only the owner may send messages: the backend minted a token for them, once.
    await backend.send(agent, 'a follow-up');
    await backend.send(agent, 'another');
    expect(
      coder
        .chatMessages(agent.id)
        .map((m) => m.createdBy)
        .slice(1),
    ).toEqual([dev.id, dev.id]);
    expect(coder.keys()).toEqual([
      expect.objectContaining({
        userId: dev.id,
        username: 'octo-dev',
        tokenName: expect.stringMatching(/^code-factory-/),
      }),
    ]);
  });

  it('adopts the requester’s chat instead of creating a second', async () => {
    const { backend, dev } = await setUp();
    const first = await ensure(backend, dev.id);
    const second = await ensure(backend, dev.id);
    expect(second.adopted).toBe(true);
    expect(second.agent.id).toBe(first.agent.id);
    expect(coder.callsTo('POST', /^\/api\/v2\/chats$/)).toHaveLength(1);
  });

  it('falls back to the service user when it may not act for the requester', async () => {
    const { backend, dev } = await setUp({ tokenUserRole: 'member' });
    const { agent, ownerFallback } = await ensure(backend, dev.id);
    expect(ownerFallback).toContain('did not let the service act for `octo-dev`');
    expect(agent.ownerId).toBe(coder.tokenUser.id);
    expect(coder.chats()[0]?.owner_id).toBe(coder.tokenUser.id);
    await backend.send(agent, 'still reaches the agent');
    expect(coder.chatMessages(agent.id)).toHaveLength(2);
  });

  it('notices a release that ignores owner_id', async () => {
    const { backend, dev } = await setUp({ release: '2.37' });
    const { agent, ownerFallback } = await ensure(backend, dev.id);
    expect(ownerFallback).toContain('This Coder release cannot create a chat for another user');
    expect(agent.ownerId).toBe(coder.tokenUser.id);
    // Adopted later, the note comes back with it.
    expect((await ensure(backend, dev.id)).ownerFallback).toContain('cannot create a chat');
  });

  it('works on the experimental mount of 2.36', async () => {
    const { backend, dev } = await setUp({ release: '2.36' });
    const { agent } = await ensure(backend, dev.id);
    expect(coder.callsTo('POST', /^\/api\/experimental\/chats$/)).toHaveLength(1);
    expect((await backend.status(agent)).readiness).toMatch(/busy|ready/);
  });

  it('maps statuses, pull requests, summaries and errors', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.requireAction(agent.id);
    expect(await backend.status(agent)).toMatchObject({ readiness: 'blocked' });
    coder.setChatDiff(agent.id, { pull_request_url: 'https://github.com/acme/widgets/pull/9' });
    coder.setChatSummary(agent.id, { last_turn_summary: 'Opened a PR.' });
    coder.setChatStatus(agent.id, 'waiting');
    expect(await backend.status(agent)).toMatchObject({
      readiness: 'ready',
      pullRequest: { url: 'https://github.com/acme/widgets/pull/9', number: 9, state: 'open' },
      summary: 'Opened a PR.',
    });
    coder.setChatError(agent.id, { kind: 'usage_limit', retryable: false });
    expect(await backend.status(agent)).toMatchObject({
      readiness: 'error',
      error: { kind: 'usage_limit', retryable: false, userFixable: true },
    });
    coder.setChatError(agent.id, { kind: 'rate_limit', retryable: true });
    expect((await backend.status(agent)).error).toMatchObject({ userFixable: false });
  });

  it('reads what a chat cost, as the requester', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    expect(await backend.chatCost(agent)).toEqual({ totalMicros: 0, requests: 0, unpriced: 0 });
    coder.setChatCost(agent.id, {
      totalCostMicros: 1_234_567,
      requestCount: 42,
      unpricedRequestCount: 3,
    });
    expect(await backend.chatCost(agent)).toEqual({
      totalMicros: 1_234_567,
      requests: 42,
      unpriced: 3,
    });
  });

  it('has no cost where Coder has no cost route or refuses it', async () => {
    const { backend, dev } = await setUp({ release: '2.38' });
    const { agent } = await ensure(backend, dev.id);
    expect(await backend.chatCost(agent)).toBeNull();
    coder.fail({ method: 'GET', path: /\/cost$/, status: 403, body: { message: 'Forbidden.' } });
    expect(await backend.chatCost(agent)).toBeNull();
  });

  it('refuses a cost of the wrong shape', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.fail({
      method: 'GET',
      path: /\/cost$/,
      status: 200,
      body: { chat_id: agent.id, total_cost_micros: '12', request_count: 1 },
    });
    const err = await caught(backend.chatCost(agent));
    expect(err.message).toMatch(/unexpected shape at total_cost_micros/);
  });

  it('interrupts a busy chat before archiving it, and checks it is archived', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.setChatStatus(agent.id, 'running');
    expect(await backend.close(agent, { attempts: 40, delayMs: 10 })).toEqual({ existed: true });
    expect(coder.chats()[0]?.archived).toBe(true);
    expect(coder.callsTo('POST', /\/interrupt$/).length).toBeGreaterThan(0);
    expect(await backend.close(agent)).toEqual({ existed: false });
  });

  it('closes a chat that waits for a person', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.requireAction(agent.id);
    expect(await backend.close(agent, { attempts: 40, delayMs: 10 })).toEqual({ existed: true });
    expect(coder.chats()[0]?.archived).toBe(true);
  });

  it('treats an interrupt of an idle chat as done', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.setChatStatus(agent.id, 'waiting');
    await expect(backend.interrupt(agent)).resolves.toBeUndefined();
  });

  it('pins a workspace from the configured template with the parameters it declares', async () => {
    const { backend, dev } = await setUp(
      {},
      { workspaceTemplate: 'agent-box', presetName: 'large' },
    );
    coder.addTemplate({
      name: 'agent-box',
      presets: [{ Name: 'small', Default: true }, { Name: 'large' }],
      parameters: [{ name: 'sandbox_size' }, { name: 'docker' }],
    });
    const { agent } = await backend.ensureAgent({
      taskName: TASK,
      owner: 'octo-dev',
      ownerId: dev.id,
      input: 'brief',
      labels: ISSUE_LABEL,
      parameters: { sandbox_size: 'large', docker: 'true', volumes: '[]' },
    });
    const [workspace] = coder.workspaces();
    expect(workspace).toMatchObject({ name: TASK, ownerId: dev.id });
    expect(workspace?.presetId).not.toBeNull();
    expect(workspace?.richParameterValues).toEqual([
      { name: 'sandbox_size', value: 'large' },
      { name: 'docker', value: 'true' },
    ]);
    expect(coder.chats()[0]?.workspace_id).toBe(workspace?.id);
    await backend.close(agent, { attempts: 10, delayMs: 10 });
    expect(coder.workspaces().find((w) => w.id === workspace?.id)?.transition ?? 'delete').toBe(
      'delete',
    );
  });

  it('explains a deployment that does not serve chats where it was told they are', async () => {
    const { backend, dev } = await setUp({ release: '2.36' }, { chatsPath: '/api/v2/chats' });
    const err = await caught(ensure(backend, dev.id));
    expect(err.kind).toBe('user_fixable');
    expect(err.userMessage).toContain('CODER_BACKEND=auto');
  });

  it('mints a new token when Coder stops accepting the old one', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.fail({ method: 'POST', path: /\/messages$/, status: 401, times: 1 });
    await backend.send(agent, 'after a revoked token');
    expect(coder.keys()).toHaveLength(2);
    expect(coder.chatMessages(agent.id).at(-1)?.text).toBe('after a revoked token');
  });

  it('mints a shorter token where the deployment caps token lifetimes', async () => {
    const { backend, dev } = await setUp();
    coder.fail({
      method: 'POST',
      path: /\/keys\/tokens$/,
      status: 400,
      body: { message: 'lifetime must be less than 2h0m0s' },
    });
    const { agent } = await ensure(backend, dev.id);
    await backend.send(agent, 'as the owner');
    const lifetimes = coder
      .callsTo('POST', /\/keys\/tokens$/)
      .map((c) => (c.body as { lifetime: number }).lifetime);
    // A day refused, then an hour (asked again without scopes: Coder v2.39 grants none to users).
    expect(lifetimes[0]).toBe(24 * 3_600_000_000_000);
    expect(lifetimes.slice(1)).toEqual(lifetimes.slice(1).map(() => 3_600_000_000_000));
    expect(coder.liveKeys().map((k) => k.expiresAt - k.createdAt)).toEqual([3_600_000]);
    expect(coder.chatMessages(agent.id).at(-1)?.createdBy).toBe(dev.id);
  });

  it('refuses a malformed answer with the path that was wrong', async () => {
    const { backend, dev } = await setUp();
    const { agent } = await ensure(backend, dev.id);
    coder.fail({
      method: 'GET',
      path: new RegExp(`/chats/${agent.id}$`),
      status: 200,
      body: { id: 1 },
    });
    const err = await caught(backend.status(agent as AgentHandle));
    expect(err.message).toMatch(/unexpected shape at id/);
    expect(new CoderHttp({ url: coder.url, token: TOKEN }).token).toBe(TOKEN);
  });

  it('titles the chat after the issue, within Coder’s 200 characters', async () => {
    const { backend, dev } = await setUp();
    await backend.ensureAgent({
      taskName: TASK,
      owner: 'octo-dev',
      ownerId: dev.id,
      input: 'brief',
      labels: ISSUE_LABEL,
      title: `acme/widgets#42: ${'a very long title '.repeat(20)}`,
    });
    const title = coder.chats()[0]?.title ?? '';
    expect(title.startsWith('acme/widgets#42: a very long title')).toBe(true);
    expect([...title]).toHaveLength(200);
    expect(title.endsWith('…')).toBe(true);
  });

  it('refuses labels Coder would refuse before creating anything', async () => {
    const { backend, dev } = await setUp();
    const bad = [
      { 'bad key!': 'x' },
      { ok: 'v'.repeat(257) },
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
    ];
    for (const labels of bad) {
      const err = await caught(
        backend.ensureAgent({
          taskName: TASK,
          owner: 'octo-dev',
          ownerId: dev.id,
          input: 'x',
          labels,
        }),
      );
      expect(err.kind).toBe('rejected');
      expect(err.message).toMatch(/^chat labels: /);
    }
    expect(coder.callsTo('POST', /^\/api\/v2\/chats$/)).toEqual([]);
  });

  it('creates the chat in the repository’s Coder project, by name or id, and ignores one the deployment lacks', async () => {
    const { backend, dev } = await setUp({ internalScopes: true });
    const project = coder.addProject({ name: 'widgets', owner: dev.id });
    const logs: string[] = [];
    const withLog = new CoderAgentsBackend({
      url: coder.url,
      token: TOKEN,
      organization: 'default',
      log: (message) => logs.push(message),
    });
    for (const [i, name] of ['widgets', project.id].entries()) {
      await withLog.ensureAgent({
        taskName: `${TASK}-${i}`,
        owner: 'octo-dev',
        ownerId: dev.id,
        input: 'x',
        project: name,
      });
    }
    const creates = coder.callsTo('POST', /^\/api\/v2\/chats$/);
    expect(creates.map((c) => (c.body as { project_id?: string }).project_id)).toEqual([
      project.id,
      project.id,
    ]);
    await withLog.ensureAgent({
      taskName: `${TASK}-9`,
      owner: 'octo-dev',
      ownerId: dev.id,
      input: 'x',
      project: 'nowhere',
    });
    expect(coder.callsTo('POST', /^\/api\/v2\/chats$/).at(-1)?.body).not.toHaveProperty(
      'project_id',
    );
    expect(logs).toEqual(['coder project ignored: no project named nowhere']);
    expect(backend).toBeDefined();
  });

  it('never sends a 21st queued message: a full queue is a retryable wait', async () => {
    const { backend, dev } = await setUp({ timings: { chatRunningMs: 60_000, interruptMs: 20 } });
    const { agent } = await ensure(backend, dev.id);
    for (let i = 0; i < 20; i++) {
      expect(await backend.send(agent, `queued ${i}`)).toEqual({ queued: true });
    }
    const sendsBefore = coder.callsTo('POST', /\/messages$/).length;
    const err = await caught(backend.send(agent, 'one too many'));
    expect(err.kind).toBe('retryable');
    expect(err.message).toContain('holds 20 queued messages');
    // The queue was read, nothing was sent.
    expect(coder.callsTo('POST', /\/messages$/)).toHaveLength(sendsBefore);
    expect(coder.chatMessages(agent.id).filter((m) => m.queued)).toHaveLength(20);
  });

  it('reports a chat Coder holds for a free agent slot as queued in Coder', async () => {
    const { backend, dev } = await setUp({ chatCapacity: 0 });
    const { agent } = await ensure(backend, dev.id);
    const status = await backend.status(agent);
    expect(status).toMatchObject({ readiness: 'busy', state: 'queued_for_capacity' });
    coder.setCapacity(null);
    expect((await backend.status(agent)).state).not.toBe('queued_for_capacity');
  });
});
