/**
 * The agent-watch workflow against the shared dev server, with a stand-in stream holder: it
 * keeps chat owners (not chats), takes malformed or hand-sent follows without failing, answers
 * the owner list only when it changed, carries owners over a continue-as-new (also from a run
 * of the release that kept chats), and a fleet start of many chats of one owner costs it one
 * signal.
 */
import { randomUUID } from 'node:crypto';
import { quietRuntime, workflowBundle } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import {
  AGENT_WATCH_WORKFLOW_TYPE,
  type AgentWatchInput,
  agentWatchWorkflowId,
  type FollowedOwners,
  followAgentSignal,
  followedOwnersQuery,
  releaseAgentUpdate,
  unfollowAgentSignal,
} from '@code-factory/workflows';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FollowBatcher } from '../src/activities';

quietRuntime();

const taskQueue = `watch-${randomUUID().slice(0, 8)}`;
let connection: Connection;
let client: Client;
let native: NativeConnection;
let worker: { instance: Worker; running: Promise<void> };
/** Stream holders started (one per run of the watch). */
let holds = 0;

beforeAll(async () => {
  const address = temporalAddress();
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
  native = await NativeConnection.connect({ address });
  const instance = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      // Holds until cancelled, as the real one does.
      async followAgentStreams() {
        holds++;
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          await ctx.sleep(200);
        }
      },
    },
    shutdownGraceTime: '1 second',
  });
  worker = { instance, running: instance.run() };
}, 60_000);

afterAll(async () => {
  worker?.instance.shutdown();
  await worker?.running;
  await native?.close();
  await connection?.close();
});

/** A watch workflow of its own (a fresh ID), from `input`. */
async function startWatch(input: AgentWatchInput = {}) {
  const id = `watch-${randomUUID().slice(0, 8)}`;
  const handle = await client.workflow.start(AGENT_WATCH_WORKFLOW_TYPE, {
    workflowId: id,
    taskQueue,
    args: [input],
  });
  return { id, handle };
}

async function owners(id: string, sinceVersion?: number): Promise<FollowedOwners | null> {
  return client.workflow.getHandle(id).query(followedOwnersQuery, { sinceVersion });
}

