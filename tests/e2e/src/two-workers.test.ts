/**
 * Issue lives on two worker processes of one task queue, as a deployment runs them (compose
 * and the Kubernetes manifests run two), each time one of them is killed (SIGKILL):
 *
 * - after the start, the worker that holds the task in its cache dies: the other one replays
 *   the task's history from scratch and forwards the next comment (the sticky queue of the
 *   dead worker times out first, ~10 s);
 * - in the middle of `startAgent`, the worker running it dies: its heartbeats stop, Temporal
 *   gives the attempt up at the start's heartbeat timeout (20 s; its start-to-close timeout is
 *   90 s), and the other worker runs attempt 2 and the life goes on. This wait is the cost of a
 *   crash in the middle of a start (docs/performance.md, fault tests).
 *
 * Runs with `pnpm test:cluster:workers` (TEST_TEMPORAL=cluster: Temporal on PostgreSQL,
 * infra/cluster.sh) and is skipped, saying so, in `pnpm test`.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import { LEAD, type Stack, startStack, type WorkerProcess } from '@code-factory/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const onCluster = process.env.TEST_TEMPORAL === 'cluster';
/** startToCloseTimeout of Coder calls (`coderWaitingOptions`, packages/workflows/src/task/options.ts). */
const CODER_CALL_TIMEOUT_MS = 90_000;
/** heartbeatTimeout of the start (`coderStartOptions`, same file). */
const START_HEARTBEAT_TIMEOUT_MS = 20_000;

