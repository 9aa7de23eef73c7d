import { isExternalError } from '@code-factory/errors';
import { type FakeCoder, startFakeCoder } from '@code-factory/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoderAgentsBackend, TASK_LABEL } from './agents-backend';
import type { AgentHandle } from './backend';

const TOKEN = 'agents-token';
const TASK = 'gh-widgets-42';
const ISSUE_LABEL = { 'code-factory/issue': 'acme/widgets#42' };

describe('CoderAgentsBackend against the fake Coder', () => {
  let coder: FakeCoder;
  let clock: number;
  let backend: CoderAgentsBackend;

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    coder = await startFakeCoder({
      token: TOKEN,
      tokenUser: 'code-factory',
      now: () => clock,
      timings: { chatPendingMs: 1_000, chatRunningMs: 5_000 },
    });
    backend = new CoderAgentsBackend({ url: coder.url, token: TOKEN, organization: 'default' });
  });
  afterEach(async () => {
    await coder.close();
  });

  function ensure(taskName = TASK) {
    return backend.ensureAgent({
      taskName,
      owner: 'ignored',
      input: 'https://github.com/acme/widgets/issues/42',
      labels: ISSUE_LABEL,
    });
  }

  async function caught(promise: Promise<unknown>) {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isExternalError(err)) throw new Error(`expected an ExternalError, got ${String(err)}`);
    return err;
  }

  it('resolves the owner to the token user', async () => {
    const owner = await backend.resolveOwner({ githubUserId: 1, githubLogin: 'octo' });
    expect(owner).toEqual({ owner: 'code-factory' });
  });

  it('creates a labelled chat in the organization', async () => {
    const { agent, adopted } = await ensure();
    expect(adopted).toBe(false);
    expect(agent).toEqual({
      backend: 'agents',
      id: expect.any(String),
      owner: 'code-factory',
      name: TASK,
      url: `${coder.url}/agents/${agent.id}`,
    });
    const [chat] = coder.chats();
    expect(chat).toMatchObject({
      id: agent.id,
      organization_id: coder.defaultOrganization.id,
      labels: { [TASK_LABEL]: TASK, ...ISSUE_LABEL },
    });
    expect(coder.chatMessages(agent.id)).toEqual([
      { text: 'https://github.com/acme/widgets/issues/42', queued: false, delivered: false },
    ]);
    const [create] = coder.callsTo('POST', /^\/api\/experimental\/chats$/);
    expect(create?.body).toMatchObject({
      content: [{ type: 'text', text: 'https://github.com/acme/widgets/issues/42' }],
    });
  });

  it('adopts the live chat with the same labels and resolves the organization once', async () => {
    const first = await ensure();
    const second = await ensure();
    expect(second.adopted).toBe(true);
    expect(second.agent.id).toBe(first.agent.id);
    await ensure('gh-widgets-43');
    expect(coder.chats()).toHaveLength(2);
    expect(coder.callsTo('GET', /^\/api\/v2\/organizations\//)).toHaveLength(1);
    const [list] = coder.callsTo('GET', /^\/api\/experimental\/chats$/);
    expect(list?.query.label).toBeDefined();
  });

  it('does not adopt an archived chat', async () => {
    const first = await ensure();
    await backend.close(first.agent);
    const again = await ensure();
    expect(again.adopted).toBe(false);
    expect(again.agent.id).not.toBe(first.agent.id);
  });

  describe('status', () => {
    let agent: AgentHandle;
    beforeEach(async () => {
      agent = (await ensure()).agent;
    });

    it('pending → busy', async () => {
      expect(await backend.status(agent)).toEqual({ readiness: 'busy', detail: 'pending' });
    });

    it('running → busy', async () => {
      clock += 1_000;
      expect(await backend.status(agent)).toEqual({ readiness: 'busy', detail: 'running' });
    });

    it('waiting → ready', async () => {
      clock += 6_000;
      expect(await backend.status(agent)).toEqual({ readiness: 'ready', detail: 'waiting' });
    });

    it('error → error, with the last error', async () => {
      coder.setChatStatus(agent.id, 'error');
      const status = await backend.status(agent);
      expect(status.readiness).toBe('error');
      expect(status.detail).toMatch(/^error: /);
    });

    it('requires_action → blocked', async () => {
      coder.setChatStatus(agent.id, 'requires_action');
      expect((await backend.status(agent)).readiness).toBe('blocked');
    });

    it('archived → gone', async () => {
      await backend.close(agent);
      expect(await backend.status(agent)).toEqual({ readiness: 'gone', detail: 'archived' });
    });

    it('unknown chat → gone', async () => {
      const missing = { ...agent, id: '00000000-0000-0000-0000-000000000000' };
      expect((await backend.status(missing)).readiness).toBe('gone');
    });

    it('reports the pull request from diff_status, not a branch page', async () => {
      clock += 6_000;
      coder.setChatDiff(agent.id, { url: 'https://github.com/acme/widgets/tree/fix-42' });
      expect((await backend.status(agent)).pullRequestUrl).toBeUndefined();
      coder.setChatDiff(agent.id, { pull_request_url: 'https://github.com/acme/widgets/pull/7' });
      expect(await backend.status(agent)).toEqual({
        readiness: 'ready',
        detail: 'waiting',
        pullRequestUrl: 'https://github.com/acme/widgets/pull/7',
      });
    });
  });

  it('sends while running: Coder queues the message', async () => {
    const { agent } = await ensure();
    clock += 2_000;
    expect(await backend.send(agent, 'also fix the docs')).toEqual({ queued: true });
    clock += 10_000;
    expect(await backend.send(agent, 'thanks')).toEqual({ queued: false });
    expect(coder.chatMessages(agent.id).map((m) => [m.text, m.queued])).toEqual([
      ['https://github.com/acme/widgets/issues/42', false],
      ['also fix the docs', true],
      ['thanks', false],
    ]);
  });

  it('closes by archiving; closing again or a missing chat is not an error', async () => {
    const { agent } = await ensure();
    expect(await backend.close(agent)).toEqual({ existed: true });
    expect(await backend.close(agent)).toEqual({ existed: false });
    expect(await backend.close({ ...agent, id: 'missing' })).toEqual({ existed: false });
    expect(coder.chats()[0]?.archived).toBe(true);
    expect(coder.callsTo('PATCH', /\/api\/experimental\/chats\//)).toHaveLength(1);
  });

  it('interrupts a running chat back to ready', async () => {
    const { agent } = await ensure();
    clock += 2_000;
    await backend.interrupt(agent);
    expect((await backend.status(agent)).readiness).toBe('ready');
    expect(coder.callsTo('POST', /\/interrupt$/)).toHaveLength(1);
  });

  it('resume is a no-op', async () => {
    const { agent } = await ensure();
    coder.reset();
    await backend.resume(agent);
    expect(coder.calls()).toEqual([]);
  });

  describe('errors', () => {
    it('Coder Agents not enabled (404 on the chats endpoints) is user-fixable', async () => {
      coder.setChatsEnabled(false);
      const err = await caught(ensure());
      expect(err.kind).toBe('user_fixable');
      expect(err.userMessage).toContain('Coder Agents is not enabled on this Coder deployment');
      expect(err.userMessage).toContain('CODER_BACKEND=tasks');
    });

    it('the agents experiment switched off (403) is user-fixable the same way', async () => {
      coder.fail({
        path: /^\/api\/experimental\/chats$/,
        status: 403,
        body: { message: "Coder Agents functionality requires enabling the 'agents' experiment." },
      });
      const err = await caught(ensure());
      expect(err.kind).toBe('user_fixable');
      expect(err.userMessage).toContain('Coder Agents is not enabled');
    });

    it('an unknown organization is user-fixable', async () => {
      backend = new CoderAgentsBackend({ url: coder.url, token: TOKEN, organization: 'nope' });
      const err = await caught(ensure());
      expect(err.kind).toBe('user_fixable');
      expect(err.userMessage).toContain('`nope` does not exist');
    });

    it('a reached usage limit is user-fixable, on create and on send', async () => {
      const { agent } = await ensure();
      coder.setChatUsageLimitExceeded(true);
      const onCreate = await caught(ensure('gh-widgets-99'));
      expect(onCreate.kind).toBe('user_fixable');
      expect(onCreate.status).toBe(409);
      expect(onCreate.userMessage).toContain('usage limit');
      const onSend = await caught(backend.send(agent, 'more'));
      expect(onSend.kind).toBe('user_fixable');
      expect(onSend.userMessage).toContain('usage limit');
    });

    it('a user without the agents role (403) is user-fixable', async () => {
      coder.fail({
        method: 'POST',
        path: /^\/api\/experimental\/chats$/,
        status: 403,
        body: { message: 'Forbidden.' },
      });
      const err = await caught(ensure());
      expect(err.kind).toBe('user_fixable');
      expect(err.userMessage).toContain('agents-access');
    });

    it('5xx stays retryable, and a retry succeeds', async () => {
      coder.fail({ path: /^\/api\/experimental\/chats/, status: 503 });
      const err = await caught(ensure());
      expect(err.kind).toBe('retryable');
      expect(err.status).toBe(503);
      expect((await ensure()).adopted).toBe(false);
    });
  });
});