async function until<T>(read: () => Promise<T | undefined | null>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent-watch workflow', () => {
  it('keeps each owner once, ignores malformed follows, and answers the list only when it changed', async () => {
    const { id, handle } = await startWatch();
    for (let i = 0; i < 5; i++) {
      await handle.signal(followAgentSignal, { chatId: `c${i}`, taskName: `t${i}`, ownerId: 'u1' });
    }
    await handle.signal(followAgentSignal, { chatId: 'c9', taskName: 't9' });
    // Malformed: not an object, a too-long owner, an array. An operator's bare owner is fine.
    for (const bad of [null, 'u2', { ownerId: 'x'.repeat(101) }, ['u3']]) {
      await client.workflow.getHandle(id).signal('follow', bad);
    }
    await client.workflow.getHandle(id).signal('follow', { ownerId: 'u4' });
    await handle.signal(unfollowAgentSignal, { chatId: 'c1' });

    const list = await until(
      async () => ((await owners(id))?.owners.length === 3 ? owners(id) : null),
      'three owners',
    );
    expect(new Set(list.owners)).toEqual(new Set(['u1', 'self', 'u4']));
    expect(list.version).toBe(3);
    expect(await owners(id, 3)).toBeNull();
    expect(await owners(id, 2)).toEqual(list);
    // The older query name answers the same list.
    expect(await handle.query('followed')).toEqual(list);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    await until(async () => (holds > 0 ? true : null), 'the stream holder started');
    await handle.terminate('test over');
  });

  it('carries owners over a continue-as-new, from a run that kept chats too', async () => {
    const before = holds;
    // The input a run of the release that followed chat by chat continued with.
    const { id, handle } = await startWatch({
      followed: [
        { chatId: 'a', taskName: 'gh-a-1', ownerId: 'u1' },
        { chatId: 'b', taskName: 'gh-a-2', ownerId: 'u1' },
        { chatId: 'c', taskName: 'gh-a-3' },
      ],
      deployment: 'v2.38.0',
      maxHistoryEvents: 12,
      // The holder learns of its cancellation at a heartbeat: keep the wait short.
      heartbeatTimeoutMs: 2_000,
    });
    const firstRun = handle.firstExecutionRunId;
    for (let i = 0; i < 8; i++) {
      await handle.signal(followAgentSignal, {
        chatId: `n${i}`,
        taskName: 'gh-a-9',
        ownerId: `v${i % 2}`,
      });
    }
    const next = await until(async () => {
      const d = await client.workflow.getHandle(id).describe();
      return d.runId !== firstRun ? d : null;
    }, 'the run continued as new');
    const history = await client.workflow.getHandle(id, next.runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = JSON.parse(
      Buffer.from(started?.input?.payloads?.[0]?.data ?? new Uint8Array()).toString(),
    ) as AgentWatchInput;
    expect(input.followed).toBeUndefined();
    // The chats' owners are kept until an operator lets them go; the new ones with their task.
    expect(new Set(input.owners)).toEqual(new Set(['u1', 'self']));
    expect(input.ownerTasks).toEqual({ v0: ['gh-a-9'], v1: ['gh-a-9'] });
    expect(input.deployment).toBe('v2.38.0');
    expect(new Set((await owners(id))?.owners)).toEqual(new Set(['u1', 'self', 'v0', 'v1']));
    // The new run started its own holder after the old one let go.
    await until(async () => (holds >= before + 2 ? true : null), 'a holder per run');
    await client.workflow.getHandle(id).terminate('test over');
  });

  it('a fleet start of many chats costs the watch one signal', async () => {
    const queue = `watch-fleet-${randomUUID().slice(0, 8)}`;
    const watch = { client, taskQueue: queue, pollMs: 1_000, reconnectMs: 1_000 };
    const batcher = new FollowBatcher(watch);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        batcher.follow({ chatId: `c${i}`, taskName: `gh-x-${i}`, ownerId: `u${i % 3}` }),
      ),
    );
    const handle = client.workflow.getHandle(agentWatchWorkflowId(queue));
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes,
    );
    expect(signals).toHaveLength(1);
    // No worker polls this queue: the watch ran no task yet and needs none to have started.
    await handle.terminate('test over');
  });

  it('lets an owner go when its last task closes, and keeps an operator’s owner', async () => {
    const { id, handle } = await startWatch();
    await handle.signal(followAgentSignal, {
      follows: [
        { chatId: 'a', taskName: 'gh-r-1', ownerId: 'u1' },
        { chatId: 'b', taskName: 'gh-r-2', ownerId: 'u1' },
        { chatId: 'c', taskName: 'gh-r-3', ownerId: 'u2' },
      ],
    });
    await handle.signal(followAgentSignal, { ownerId: 'ops' });
    const release = (taskName: string, ownerId: string) =>
      handle.executeUpdate(releaseAgentUpdate, { args: [{ taskName, ownerId }] });
    expect(await release('gh-r-1', 'u1')).toEqual({ ownerFollowed: true });
    expect(await release('gh-r-3', 'u2')).toEqual({ ownerFollowed: false });
    // Released twice (an activity retried): the same answer, nothing else changes.
    expect(await release('gh-r-3', 'u2')).toEqual({ ownerFollowed: false });
    expect(new Set((await owners(id))?.owners)).toEqual(new Set(['u1', 'ops']));
    expect(await release('gh-r-2', 'u1')).toEqual({ ownerFollowed: false });
    // A malformed release is refused by the validator, and the run goes on.
    await expect(
      handle.executeUpdate(releaseAgentUpdate, { args: [{ ownerId: 'u1' }] }),
    ).rejects.toThrow(/Update failed/);
    // An operator's owner stays until an operator's bare unfollow.
    expect((await owners(id))?.owners).toEqual(['ops']);
    await handle.signal(unfollowAgentSignal, { ownerId: 'ops' });
    await until(async () => ((await owners(id))?.owners.length === 0 ? true : null), 'no owner');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });
});