describe.skipIf(!onCluster)('two worker processes (pnpm test:cluster:workers only)', () => {
  let stack: Stack;
  /** The worker processes alive, the stack's own first. */
  const workers: WorkerProcess[] = [];
  const spawn = async () => {
    const worker = await stack.spawnWorker();
    await worker.ready;
    workers.push(worker);
  };
  /** Kills the worker whose identity (the SDK's default, `<pid>@<host>`) is given. */
  const kill = async (identity: string | null | undefined) => {
    const pid = Number(identity?.split('@')[0]);
    const worker = workers.find((w) => w.child.pid === pid);
    if (!worker) throw new Error(`no worker process of ours is ${identity}`);
    // Its IPC channel is gone: the stack's shutdown message at close fails, which is expected.
    worker.child.on('error', () => {});
    await worker.kill('SIGKILL');
    workers.splice(workers.indexOf(worker), 1);
  };

  beforeAll(async () => {
    // The Coder chat streams move to the survivor after 2 s without a heartbeat, not 30 s.
    stack = await startStack({
      worker: 'child',
      workerEnv: { AGENT_WATCH_HEARTBEAT_TIMEOUT_MS: '2000' },
    });
    const first = stack.workerProcess();
    if (first) workers.push(first);
    await spawn();
  });
  afterAll(async () => {
    const own = stack?.workerProcess();
    await Promise.all(workers.filter((w) => w !== own).map((w) => w.kill('SIGKILL')));
    await stack?.close();
  });

  const send = async (event: string, payload: unknown) => {
    const res = await stack.deliver(event, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  };
  const assign = (number: number, title: string) =>
    send('issues', samplePayloads.issueAssigned({ ...stack.issue(number), title }));
  const close = async (number: number) => {
    await send(
      'issues',
      samplePayloads.issueClosed({ ...stack.issue(number), sender: LEAD.login, senderId: LEAD.id }),
    );
    const name = stack.taskName(number);
    expect(await stack.client.workflow.getHandle(name).result()).toBe('closed');
    expect(stack.agentLive(name)).toBe(false);
  };
  /** The identity of the worker that completed the task's last workflow task (it caches it). */
  const holder = async (workflowId: string) => {
    const events = (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    return events.findLast((e) => e.workflowTaskCompletedEventAttributes)
      ?.workflowTaskCompletedEventAttributes?.identity;
  };

  it('goes on when the worker caching the task dies: the other replays it', async () => {
    const number = 7101;
    const name = stack.taskName(number);
    await assign(number, 'Two workers: the holder dies');
    await stack.waitForPhase(name, ['ready'], 30_000);
    await stack.waitForIdle(name);

    await kill(await holder(name));
    const killedAt = Date.now();
    const body = 'after the kill: keep going';
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...stack.issue(number), body, commentId: number * 10 }),
    );
    await waitOrExplain(
      stack,
      name,
      () => stack.agentTexts(name)?.some((t) => t.includes(body)),
      'the comment forwarded by the surviving worker',
      45_000,
    );
    process.stdout.write(`holder killed → comment forwarded: ${Date.now() - killedAt} ms\n`);
    expect(await holder(name)).not.toBe(undefined);
    expect(stack.agentTexts(name)?.filter((t) => t.includes(body))).toHaveLength(1);
    await close(number);
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
  }, 90_000);

  it(
    'goes on when the worker running startAgent dies mid-call, once the attempt times out',
    async () => {
      await spawn(); // two again
      const number = 7102;
      const name = stack.taskName(number);
      // Coder holds the first chat creation: the worker dies while its call is in flight.
      stack.coder.fail({
        method: 'POST',
        path: /^\/api\/v2\/chats$/,
        status: 503,
        delayMs: 150_000,
      });
      await assign(number, 'Two workers: a start cut short');
      const handle = stack.client.workflow.getHandle(name);
      const creations = () =>
        stack.coder
          .callsTo('POST', /^\/api\/v2\/chats$/)
          .filter((c) => JSON.stringify(c.body).includes(name));
      const runner = await until(
        async () => {
          const { raw } = await handle.describe();
          const start = raw.pendingActivities?.find((a) => a.activityType?.name === 'startAgent');
          return creations().length > 0 ? start?.lastWorkerIdentity : undefined;
        },
        'startAgent running, its chat creation held by Coder',
        30_000,
      );
      await kill(runner);
      const killedAt = Date.now();
      await waitOrExplain(
        stack,
        name,
        async () => (await stack.state(name)).phase === 'ready',
        'the start finished by the surviving worker',
        CODER_CALL_TIMEOUT_MS + 40_000,
      );
      const waited = Date.now() - killedAt;
      process.stdout.write(`startAgent runner killed → ready: ${waited} ms\n`);
      // The lost attempt is given up at the heartbeat timeout (from the last heartbeat, up to
      // 5 s before the kill), not at the start-to-close timeout.
      expect(waited).toBeGreaterThan(START_HEARTBEAT_TIMEOUT_MS - 6_000);
      expect(waited).toBeLessThan(CODER_CALL_TIMEOUT_MS - 20_000);
      // The held creation made no chat: one chat, made by attempt 2.
      expect(creations()).toHaveLength(2);
      expect(creations().filter((c) => c.status === 201)).toHaveLength(1);
      await close(number);
      expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    },
    CODER_CALL_TIMEOUT_MS + 90_000,
  );
});

/** Waits for `check`; on a timeout, says what the task waits on. */
async function waitOrExplain(
  stack: Stack,
  workflowId: string,
  check: () => unknown,
  what: string,
  timeoutMs: number,
): Promise<void> {
  try {
    await until(check, what, timeoutMs);
  } catch (err) {
    throw new Error(`${err}\n${await whereItWaits(stack, workflowId)}`);
  }
}

/** What the task waits on, for a failure message: pending work and the history's tail. */
async function whereItWaits(stack: Stack, workflowId: string): Promise<string> {
  const handle = stack.client.workflow.getHandle(workflowId);
  const { raw } = await handle.describe();
  const pending = (raw.pendingActivities ?? []).map(
    (a) => `${a.activityType?.name} attempt ${a.attempt} state ${a.state}`,
  );
  const task = raw.pendingWorkflowTask
    ? `workflow task attempt ${raw.pendingWorkflowTask.attempt} state ${raw.pendingWorkflowTask.state}`
    : 'no workflow task';
  const events = (await handle.fetchHistory()).events ?? [];
  const tail = events.slice(-12).map((e) => {
    const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes')) ?? '?';
    const failure = JSON.stringify(e).match(/"message":"([^"]{0,200})/)?.[1];
    return `${e.eventId} ${kind}${failure ? `: ${failure}` : ''}`;
  });
  return [`pending: ${pending.join('; ') || 'none'}; ${task}`, ...tail].join('\n');
}
