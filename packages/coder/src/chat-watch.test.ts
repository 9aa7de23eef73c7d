import { type FakeCoder, startFakeCoder, until } from '@code-factory/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CoderAgentsBackend } from './agents-backend';
import { ChatFollower, type ChatUpdate } from './chat-watch';
import { detectCoder } from './detect';
import { CoderHttp } from './http';

describe('ChatFollower against the fake Coder', () => {
  let coder: FakeCoder;
  let follower: ChatFollower | undefined;
  afterEach(async () => {
    follower?.stop();
    await coder?.close();
  });

  it('pushes changes of the labelled chats of each followed owner, polls while the stream is down, and reconnects', async () => {
    coder = await startFakeCoder({ timings: { chatRunningMs: 50, interruptMs: 10 } });
    const dev = coder.addUser({ username: 'dev', githubUserId: 7 });
    const backend = new CoderAgentsBackend({
      url: coder.url,
      token: coder.token,
      organization: 'default',
    });
    const { agent } = await backend.ensureAgent({
      taskName: 'gh-widgets-1',
      owner: 'dev',
      ownerId: dev.id,
      input: 'brief',
    });
    // A chat of the same user that the product did not start (no code-factory/task label).
    const org = (await (await coderGet(coder, '/api/v2/organizations')).json()) as Array<{
      id: string;
    }>;
    const other = (await (
      await fetch(`${coder.url}/api/v2/chats`, {
        method: 'POST',
        headers: { 'Coder-Session-Token': coder.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          organization_id: org[0]?.id,
          owner_id: dev.id,
          content: [{ type: 'text', text: 'mine' }],
        }),
      })
    ).json()) as { id: string };
    const updates: ChatUpdate[] = [];
    follower = new ChatFollower({
      backend,
      pollMs: 30,
      reconnectMs: 50,
      onUpdate: (u) => {
        updates.push(u);
      },
    });
    follower.setOwners([dev.id]);
    await until(() => coder.watchConnections() === 1, 'one stream for the owner');
    await until(() => updates.find((u) => u.status === 'waiting'), 'the turn ending');

    coder.requireAction(agent.id);
    const blocked = await until(
      () => updates.find((u) => u.readiness === 'blocked'),
      'requires_action',
    );
    expect(blocked).toMatchObject({ taskName: 'gh-widgets-1', chatId: agent.id, via: 'push' });
    coder.setChatDiff(agent.id, { pull_request_url: 'https://github.com/a/b/pull/5' });
    await until(() => updates.find((u) => u.pullRequest?.number === 5), 'the pull request');

    coder.cutStreams({ refuseForMs: 1_500 });
    await until(() => coder.watchConnections() === 0, 'the stream cut');
    coder.setChatSummary(agent.id, { last_turn_summary: 'seen by polling' });
    const polled = await until(
      () => updates.find((u) => u.summary === 'seen by polling'),
      'a poll',
    );
    expect(polled.via).toBe('poll');
    // The pull request is still known after the poll (the list carries the whole chat).
    expect(polled.pullRequest?.number).toBe(5);
    await until(() => coder.watchConnections() === 1, 'the stream back');
    coder.setChatSummary(agent.id, { last_turn_summary: 'pushed again' });
    const pushed = await until(() => updates.find((u) => u.summary === 'pushed again'), 'a push');
    expect(pushed.via).toBe('push');

    expect(updates.some((u) => u.chatId === other.id)).toBe(false);
    // Nothing repeated: each update differs from the one before it.
    const fingerprints = updates.map(({ via: _v, ...rest }) => JSON.stringify(rest));
    for (let i = 1; i < fingerprints.length; i++)
      expect(fingerprints[i]).not.toBe(fingerprints[i - 1]);
    expect(follower.health()).toMatchObject({ owners: 1, chats: 1, streamsUp: 1, streamsDown: 0 });

    follower.setOwners([]);
    await until(
      () => coder.watchConnections() === 0,
      'the stream closed when no owner is followed',
    );
  });

  it('finds chats created before the stream opened, and mutes a chat no workflow takes', async () => {
    coder = await startFakeCoder({ timings: { chatRunningMs: 20, interruptMs: 10 } });
    const backend = new CoderAgentsBackend({
      url: coder.url,
      token: coder.token,
      organization: 'default',
    });
    // More chats than one page of the list: the sweep on connect reads every page.
    const names = Array.from({ length: 7 }, (_, i) => `gh-widgets-${i + 1}`);
    for (const taskName of names) await backend.ensureAgent({ taskName, owner: 'x', input: 'b' });
    // Every first turn over before the stream opens (the fake settles a turn when read).
    await until(() => coder.chats().every((c) => c.status === 'waiting'), 'the first turns over');
    const foreign = names[6] as string;
    let now = 0;
    const seen: ChatUpdate[] = [];
    const original = backend.listLabelledChats.bind(backend);
    backend.listLabelledChats = (label, ownerId) => original(label, ownerId, 3);
    follower = new ChatFollower({
      backend,
      pollMs: 30,
      reconnectMs: 50,
      muteMs: 1_000,
      now: () => now,
      onUpdate: (u) => {
        seen.push(u);
        return u.taskName === foreign ? 'not-ours' : undefined;
      },
    });
    follower.setOwners(['self']);
    await until(
      () => names.every((n) => seen.some((u) => u.taskName === n && u.status === 'waiting')),
      'every chat read once the stream is up',
    );
    const foreignChat = coder.chatByLabel('code-factory/task', foreign);
    const before = seen.filter((u) => u.taskName === foreign).length;
    coder.setChatSummary(foreignChat?.id as string, { last_turn_summary: 'muted' });
    coder.setChatSummary(coder.chatByLabel('code-factory/task', 'gh-widgets-1')?.id as string, {
      last_turn_summary: 'heard',
    });
    await until(() => seen.find((u) => u.summary === 'heard'), 'a chat that is ours');
    expect(seen.filter((u) => u.taskName === foreign)).toHaveLength(before);
    now = 2_000;
    coder.setChatSummary(foreignChat?.id as string, { last_turn_summary: 'unmuted' });
    await until(() => seen.find((u) => u.summary === 'unmuted'), 'the mute over');
  });
});

async function coderGet(coder: FakeCoder, path: string) {
  return fetch(`${coder.url}${path}`, { headers: { 'Coder-Session-Token': coder.token } });
}

describe('detectCoder against each release of the fake', () => {
  let coder: FakeCoder;
  afterEach(async () => {
    await coder?.close();
  });

  it.each([
    ['current', { version: 'v2.38.0', chatsPath: '/api/v2/chats', tasks: false }],
    ['2.37', { version: 'v2.37.2', chatsPath: '/api/v2/chats', tasks: false }],
    ['2.36', { version: 'v2.36.4', chatsPath: '/api/experimental/chats', tasks: true }],
  ] as const)('%s', async (release, expected) => {
    coder = await startFakeCoder({ release });
    expect(await detectCoder(new CoderHttp({ url: coder.url, token: coder.token }))).toEqual(
      expected,
    );
  });

  it('stops on a token Coder refuses instead of guessing', async () => {
    coder = await startFakeCoder();
    await expect(detectCoder(new CoderHttp({ url: coder.url, token: 'wrong' }))).rejects.toThrow(
      /401/,
    );
  });
});
