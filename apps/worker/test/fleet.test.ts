/**
 * Fleet controls against the shared dev server: the slots workflow (FIFO, idempotent, slots
 * of ended tasks come back, nothing lost when a worker dies mid-acquire) and the stuck-tasks
 * scan. Stand-ins for the task workflow live in `fleet-workflows.ts`.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { until as waitUntil } from '@code-factory/testkit';
import { quietRuntime } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import {
  acquireSlotUpdate,
  type FleetActivities,
  SearchAttributes,
  type SlotsWorkflowInput,
  STUCK_SCAN_WORKFLOW_TYPE,
  type StuckScanInput,
  type StuckScanResult,
  slotsQuery,
} from '@code-factory/workflows';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetActivities, stuckQuery } from '../src/fleet-activities';
import type { HolderState } from './fleet-workflows';

quietRuntime();

const HISTORIES_DIR = resolve(
  import.meta.dirname,
  '../../../packages/workflows/test/fixtures/histories',
);
const taskQueue = `fleet-${randomUUID()}`;
let client: Client;
let connection: Connection;
let native: NativeConnection;
let bundle: { code: string };
let worker: { instance: Worker; running: Promise<void> } | undefined;
/** Task IDs whose next acquire "dies" after the update landed (the result is lost). */
const crashAfterAcquire = new Set<string>();
let acquireCalls = 0;

async function startWorker(): Promise<void> {
  const fleet = createFleetActivities({
    client,
    taskQueue,
    slotCheckIntervalMs: 500,
    taskWorkflowType: 'phaseHolderWorkflow',
  });
  const activities: FleetActivities = {
    ...fleet,
    async acquireSlot(input) {
      acquireCalls++;
      const answer = await fleet.acquireSlot(input);
      if (crashAfterAcquire.delete(input.taskId)) {
        throw new Error('worker lost between acquire and start');
      }
      return answer;
    },
  };
  const instance = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue,
    activities,
    workflowBundle: bundle,
    shutdownGraceTime: '1 second',
  });
  worker = { instance, running: instance.run() };
}

async function stopWorker(): Promise<void> {
  if (!worker) return;
  worker.instance.shutdown();
  await worker.running;
  worker = undefined;
}

beforeAll(async () => {
  const address = temporalAddress();
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
  native = await NativeConnection.connect({ address });
  bundle = await bundleWorkflowCode({
    workflowsPath: resolve(import.meta.dirname, 'fleet-workflows.ts'),
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
  });
  await startWorker();
});

afterAll(async () => {
  await stopWorker();
  await native?.close();
  await connection?.close();
});

/** The test kit's `until` on a read that must pass `ok`; a read that throws is "not yet". */
function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  return waitUntil(async () => {
    const value = await read().catch(() => undefined);
    return value !== undefined && ok(value) ? value : undefined;
  }, what);
}

/** `RECORD_HISTORIES=1`: keep a slots workflow's history for the replay test. */
async function record(scope: string, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(scope).fetchHistory();
  const json = JSON.stringify(JSON.parse(historyToJSON(history)), null, 1);
  writeFileSync(resolve(HISTORIES_DIR, `${name}.json`), `${json}\n`);
}

const newScope = () => `slots-repo-test/${randomUUID().slice(0, 8)}`;

async function holder(scope: string, limit: number, id = `holder-${randomUUID().slice(0, 8)}`) {
  await client.workflow.start('slotHolderWorkflow', {
    workflowId: id,
    taskQueue,
    args: [{ scope, limit }],
  });
  return id;
}
const holderState = (id: string) => client.workflow.getHandle(id).query<HolderState, []>('holder');
const slots = (scope: string) => client.workflow.getHandle(scope).query(slotsQuery);
const finish = (id: string) => client.workflow.getHandle(id).signal('finish');
const granted = (id: string, what: string) =>
  until(
    () => holderState(id),
    (s) => s.granted,
    what,
  );
const allReleased = (scope: string) =>
  until(
    () => slots(scope),
    (s) => s.holders.length === 0,
    'all released',
  );

