import { type FakeCoder, startFakeCoder, until } from '@code-factory/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CoderAgentsBackend } from './agents-backend';
import { ChatFollower, type ChatUpdate } from './chat-watch';
import { detectCoder } from './detect';
import { CoderHttp } from './http';

/** The Coder Agents backend on the fake, in its default organization. */
const backendOn = (coder: FakeCoder) =>
  new CoderAgentsBackend({ url: coder.url, token: coder.token, organization: 'default' });

/**
 * A chat of `dev` on a fake of `release` (the fake's default without one), followed with cost
 * reads every `costIntervalMs`: the stream is up when it returns.
 */
async function followDevChat(
  release: '2.38' | undefined,
  taskName: string,
  costIntervalMs: number,
) {
  const coder = await startFakeCoder({
    ...(release ? { release } : {}),
    timings: { chatRunningMs: 40, interruptMs: 10 },
  });
  const dev = coder.addUser({ username: 'dev', githubUserId: 7 });
  const backend = backendOn(coder);
  const { agent } = await backend.ensureAgent({
    taskName,
    owner: 'dev',
    ownerId: dev.id,
    input: 'brief',
  });
  // The brief's turn ends before the chat is followed: a turn end seen while following reads
  // the cost, and the tests' turns must be the first ones read.
  await until(
    () => coder.chats().find((c) => c.id === agent.id)?.status === 'waiting',
    "the brief's turn over",
  );
  const updates: ChatUpdate[] = [];
  const follower = new ChatFollower({
    backend,
    pollMs: 30,
    costIntervalMs,
    onUpdate: (u) => {
      updates.push(u);
    },
  });
  follower.setOwners([dev.id]);
  await until(() => coder.watchConnections() === 1, 'one stream for the owner');
  return { coder, backend, agent, updates, follower };
}

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
    const backend = backendOn(coder);
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

  it('reads what a chat cost when a turn ends, at most once per interval, and never where Coder has no cost', async () => {
    const followed = await followDevChat(undefined, 'gh-widgets-3', 60_000);
    ({ coder, follower } = followed);
    const { backend, agent, updates } = followed;
    const costReads = () => coder.requestCount({ path: new RegExp(`/chats/${agent.id}/cost$`) });
    // A turn that ends while the stream is up: its cost is read once, and sent.
    coder.setChatCost(agent.id, { totalCostMicros: 1_230_000, requestCount: 42 });
    await backend.send(agent, 'go on');
    const costed = await until(() => updates.find((u) => u.cost), 'the cost after the turn');
    expect(costed.cost).toEqual({ totalMicros: 1_230_000, requests: 42, unpriced: 0 });
    expect(costReads()).toBe(1);
    // The next turn ends within the interval: no read yet, later updates keep the last cost.
    coder.setChatSummary(agent.id, { last_turn_summary: 'second turn' });
    await backend.send(agent, 'again');
    const second = await until(
      () => updates.find((u) => u.summary === 'second turn' && u.status === 'waiting'),
      'the second turn ending',
    );
    expect(second.cost?.totalMicros).toBe(1_230_000);
    expect(costReads()).toBe(1);
  });

  it('has no cost on a Coder without the cost route, and asks once per chat', async () => {
    const followed = await followDevChat('2.38', 'gh-widgets-4', 0);
    ({ coder, follower } = followed);
    const { backend, agent, updates } = followed;
    for (const text of ['one', 'two']) {
      await backend.send(agent, text);
      await until(
        () => coder.chats().find((c) => c.id === agent.id)?.status === 'waiting',
        'the turn ending',
      );
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(updates.some((u) => u.cost)).toBe(false);
    expect(coder.requestCount({ path: /\/cost$/ })).toBe(1);
  });

  it('finds chats created before the stream opened, and mutes a chat no workflow takes', async () => {
    coder = await startFakeCoder({ timings: { chatRunningMs: 20, interruptMs: 10 } });
    const backend = backendOn(coder);
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

it('tells the workflow of a chat archived while its stream was down (the list leaves it out)', async () => {
  const coder = await startFakeCoder({ timings: { chatRunningMs: 20, interruptMs: 10 } });
  const backend = backendOn(coder);
  const { agent } = await backend.ensureAgent({ taskName: 'gh-w-9', owner: 'x', input: 'b' });
  const updates: ChatUpdate[] = [];
  const follower = new ChatFollower({
    backend,
    pollMs: 50,
    reconnectMs: 50,
    onUpdate: (u) => {
      updates.push(u);
    },
  });
  try {
    follower.setOwners(['self']);
    await until(() => updates.find((u) => u.status === 'waiting'), 'the first turn over');
    // The stream must be up before it is cut: under load the first turn can end (seen by a
    // poll) before the stream opens, and a stream opening after the archive sweeps it as a push.
    await until(() => follower.health().streamsUp === 1, 'the stream up');
    // Refused for longer than the test can take: the archive must be found by a poll, not by
    // a stream that came back.
    coder.cutStreams({ refuseForMs: 60_000 });
    await until(() => coder.watchConnections() === 0, 'the stream cut');
    await until(() => follower.health().streamsDown === 1, 'the follower sees it down');
    // Archived by hand in Coder: the frame for it goes to no stream.
    const archived = await fetch(`${coder.url}/api/v2/chats/${agent.id}`, {
      method: 'PATCH',
      headers: { 'Coder-Session-Token': coder.token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ archived: true }),
    });
    expect(archived.status).toBe(204);
    const gone = await until(() => updates.find((u) => u.archived), 'the archive reported');
    expect(gone).toMatchObject({ chatId: agent.id, taskName: 'gh-w-9', readiness: 'gone' });
    expect(gone.via).toBe('poll');
    // Read once: later polls list nothing and read nothing more.
    const reads = () => coder.callsTo('GET', new RegExp(`/api/v2/chats/${agent.id}$`)).length;
    const after = reads();
    await new Promise((r) => setTimeout(r, 300));
    expect(reads()).toBe(after);
    expect(updates.filter((u) => u.archived)).toHaveLength(1);
  } finally {
    follower.stop();
    await coder.close();
  }
});

it('hands on at most maxInFlight updates at once, and only the newest state of a chat that waited', async () => {
  const coder = await startFakeCoder({ timings: { chatRunningMs: 10_000, interruptMs: 10 } });
  const backend = backendOn(coder);
  const names = ['gh-w-1', 'gh-w-2', 'gh-w-3'];
  for (const taskName of names) await backend.ensureAgent({ taskName, owner: 'x', input: 'b' });
  const seen: ChatUpdate[] = [];
  let inFlight = 0;
  let most = 0;
  let open = false;
  const follower = new ChatFollower({
    backend,
    pollMs: 30,
    reconnectMs: 50,
    maxInFlight: 1,
    // Temporal slow to take signals: each hand-off waits until the gate opens.
    onUpdate: async (u) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await until(() => open, 'the gate open');
      seen.push(u);
      inFlight--;
    },
  });
  try {
    follower.setOwners(['self']);
    await until(() => coder.watchConnections() === 1, 'the stream');
    const ids = names.map((n) => coder.chatByLabel('code-factory/task', n)?.id as string);
    for (let i = 1; i <= 5; i++) {
      for (const id of ids) coder.setChatSummary(id, { last_turn_summary: `turn ${i}` });
      await new Promise((r) => setTimeout(r, 20));
    }
    open = true;
    await until(
      () => ids.every((id) => seen.some((u) => u.chatId === id && u.summary === 'turn 5')),
      'the newest state of every chat',
    );
    expect(most).toBe(1);
    // 15 changes (plus the first reads) came in; the ones that waited were replaced.
    expect(seen.length).toBeLessThan(15);
    for (const id of ids) {
      const mine = seen.filter((u) => u.chatId === id);
      expect(mine.at(-1)?.summary).toBe('turn 5');
    }
  } finally {
    follower.stop();
    await coder.close();
  }
});

it("opens no stream when stopped while it still reads the owner's token", async () => {
  const coder = await startFakeCoder();
  const backend = backendOn(coder);
  // The token read outlasts the holder: its attempt ends (stop) before the socket would open.
  let release = () => {};
  const gate = new Promise<void>((done) => {
    release = done;
  });
  const reading = backend.actingAs.bind(backend);
  let asked = false;
  backend.actingAs = async (ownerId) => {
    asked = true;
    await gate;
    return reading(ownerId);
  };
  const follower = new ChatFollower({
    backend,
    pollMs: 10_000,
    reconnectMs: 20,
    onUpdate: () => {},
  });
  try {
    follower.setOwners(['self']);
    await until(() => asked, 'the token read');
    follower.stop();
    release();
    await new Promise((r) => setTimeout(r, 200));
    expect(coder.watchConnections()).toBe(0);
    expect(coder.callsTo('GET', /\/api\/v2\/chats\/watch$/)).toHaveLength(0);
  } finally {
    follower.stop();
    await coder.close();
  }
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
