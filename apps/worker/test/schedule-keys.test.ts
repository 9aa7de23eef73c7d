/**
 * Key rotation across worker restarts, with every kind of schedule the product owns: the
 * worker's own two and a repository's job schedule. A "restart" is what main.ts does before
 * polling (`keepWorkerSchedules`) with a client of the new PAYLOAD_CODEC_KEYS. Rotating
 * `k1 → k2,k1 → k2` leaves every payload under k2 and everything readable with k2 alone;
 * jumping `k1 → k2` (or to no keys) recreates the worker's own schedules, reports the job
 * schedule and never throws; the repository's next sync writes the job schedule anew. The
 * last test runs the real worker process after such a jump: it starts and polls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { codecDataConverter, parseCodecKeys } from '@code-factory/codec';
import { until } from '@code-factory/testkit';
import { type DevServer, freePort, startDevServer } from '@code-factory/testkit/stack';
import {
  createRepoConfigActivities,
  keepWorkerSchedules,
  payloadKeyId,
  type WorkerSchedules,
} from '@code-factory/worker';
import {
  REDELIVERY_SCHEDULE_ID,
  type ScheduleSync,
  STUCK_SCHEDULE_ID,
  scheduledJobId,
} from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsWith, startProcess, suiteCoder, untilPolling, workerEnv } from './product-process';

const key = () => randomBytes(32).toString('base64');
const K1 = `k1=${key()}`;
const K2 = `k2=${key()}`;
const THRESHOLDS = {
  starting: 60_000,
  failed: 60_000,
  'waiting-for-budget': 60_000,
  'waiting-for-human': 60_000,
};

/** Log lines as `level message {meta}`, for assertions. */
function memoryLogger(lines: string[]): Logger {
  const at =
    (level: string) =>
    (message: string, meta?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
    };
  return {
    log: (level, message, meta) => at(level)(message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

interface World {
  address: string;
  taskQueue: string;
  ids: { stuck: string; redelivery: string; job: string };
  repository: { owner: string; name: string };
}

function newWorld(address: string, defaultIds = false): World {
  const suffix = randomUUID().slice(0, 8);
  const repository = { owner: `keys-${suffix}`, name: 'widgets' };
  return {
    address,
    taskQueue: `schedule-keys-${suffix}`,
    ids: {
      stuck: defaultIds ? STUCK_SCHEDULE_ID : `stuck-tasks-${suffix}`,
      redelivery: defaultIds ? REDELIVERY_SCHEDULE_ID : `webhook-redelivery-${suffix}`,
      job: scheduledJobId(repository, 'nightly'),
    },
    repository,
  };
}

const clients: Client[] = [];
async function clientWith(world: World, keys: string | undefined): Promise<Client> {
  const client = new Client({
    connection: await Connection.connect({ address: world.address }),
    dataConverter: codecDataConverter(keys),
  });
  clients.push(client);
  return client;
}

/** What a worker with these keys does to schedules at start-up. */
async function restart(world: World, keys: string | undefined, log: string[] = []) {
  const client = await clientWith(world, keys);
  return keepWorkerSchedules(client, {
    taskQueue: world.taskQueue,
    keys: keys ? parseCodecKeys(keys) : null,
    logger: memoryLogger(log),
    redelivery: { intervalMs: 3_600_000, maxPerRun: 5, scheduleId: world.ids.redelivery },
    stuck: { intervalMs: 3_600_000, thresholdsMs: THRESHOLDS, scheduleId: world.ids.stuck },
  });
}

/** The repository's job schedule, as a config push creates it (through the real activity). */
async function syncJob(
  world: World,
  keys: string | undefined,
  paused = false,
): Promise<ScheduleSync> {
  const activities = createRepoConfigActivities({
    // syncJobSchedules never calls GitHub.
    github: undefined as never,
    client: await clientWith(world, keys),
    taskQueue: world.taskQueue,
  });
  // In an activity context, as the worker runs it (the activity logs through it).
  const sync = activities.syncJobSchedules;
  return new MockActivityEnvironment().run<Parameters<typeof sync>, ScheduleSync, typeof sync>(
    sync,
    {
      repository: world.repository,
      installationId: 1,
      taskNamePrefix: 'gh',
      paused,
      jobs: [
        { name: 'nightly', branch: 'main', schedule: '0 3 * * *', prompt: 'Tidy up the docs' },
      ],
    },
  );
}

/** The key id of every encrypted payload of a schedule (`plain` for plain ones). */
async function keyIds(world: World, scheduleId: string): Promise<string[]> {
  const client = await clientWith(world, undefined);
  const raw = await client.workflowService.describeSchedule({ namespace: 'default', scheduleId });
  const start = raw.schedule?.action?.startWorkflow;
  const payloads = [
    ...(start?.input?.payloads ?? []),
    ...(start?.userMetadata?.summary ? [start.userMetadata.summary] : []),
    ...Object.values(raw.memo?.fields ?? {}),
  ];
  return [...new Set(payloads.map((p) => payloadKeyId(p) ?? 'plain'))].sort();
}

const noteOf = async (world: World, scheduleId: string) =>
  (
    await (
      await clientWith(world, undefined)
    ).workflowService.describeSchedule({
      namespace: 'default',
      scheduleId,
    })
  ).schedule?.state?.notes ?? '';

/** Until the namespace's schedule list (visibility) shows the job schedule. */
async function listed(world: World): Promise<void> {
  const client = await clientWith(world, undefined);
  await until(
    async () => {
      const page = await client.workflowService.listSchedules({ namespace: 'default' });
      return (page.schedules ?? []).some((s) => s.scheduleId === world.ids.job);
    },
    'the job schedule in the schedule list',
    20_000,
    100,
  );
}

let server: DevServer;
beforeAll(async () => {
  // A server of this file's own: other tests list schedules with the SDK, which decodes every
  // memo, and would trip over the ones encrypted here; and main.ts registers the default IDs.
  server = await startDevServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.connection.close()));
  await server?.stop();
});
describe('codec key rotation of schedules', () => {
  it('rotates k1 → k2,k1 → k2 across restarts: every schedule ends under k2, readable with k2 alone', async () => {
    const world = newWorld(server.address);
    const first = await restart(world, K1);
    expect(first).toMatchObject({ redelivery: 'created', stuck: 'created' });
    expect((await syncJob(world, K1, true)).created).toEqual([world.ids.job]);
    await listed(world);
    for (const id of Object.values(world.ids)) expect(await keyIds(world, id)).toEqual(['k1']);

    // The rollout: k2 first, k1 still there.
    const log: string[] = [];
    const second = await restart(world, `${K2},${K1}`, log);
    expect(second).toMatchObject({ redelivery: 'updated', stuck: 'updated' });
    // The job schedule's memo is from its creation: it is recreated, as it was.
    expect(second.keys?.recreated).toEqual([world.ids.job]);
    expect(second.keys?.unreadable).toEqual([]);
    for (const id of Object.values(world.ids)) expect(await keyIds(world, id)).toEqual(['k2']);
    await listed(world);

    // k1 dropped: nothing to rewrite, nothing unreadable, and the job schedule kept its pause,
    // its note and its action.
    const third = await restart(world, K2);
    expect(third).toMatchObject({ redelivery: 'updated', stuck: 'updated' });
    expect(third.keys).toMatchObject({ rewritten: [], recreated: [], unreadable: [] });
    expect(third.keys?.current).toEqual(expect.arrayContaining(Object.values(world.ids)));
    const k2 = await clientWith(world, K2);
    const job = await k2.schedule.getHandle(world.ids.job).describe();
    expect(job.state.paused).toBe(true);
    expect(job.state.note).toBe('Paused with the repository’s schedules');
    expect(job.memo).toMatchObject({ codeFactoryRepository: `${world.repository.owner}/widgets` });
    expect(job.action).toMatchObject({ type: 'startWorkflow', taskQueue: world.taskQueue });
    expect(JSON.stringify(job.action.args)).toContain('Tidy up the docs');
    for (const id of [world.ids.stuck, world.ids.redelivery]) {
      await expect(k2.schedule.getHandle(id).describe()).resolves.toBeTruthy();
    }
    // The repository's next sync finds its schedule by memo with k2 alone and updates it.
    expect((await syncJob(world, K2, true)).updated).toEqual([world.ids.job]);
  });

  it('jumps k1 → k2: recreates its own schedules, reports the job schedule, never throws', async () => {
    const world = newWorld(server.address);
    await restart(world, K1);
    await syncJob(world, K1);
    await listed(world);

    const log: string[] = [];
    const jumped: WorkerSchedules = await restart(world, K2, log);
    expect(jumped).toMatchObject({ redelivery: 'recreated', stuck: 'recreated' });
    expect(jumped.keys?.unreadable).toEqual([{ scheduleId: world.ids.job, keyId: 'k1' }]);
    expect(log.join('\n')).toContain('webhook-redelivery schedule recreated');
    expect(log.join('\n')).toMatch(/ERROR schedule unreadable: left as it is .*key \\"k1\\"/);
    expect(await keyIds(world, world.ids.stuck)).toEqual(['k2']);
    expect(await keyIds(world, world.ids.job)).toEqual(['k1']);
    expect(await noteOf(world, world.ids.job)).toContain(
      'encrypted with key "k1", which is not in this worker\'s PAYLOAD_CODEC_KEYS',
    );

    // Unset keys: the same, saying the variable is not set.
    const plain = await restart(world, undefined);
    expect(plain).toMatchObject({ redelivery: 'recreated', stuck: 'recreated' });
    expect(await noteOf(world, world.ids.job)).toContain('this worker has no PAYLOAD_CODEC_KEYS');

    // The repository's next config sync writes its job schedule anew under the current key.
    expect((await syncJob(world, K2)).created).toEqual([world.ids.job]);
    expect(await keyIds(world, world.ids.job)).toEqual(['k2']);
  });
});

describe('the worker process after a jump k1 → k2', () => {
  const coder = suiteCoder();

  it('starts and polls, reporting the schedule it cannot read', async () => {
    const world = newWorld(server.address, true);
    await restart(world, K1);
    await syncJob(world, K1);
    await listed(world);

    const metricsPort = await freePort();
    const worker = startProcess(
      workerEnv(coder, {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: world.taskQueue,
        PAYLOAD_CODEC_KEYS: K2,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      }),
    );
    try {
      // Polling (the SDK's RUNNING): a SIGTERM before it ends the process with 143.
      await untilPolling(worker);
      expect(worker.output()).not.toContain('fatal');
      expect(worker.output()).toContain('"msg":"webhook-redelivery schedule recreated');
      expect(worker.output()).toContain('"msg":"stuck-tasks schedule recreated');
      expect(worker.output()).toMatch(/"msg":"schedule unreadable: left as it is".*key \\"k1\\"/);
      const metrics = await metricsWith(metricsPort, 'code_factory_unreadable_schedules');
      expect(metrics).toMatch(/code_factory_unreadable_schedules\{[^}]*\} 1\b/);
      expect(worker.child.exitCode).toBeNull();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