describe('slots workflow', () => {
  it('grants first come, first served and tells waiters their new place', async () => {
    const scope = newScope();
    const a = await holder(scope, 1);
    await granted(a, 'a granted');
    // Start the waiters one by one so the order they ask in is known.
    const waiters: string[] = [];
    for (const expected of [0, 1, 2]) {
      const id = await holder(scope, 1);
      await until(
        () => holderState(id),
        (s) => s.ahead === expected,
        `waiter ${expected}`,
      );
      waiters.push(id);
    }
    const [b, c, d] = waiters as [string, string, string];
    expect((await slots(scope)).queue.map((w) => w.taskId)).toEqual([b, c, d]);

    await finish(a);
    await granted(b, 'b granted');
    await until(
      () => holderState(d),
      (s) => s.heard.includes(1),
      'd moved up',
    );
    expect((await holderState(c)).granted).toBe(false);
    await finish(b);
    await granted(c, 'c granted');
    await until(
      () => holderState(d),
      (s) => s.ahead === 0,
      'd first in line',
    );
    expect((await holderState(d)).heard).toEqual([1, 0]);
    await finish(c);
    await granted(d, 'd granted');
    await finish(d);
    await allReleased(scope);
    expect((await slots(scope)).queue).toEqual([]);
    await record(scope, 'slots-fifo');
  });

  it('answers a repeated acquire the same way and refuses bad input', async () => {
    const scope = newScope();
    const a = await holder(scope, 1);
    await granted(a, 'a granted');
    const handle = client.workflow.getHandle(scope);
    const again = await handle.executeUpdate(acquireSlotUpdate, {
      args: [{ taskId: a, limit: 1 }],
    });
    expect(again).toEqual({ granted: true });
    const first = await handle.executeUpdate(acquireSlotUpdate, {
      args: [{ taskId: 'waiter', limit: 1 }],
    });
    const second = await handle.executeUpdate(acquireSlotUpdate, {
      args: [{ taskId: 'waiter', limit: 1 }],
    });
    expect([first, second]).toEqual([
      { granted: false, ahead: 0 },
      { granted: false, ahead: 0 },
    ]);
    const snapshot = await slots(scope);
    expect(snapshot.holders.map((h) => h.taskId)).toEqual([a]);
    expect(snapshot.queue.map((w) => w.taskId)).toEqual(['waiter']);

    await expect(
      handle.executeUpdate(acquireSlotUpdate, { args: [{ taskId: 'x', limit: 0 }] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    // A malformed release is logged and ignored; a release of an unknown task changes nothing.
    await handle.signal('releaseSlot', { nope: true });
    await handle.signal('releaseSlot', { taskId: 'never-asked' });
    await handle.signal('releaseSlot', { taskId: 'waiter' });
    await until(
      () => slots(scope),
      (s) => s.queue.length === 0,
      'waiter left',
    );
    expect((await slots(scope)).holders.map((h) => h.taskId)).toEqual([a]);
    await finish(a);
  });

  it('passes a grant on when the task it goes to is gone', async () => {
    const scope = newScope();
    const a = await holder(scope, 1);
    await granted(a, 'a granted');
    // A waiter whose workflow does not exist (it closed, or its ID was mistyped by hand).
    await client.workflow
      .getHandle(scope)
      .executeUpdate(acquireSlotUpdate, { args: [{ taskId: 'gone-task', limit: 1 }] });
    const c = await holder(scope, 1);
    await until(
      () => holderState(c),
      (s) => s.ahead === 1,
      'c behind the gone task',
    );
    await finish(a);
    await granted(c, 'c granted after the gone task was skipped');
    const snapshot = await slots(scope);
    expect(snapshot.holders.map((h) => h.taskId)).toEqual([c]);
    expect(snapshot.queue).toEqual([]);
    await finish(c);
  });

  it('gives the slot of a terminated task to the next one', async () => {
    const scope = newScope();
    const a = await holder(scope, 1);
    await granted(a, 'a granted');
    const b = await holder(scope, 1);
    await until(
      () => holderState(b),
      (s) => s.ahead === 0,
      'b waits',
    );
    await client.workflow.getHandle(a).terminate('test: a task that never releases');
    await granted(b, 'b granted after a was terminated');
    expect((await slots(scope)).holders.map((h) => h.taskId)).toEqual([b]);
    await finish(b);
    await allReleased(scope);
    await record(scope, 'slots-terminated-holder');
  });

  it('loses no slot and takes none twice when a worker dies between acquire and start', async () => {
    const scope = newScope();
    const a = `holder-crash-${randomUUID().slice(0, 8)}`;
    crashAfterAcquire.add(a);
    const callsBefore = acquireCalls;
    await holder(scope, 1, a);
    // The first attempt's update landed and its result was lost; the retry asks again.
    await granted(a, 'a granted on retry');
    expect(acquireCalls - callsBefore).toBe(2);
    expect((await slots(scope)).holders.map((h) => h.taskId)).toEqual([a]);

    const b = await holder(scope, 1);
    await until(
      () => holderState(b),
      (s) => s.ahead === 0,
      'b waits behind a',
    );
    // The worker goes away entirely and another one takes over.
    await stopWorker();
    await startWorker();
    const snapshot = await slots(scope);
    expect(snapshot.holders.map((h) => h.taskId)).toEqual([a]);
    expect(snapshot.queue.map((w) => w.taskId)).toEqual([b]);
    await finish(a);
    await granted(b, 'b granted after a finished');
    await finish(b);
    await allReleased(scope);
  });
});

describe('slots workflow history', () => {
  it('continues as new carrying holders and queue', async () => {
    const scope = newScope();
    const input: SlotsWorkflowInput = { scope, checkIntervalMs: 60_000, maxHistoryEvents: 40 };
    const first = await client.workflow.start('slotsWorkflow', {
      workflowId: scope,
      taskQueue,
      args: [input],
    });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await holder(scope, 1);
      await until(
        () => holderState(id),
        (s) => s.granted || s.ahead === i - 1,
        `holder ${i}`,
      );
      ids.push(id);
    }
    for (const [i, id] of ids.entries()) {
      await until(
        () => holderState(id),
        (s) => s.granted,
        `holder ${i} granted`,
      );
      await finish(id);
    }
    await allReleased(scope);
    const latest = await client.workflow.getHandle(scope).describe();
    expect(latest.runId).not.toBe(first.firstExecutionRunId);
  });
});

describe('stuck-tasks scan', () => {
  it('counts and reminds running tasks past their phase threshold, and no others', async () => {
    const hour = 60 * 60_000;
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const tasks = {
      starting: { phase: 'starting', since: ago(3 * hour) },
      budget: { phase: 'waiting-for-budget', since: ago(30 * 60_000) },
      fresh: { phase: 'failed', since: ago(60_000) },
      ready: { phase: 'ready', since: ago(5 * hour) },
    };
    const ids: Record<string, string> = {};
    for (const [name, input] of Object.entries(tasks)) {
      ids[name] = `phase-${name}-${randomUUID().slice(0, 8)}`;
      await client.workflow.start('phaseHolderWorkflow', {
        workflowId: ids[name] as string,
        taskQueue,
        args: [input],
      });
    }
    const thresholdsMs = {
      starting: 2 * hour,
      failed: 2 * hour,
      'waiting-for-budget': 10 * 60_000,
      'waiting-for-human': 2 * hour,
    };
    // Wait until visibility shows all four with their phase, so the scan sees what we set.
    const indexed = `TaskQueue = '${taskQueue}' AND ${SearchAttributes.phaseSince.name} IS NOT NULL`;
    await until(
      () => client.workflow.count(indexed),
      (c) => c.count === 4,
      'indexed',
    );

    const input: StuckScanInput = { thresholdsMs };
    const result = await client.workflow.execute<(i: StuckScanInput) => Promise<StuckScanResult>>(
      STUCK_SCAN_WORKFLOW_TYPE,
      { workflowId: `stuck-scan-${randomUUID()}`, taskQueue, args: [input] },
    );
    expect(result).toEqual({
      counts: { starting: 1, failed: 0, 'waiting-for-budget': 1, 'waiting-for-human': 0 },
      reminded: 2,
      gone: 0,
    });
    const reminders = (name: string) =>
      client.workflow
        .getHandle(ids[name] as string)
        .query<Array<{ phase: string; since: string }>, []>('reminders');
    // The signals are in the tasks' histories once the scan is done; wait for them to be handled.
    await until(
      () => reminders('starting'),
      (r) => r.length > 0,
      'starting reminded',
    );
    await until(
      () => reminders('budget'),
      (r) => r.length > 0,
      'budget reminded',
    );
    expect(await reminders('starting')).toEqual([tasks.starting]);
    expect(await reminders('budget')).toEqual([tasks.budget]);
    expect(await reminders('fresh')).toEqual([]);
    expect(await reminders('ready')).toEqual([]);
    for (const id of Object.values(ids)) await client.workflow.getHandle(id).terminate('done');
  });

  it('builds the filter docs/operations.md shows', () => {
    expect(stuckQuery('taskWorkflow', 'code-factory', 'failed', '2026-01-01T00:00:00.000Z')).toBe(
      "WorkflowType = 'taskWorkflow' AND TaskQueue = 'code-factory' AND ExecutionStatus = 'Running' AND CodeFactoryPhase = 'failed' AND CodeFactoryPhaseSince < '2026-01-01T00:00:00.000Z'",
    );
  });
});
