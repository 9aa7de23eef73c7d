/**
 * Performance bench of the whole product on this machine (all traffic to 127.0.0.1):
 *   a. ingress throughput/latency vs a bare Hono app (autocannon, same run, same settings);
 *   b. end to end: delivery POST → fake Coder `send`, for an idle, ready agent;
 *   c. scale: N idle task workflows: worker RSS and the time to deliver one comment to each;
 *   d. history cost per forwarded comment / CI failure, largest run before continue-as-new;
 *   e. push against poll: a held comment's delivery once its Coder Agents chat goes idle.
 *
 * Run: `pnpm exec tsx tests/bench/src/bench.ts [--quick] [--only=ingress,e2e,history,scale,push]
 *       [--sizes=1000,2500] [--tuning='{"maxCachedWorkflows":500}'] [--compare-tuning]
 *       [--profile-worker=/tmp/worker-profile [--profile-interval-us=10000]]
 *       [--heap-snapshot-above=400:/tmp] [--temporal=dev|cluster] [--workers=N]`
 * `--compare-tuning` adds a scale row with TUNED worker options at the largest size.
 * Prints markdown tables. By default a Temporal dev server (SQLite in a file on tmpfs) is
 * started for the run; `--temporal=cluster` runs on the cluster of infra/cluster.sh (Temporal on
 * PostgreSQL), (re)started for the run on its existing data and left running. `--workers=N`
 * runs N worker processes per deployment (one task queue), as a deployment scales out.
 */

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { temporalSettings, WorkerConfigSchema } from '@code-factory/config';
import type { CiFailed } from '@code-factory/events';
import { classify, type RouterContext, TemporalEventSink } from '@code-factory/ingress';
import { taskName } from '@code-factory/naming';
import {
  type FakeCoder,
  type FakeGitHub,
  until as pollUntil,
  samplePayloads,
  startFakeCoder,
  startFakeGitHub,
  testAppKey,
  type WebhookRequest,
  webhookRequest,
} from '@code-factory/testkit';
import {
  type ChildHandle,
  quietRuntime,
  seedAgentPull,
  spawnChild,
  spawnWorker,
  startDevServer,
  workflowBundlePath,
} from '@code-factory/testkit/stack';
import { stateQuery, type TaskSnapshot } from '@code-factory/workflows';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { clusterAddress, clusterDown, clusterPids, clusterUp } from '../../../infra/cluster';
import { cpuSeconds, loadAverage, memoryBytes, treeCpuSeconds, treeMemoryBytes } from './proc';
import { pushVersusPoll } from './push-latency';
import { contextCost, replayTimes } from './worker-costs';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = flag('quick');
/** Which Temporal: its own dev server (default) or the cluster on PostgreSQL. */
const TEMPORAL = option('temporal') ?? 'dev';
if (TEMPORAL !== 'dev' && TEMPORAL !== 'cluster') {
  throw new Error(`--temporal takes dev or cluster, not "${TEMPORAL}"`);
}
/** Worker processes per deployment, all on its task queue. */
const WORKERS = Number(option('workers') ?? 1);
if (!Number.isInteger(WORKERS) || WORKERS < 1) {
  throw new Error(`--workers takes a whole number ≥ 1, not "${option('workers')}"`);
}
const SECTIONS = new Set(
  (option('only') ?? 'ingress,e2e,history,scale,push,eager,bundle').split(','),
);
/** Poll interval of the poll leg of `push` (the production default of AGENT_POLL_INTERVAL_MS). */
const PUSH_POLL_MS = Number(option('poll-ms') ?? 10_000);
const PUSH_SAMPLES = QUICK ? 3 : 6;
// The sizes issue 10 asks to see cost grow over. On the shared 2-core machine a task start
// costs ~0.16 s of wall time at saturation (8 activities, ~10 fake HTTP calls), so the three
// rows take about an hour together; pass --sizes=1000 for a ~9-minute run of the rest.
const SIZES = (option('sizes') ?? (QUICK ? '100,200' : '1000,5000,10000')).split(',').map(Number);
/** The fleet target's size: 10,000 open tasks on one worker in at most 1 GiB. */
const FLEET_N = 10_000;
const TUNING = option('tuning');
/** `--profile-worker=DIR`: V8 CPU profiles of the worker child (every thread) into DIR. */
const PROFILE_WORKER = option('profile-worker');
/**
 * `--profile-interval-us=N`: the profiles' sampling interval (V8's default is 1,000 µs). A
 * 10,000 row runs ~35 minutes; sampling every 10 ms keeps its profiles at a few MB and the
 * profiler's own cost lower.
 */
const PROFILE_INTERVAL_US = option('profile-interval-us');
if (PROFILE_INTERVAL_US !== undefined && !/^[1-9]\d*$/.test(PROFILE_INTERVAL_US)) {
  throw new Error(
    `--profile-interval-us takes a whole number of microseconds, not "${PROFILE_INTERVAL_US}"`,
  );
}
function profileArgs(dir: string): string[] {
  const interval = PROFILE_INTERVAL_US ? [`--cpu-prof-interval=${PROFILE_INTERVAL_US}`] : [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...interval];
}
/**
 * `--heap-snapshot-above=MIB[:DIR]`: the worker child writes one heap snapshot of its main
 * thread the first time its used heap passes MIB (into DIR, default the system's temp dir).
 */
const HEAP_SNAPSHOT = option('heap-snapshot-above');
function heapSnapshotEnv(value: string): Record<string, string> {
  const [mib = '', dir = tmpdir()] = value.split(':');
  return { HEAP_SNAPSHOT_ABOVE_MIB: mib, HEAP_SNAPSHOT_DIR: dir };
}
const COMPARE_TUNING = flag('compare-tuning');
/** Sequential assignments timed with and without eager activity dispatch. */
const EAGER_SAMPLES = QUICK ? 15 : 40;
/** Worker options of the "tuned" scale run (see docs/performance.md). */
const TUNED = { maxCachedWorkflows: 250 };
const LOAD = {
  connections: 32,
  durationSec: QUICK ? 5 : 10,
  requests: QUICK ? 2_000 : 4_000,
  preassigned: QUICK ? 50 : 100,
};
/** `ENV NODE_OPTIONS=…` of the worker image (infra/deploy/Dockerfile.worker), read, not copied. */
const WORKER_IMAGE_NODE_OPTIONS =
  /^ENV NODE_OPTIONS=(.+)$/m.exec(
    readFileSync(resolve(import.meta.dirname, '../../../infra/deploy/Dockerfile.worker'), 'utf8'),
  )?.[1] ?? '';
/** TASK_HISTORY_LIMIT's default: a run continues as new past this many events. */
const HISTORY_LIMIT = WorkerConfigSchema.shape.TASK_HISTORY_LIMIT.parse(undefined);
/** Replays of the run at the bound timed in section d. */
const REPLAY_COPIES = QUICK ? 5 : 20;
const E2E_SAMPLES = QUICK ? 100 : 200;
/** A message to the agent: a chat message (Coder Agents, the default) or a task's input. */
const SEND_PATH = /\/chats\/[^/]+\/messages$|\/send$/;
const CONCURRENCY = 64;

const WEBHOOK_SECRET = 'bench-webhook-secret';
const AGENT_LOGIN = 'xmtp-coder-agent';
const SENDERS = Array.from({ length: 50 }, (_, i) => ({ login: `dev-${i}`, id: 50_000 + i }));

quietRuntime('ERROR');

// ---------------------------------------------------------------------------------------------
// Small helpers

/** temporal.api.enums.v1.EventType values that show up here. */
const EVENT_TYPES: Record<number, string> = {
  5: 'WorkflowTaskScheduled',
  6: 'WorkflowTaskStarted',
  7: 'WorkflowTaskCompleted',
  8: 'WorkflowTaskTimedOut',
  9: 'WorkflowTaskFailed',
  10: 'ActivityTaskScheduled',
  11: 'ActivityTaskStarted',
  12: 'ActivityTaskCompleted',
  13: 'ActivityTaskFailed',
  14: 'ActivityTaskTimedOut',
  17: 'TimerStarted',
  18: 'TimerFired',
  25: 'MarkerRecorded',
  26: 'WorkflowExecutionSignaled',
  28: 'WorkflowExecutionContinuedAsNew',
  40: 'UpsertWorkflowSearchAttributes',
  47: 'WorkflowExecutionUpdateAccepted',
  48: 'WorkflowExecutionUpdateCompleted',
};
const eventName = (t: unknown) => EVENT_TYPES[Number(t)] ?? String(t);

/** How many events of each type `events` holds. */
function typesOf(events: readonly { eventType?: unknown }[]): Record<string, number> {
  const types: Record<string, number> = {};
  for (const e of events) {
    const type = eventName(e.eventType);
    types[type] = (types[type] ?? 0) + 1;
  }
  return types;
}
const eventMs = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (...parts: unknown[]) => process.stderr.write(`[bench] ${parts.join(' ')}\n`);

/** The testkit's `until`, polling less often: the bench measures the machine it polls on. */
const until = <T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs: number,
  everyMs = 200,
) => pollUntil(probe, what, timeoutMs, everyMs);

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await fn(items[i] as T, i);
      }
    }),
  );
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** The dev server's pid: the `temporal server start-dev` process serving `port`. */
function devServerPid(port: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = cmd.indexOf('--port');
      if (cmd.includes('start-dev') && at >= 0 && cmd[at + 1] === port) return Number(entry);
    }
  } catch {
    // not Linux: no CPU split
  }
  return undefined;
}
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const output: string[] = [];
/** Spawn → polling of every worker process the run started (ms). */
const workerStarts: number[] = [];

/** Issue 10's targets, each next to what this run measured. */
interface Target {
  what: string;
  target: string;
  measured: string;
  /** null: not measured in this run (section skipped, or too small a run to say). */
  holds: boolean | null;
}
const targets: Target[] = [];
function target(what: string, goal: string, measured: string, holds: boolean | null) {
  targets.push({ what, target: goal, measured, holds });
}
function print(title: string, body: string) {
  const text = `\n### ${title}\n\n${body}\n`;
  output.push(text);
  process.stdout.write(text);
}

// ---------------------------------------------------------------------------------------------
// Child processes (worker, ingress + bare server) run under tsx's loader

type Child = ChildHandle;

// ---------------------------------------------------------------------------------------------
// The world: dev server, fakes, bundle, a client

interface World {
  address: string;
  /** The Temporal server's process (the dev server, or the cluster's server), for its CPU time. */
  serverPid: number | undefined;
  /** The cluster's PostgreSQL (its postmaster; the backends are its children). */
  postgresPid: number | undefined;
  /** How long the Temporal server took to start until it served (ms). */
  serverStartMs: number;
  client: Client;
  coder: FakeCoder;
  github: FakeGitHub;
  bundlePath: string;
  privateKey: string;
  close(): Promise<void>;
}

async function startWorld(): Promise<World> {
  const temporal = TEMPORAL === 'cluster' ? await startCluster() : await startDevWorld();
  const coder = await startFakeCoder({
    timings: { pendingMs: 20, initializingMs: 30, workingMs: 20 },
  });
  const github = await startFakeGitHub({});
  for (const s of SENDERS) coder.addUser({ username: `coder-${s.id}`, githubUserId: s.id });
  const bundlePath = await workflowBundlePath();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  return {
    ...temporal,
    client,
    coder,
    github,
    bundlePath,
    privateKey: testAppKey().pkcs8,
    async close() {
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
      await temporal.stop();
    },
  };
}

type Temporal = Pick<World, 'address' | 'serverPid' | 'postgresPid' | 'serverStartMs'> & {
  stop(): Promise<void>;
};

/**
 * The cluster of infra/cluster.sh, its Temporal server started afresh on the existing data (the
 * start-up measured, no cache warm from earlier work), and left running as `pnpm dev` leaves it.
 * A run that compares with the dev server starts from `bash infra/cluster.sh up --reset`.
 */
async function startCluster(): Promise<Temporal> {
  await clusterDown('temporal');
  const started = Date.now();
  await clusterUp();
  const serverStartMs = Date.now() - started;
  const pids = clusterPids();
  return {
    serverStartMs,
    address: clusterAddress(),
    serverPid: pids.temporal,
    postgresPid: pids.postgres,
    stop: async () => {},
  };
}

async function startDevWorld(): Promise<Temporal> {
  // The dev server keeps its SQLite database in a file on tmpfs, not in memory. A 10,000-task
  // run on the in-memory database lost it after 32 minutes of load: every store call failed
  // with SQLITE_INTERRUPT ("interrupted (9)"), then "Namespace default is not found". An
  // in-memory database is one connection; one that a cancelled context interrupted did not
  // recover until modernc.org/sqlite v1.51 (temporalio/temporal#10427, after this CLI's
  // server). A file outlives any one connection.
  const dbDir = mkdtempSync(resolve(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-db-'));
  const started = Date.now();
  const server = await startDevServer({ dbFilename: resolve(dbDir, 'temporal.db') });
  return {
    serverStartMs: Date.now() - started,
    address: server.address,
    serverPid: devServerPid(server.address.split(':').pop() ?? ''),
    postgresPid: undefined,
    async stop() {
      await server.stop();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/** One product deployment on the shared dev server: its own task queue, prefix and repository. */
interface Deployment {
  taskQueue: string;
  prefix: string;
  repo: { owner: string; name: string };
  sink: TemporalEventSink;
  /** WORKERS processes on the deployment's task queue. */
  workers: Child[];
  /** Spawn → polling of each worker process (ms). */
  workerStartMs: number[];
  taskName(n: number): string;
  /** Signal-with-start of an assignment, straight through the client (as the ingress does). */
  assign(n: number): Promise<void>;
  /** A comment signalled straight through the client. */
  comment(n: number, body: string, commentId: number): Promise<void>;
  countPhase(phase: string): Promise<number>;
  /**
   * Asks every task parked as `failed` for a `retry`, as an operator would, and returns how
   * many it asked. Under a long start-up's load a start can use up its retries.
   */
  retryFailed(): Promise<number>;
  /** The workers' memory, summed over the processes (the peak: the sum of their peaks). */
  rss(): Promise<{ rss: number; heapUsed: number; peakRss: number }>;
  close(): Promise<void>;
}

async function deploy(world: World, label: string, tuning?: object): Promise<Deployment> {
  const taskQueue = `bench-${label}-${randomUUID().slice(0, 8)}`;
  const prefix = `b${randomUUID().slice(0, 5)}`;
  const repo = { owner: `bench-${label}`, name: 'widgets' };
  for (const s of SENDERS)
    world.github.setPermission(repo.owner, repo.name, s.login, 'write', s.id);
  const spawnOne = () =>
    spawnWorker(
      {
        TEMPORAL_ADDRESS: world.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        CODER_TASK_NAME_PREFIX: prefix,
        AGENT_GITHUB_USERNAME: AGENT_LOGIN,
        APP_ID: '1',
        PRIVATE_KEY: world.privateKey,
        GITHUB_API_URL: world.github.url,
        CODER_URL: world.coder.url,
        CODER_TOKEN: world.coder.token,
        AGENT_POLL_INTERVAL_MS: '50',
        AGENT_STARTUP_TIMEOUT_MS: '600000',
        AGENT_ERROR_GRACE_MS: '5000',
        WORKFLOW_BUNDLE_PATH: world.bundlePath,
        // The heap cap the worker image ships with, so RSS is measured as deployed.
        NODE_OPTIONS: WORKER_IMAGE_NODE_OPTIONS,
        ...(tuning ? { WORKER_TUNING: JSON.stringify(tuning) } : {}),
        ...(HEAP_SNAPSHOT ? heapSnapshotEnv(HEAP_SNAPSHOT) : {}),
      },
      {
        stdout: 'ignore',
        ...(PROFILE_WORKER ? { execArgv: profileArgs(PROFILE_WORKER) } : {}),
      },
    );
  const workers: Child[] = [];
  const workerStartMs: number[] = [];
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const spawned = Date.now();
      const worker = spawnOne();
      workers.push(worker);
      await worker.ready;
      workerStartMs.push(Date.now() - spawned);
      workerStarts.push(Date.now() - spawned);
    }),
  );
  const sink = new TemporalEventSink({
    settings: temporalSettings({ TEMPORAL_ADDRESS: world.address }),
    taskQueue,
    taskNamePrefix: prefix,
    timeoutMs: 60_000,
  });
  const ctx = (): RouterContext => ({
    agentLogin: AGENT_LOGIN,
    trustedAssociations: ['OWNER', 'MEMBER', 'COLLABORATOR'],
    deliveryId: randomUUID(),
    receivedAt: new Date().toISOString(),
    taskNamePrefix: prefix,
  });
  const sender = (n: number) => SENDERS[n % SENDERS.length] ?? { login: 'dev-0', id: 50_000 };
  const issue = (n: number) => ({
    owner: repo.owner,
    repo: repo.name,
    issueNumber: n,
    sender: sender(n).login,
    senderId: sender(n).id,
    assignee: AGENT_LOGIN,
  });
  return {
    taskQueue,
    prefix,
    repo,
    sink,
    workers,
    workerStartMs,
    taskName: (n) => taskName(prefix, repo, n),
    async assign(n) {
      const decision = classify('issues', samplePayloads.issueAssigned(issue(n)), ctx());
      if (decision.action !== 'start-task') throw new Error(`assignment: ${decision.action}`);
      await sink.startTask(decision);
    },
    async comment(n, body, commentId) {
      const payload = samplePayloads.issueComment({ ...issue(n), body, commentId });
      const decision = classify('issue_comment', payload, ctx());
      if (decision.action !== 'signal-task') throw new Error(`comment: ${decision.action}`);
      await sink.signalTask(decision);
    },
    async countPhase(phase) {
      const { count } = await world.client.workflow.count(
        `TaskQueue = '${taskQueue}' AND CodeFactoryPhase = '${phase}' AND ExecutionStatus = 'Running'`,
      );
      return count;
    },
    async retryFailed() {
      let asked = 0;
      const parked = world.client.workflow.list({
        query: `TaskQueue = '${taskQueue}' AND CodeFactoryPhase = 'failed' AND ExecutionStatus = 'Running'`,
      });
      for await (const wf of parked) {
        try {
          await world.client.workflow.getHandle(wf.workflowId).executeUpdate('retry');
          asked += 1;
          log(`${wf.workflowId}: start failed and parked; asked for a retry`);
        } catch (err) {
          log(`${wf.workflowId}: retry refused: ${(err as Error).message}`);
        }
      }
      return asked;
    },
    async rss() {
      type Memory = { rss: number; heapUsed: number; peakRss: number };
      const each = await Promise.all(workers.map((w) => w.request<Memory>('rss')));
      const sum = (key: keyof Memory) => each.reduce((total, m) => total + m[key], 0);
      return { rss: sum('rss'), heapUsed: sum('heapUsed'), peakRss: sum('peakRss') };
    },
    async close() {
      await Promise.all(
        workers.map(async (worker) => {
          if (PROFILE_WORKER) {
            // A graceful stop and a normal exit are what write the --cpu-prof files.
            worker.child.send({ type: 'shutdown' });
            await Promise.race([worker.exited, sleep(60_000)]);
          }
          await worker.kill();
        }),
      );
      await sink.close();
    },
  };
}

function signed(event: string, payload: unknown, deliveryId?: string): Promise<WebhookRequest> {
  return webhookRequest({ secret: WEBHOOK_SECRET, event, payload, deliveryId });
}

/** CPU seconds of a deployment's worker processes together. */
function workersCpu(d: Deployment): number {
  return d.workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid), 0);
}

/**
 * Waits until the workers, the Temporal server and PostgreSQL used under 5 % of a core each
 * (on average) for two seconds in a row (at most two minutes), so a section starts from a quiet
 * worker, not from the tail of the previous section's work.
 */
async function quiet(d: Deployment, world: World): Promise<void> {
  const busy = () =>
    workersCpu(d) + cpuSeconds(world.serverPid) + treeCpuSeconds(world.postgresPid);
  const processes = d.workers.length + 1 + (world.postgresPid ? 1 : 0);
  const deadline = Date.now() + 120_000;
  let calm = 0;
  while (calm < 2 && Date.now() < deadline) {
    const before = busy();
    await sleep(1_000);
    calm = busy() - before < 0.05 * processes ? calm + 1 : 0;
  }
  if (calm < 2) log('the workers and the server were still busy after two minutes');
}

/** Starts every task and waits until all are ready; `retried`: parked starts asked to retry. */
async function assignAll(
  d: Deployment,
  numbers: number[],
  timeoutMs: number,
): Promise<{ ms: number; retried: number }> {
  const started = Date.now();
  const before = await d.countPhase('ready');
  await pool(numbers, CONCURRENCY, (n) => d.assign(n));
  let retried = 0;
  let checked = 0;
  await until(
    async () => {
      if ((await d.countPhase('ready')) >= before + numbers.length) return true;
      // A parked start waits for a person; look for those every ten seconds, not every poll.
      if (Date.now() - checked > 10_000) {
        checked = Date.now();
        retried += await d.retryFailed();
      }
      return false;
    },
    `${numbers.length} tasks ready`,
    timeoutMs,
    // A count over 10,000 running workflows is work for the server it measures: poll less.
    Math.max(500, numbers.length / 5),
  );
  return { ms: Date.now() - started, retried };
}

// ---------------------------------------------------------------------------------------------
// a + b + d: ingress, end to end, history

async function ingressAndE2e(world: World, d: Deployment) {
  const server = spawnChild(
    resolve(import.meta.dirname, 'server-process.ts'),
    {
      TEMPORAL_ADDRESS: world.address,
      TEMPORAL_TASK_QUEUE: d.taskQueue,
      CODER_TASK_NAME_PREFIX: d.prefix,
      AGENT_GITHUB_USERNAME: AGENT_LOGIN,
      WEBHOOK_SECRET,
      GITHUB_APP_BOT_LOGIN: world.github.botLogin,
    },
    { stdout: 'ignore' },
  );
  const { ingressPort, barePort } = await server.message<{ ingressPort: number; barePort: number }>(
    'ready',
  );
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const preassigned = Array.from({ length: LOAD.preassigned }, (_, i) => 1 + i);
  const readyMs = (await assignAll(d, preassigned, 120_000)).ms;
  log(`${preassigned.length} pre-assigned tasks ready in ${readyMs} ms`);

  const issue = (n: number, who = SENDERS[n % SENDERS.length]) => ({
    owner: d.repo.owner,
    repo: d.repo.name,
    issueNumber: n,
    sender: who?.login,
    senderId: who?.id,
    assignee: AGENT_LOGIN,
  });

  if (SECTIONS.has('ingress')) {
    // The mix: 25 % assignments of new issues, 40 % comments on assigned issues, 20 %
    // assignments of someone else (skipped), 15 % pings (skipped).
    const mix: string[] = [];
    const requests: WebhookRequest[] = [];
    for (let i = 0; i < LOAD.requests; i++) {
      const slot = i % 20;
      if (slot < 5) {
        mix.push('assign');
        requests.push(await signed('issues', samplePayloads.issueAssigned(issue(10_000 + i))));
      } else if (slot < 13) {
        mix.push('comment');
        const n = preassigned[i % preassigned.length] ?? 1;
        requests.push(
          await signed(
            'issue_comment',
            samplePayloads.issueComment({
              ...issue(n),
              body: `load ${i}`,
              commentId: 1_000_000 + i,
            }),
          ),
        );
      } else if (slot < 17) {
        mix.push('skip');
        requests.push(
          await signed(
            'issues',
            samplePayloads.issueAssigned({ ...issue(20_000 + i), assignee: 'someone-else' }),
          ),
        );
      } else {
        mix.push('ping');
        requests.push(await signed('ping', { zen: 'Keep it logically awesome.', hook_id: 1 }));
      }
    }
    const skipsOnly = requests.filter((_, i) => mix[i] === 'skip' || mix[i] === 'ping');
    const run = async (url: string, pool = requests) => {
      let next = 0;
      const result = await autocannon({
        url: `${url}/webhooks/github`,
        connections: LOAD.connections,
        duration: LOAD.durationSec,
        method: 'POST',
        requests: [
          {
            setupRequest: (req) => {
              const r = pool[next++ % pool.length] as WebhookRequest;
              return { ...req, method: 'POST', headers: r.headers, body: r.body };
            },
          },
        ],
      });
      return result;
    };
    // Warm both up a little, then measure each for the same duration and connections.
    await autocannon({ url: `${bareUrl}/healthz`, connections: 4, amount: 200 });
    // The worker absorbs what a measured run created before the next one, so the ingress's
    // run and the bare client's (below) both start from an idle worker.
    const drain = async (after: string) => {
      const drainStarted = Date.now();
      await until(
        async () => (await d.countPhase('starting')) + (await d.countPhase('working')) === 0,
        `worker drained after ${after}`,
        240_000,
        1_000,
      );
      // No task is starting or working, but tasks that just became ready still continue as
      // new and take their agents' status pushes: wait until the worker and the server idle.
      await quiet(d, world);
      log(`drained after ${after} in ${Date.now() - drainStarted} ms`);
    };
    const real = await run(ingressUrl);
    await drain('the ingress run');
    const bare = await run(bareUrl);
    // The same ingress with only requests it answers itself (verify, parse, classify, log):
    // separates the ingress's own cost from the Temporal hand-off.
    const skipping = await run(ingressUrl, skipsOnly);
    const codes = (r: autocannon.Result) =>
      Object.entries(r.statusCodeStats ?? {})
        .map(([code, s]) => `${code}: ${(s as { count: number }).count}`)
        .join(', ');
    const row = (label: string, r: autocannon.Result) => [
      label,
      fmt(r.requests.average, 0),
      fmt(r.latency.p50, 1),
      fmt(r.latency.p99, 1),
      r.errors + r.timeouts,
      codes(r),
    ];
    const rows = [
      row('real ingress (signed mix → Temporal)', real),
      row('real ingress, skipped events only (no Temporal call)', skipping),
      row('bare Hono (202 only)', bare),
      [
        '**ratio real / bare**',
        fmt(real.requests.average / bare.requests.average, 3),
        fmt(real.latency.p50 / Math.max(bare.latency.p50, 0.001), 1),
        fmt(real.latency.p99 / Math.max(bare.latency.p99, 0.001), 1),
        '',
        '',
      ],
    ];
    print(
      `a. Ingress throughput (${LOAD.connections} connections, ${LOAD.durationSec} s each, ${LOAD.requests} pre-signed requests cycled: 25 % new assignments, 40 % comments on ${preassigned.length} assigned issues, 20 % other-assignee skips, 15 % pings)`,
      table(['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'status codes'], rows),
    );
    // The ceiling the Temporal hand-off allows here: the same signal(-with-start) calls the
    // ingress makes for the accepted part of the mix (5 new assignments to 8 comments),
    // straight from a client, with as many in flight as autocannon has connections.
    const accepted = (r: autocannon.Result) =>
      ((r.statusCodeStats as Record<string, { count: number }> | undefined)?.['202']?.count ?? 0) /
      LOAD.durationSec;
    let calls = 0;
    let op = 0;
    const until_ = Date.now() + LOAD.durationSec * 1000;
    await Promise.all(
      Array.from({ length: LOAD.connections }, async () => {
        while (Date.now() < until_) {
          const i = op++;
          if (i % 13 < 5) await d.assign(40_000 + i);
          else {
            const n = preassigned[i % preassigned.length] ?? 1;
            await d.comment(n, `ceiling ${i}`, 5_000_000 + i);
          }
          calls++;
        }
      }),
    );
    const ceiling = calls / LOAD.durationSec;
    print(
      'a. Hand-off ceiling: the same signal(-with-start) calls from a bare Temporal client',
      table(
        ['target', 'calls/s', 'ingress accepted (202) /s', 'ratio ingress / bare client'],
        [
          [
            `bare client, ${LOAD.connections} in flight, ${LOAD.durationSec} s`,
            fmt(ceiling, 0),
            fmt(accepted(real), 0),
            fmt(accepted(real) / ceiling, 2),
          ],
        ],
      ),
    );
    target(
      'ingress accepted deliveries/s vs a bare client doing the same hand-offs',
      '≥ 0.8×',
      `${fmt(accepted(real) / ceiling, 2)}× (${fmt(accepted(real), 0)} vs ${fmt(ceiling, 0)} /s)`,
      accepted(real) / ceiling >= 0.8,
    );
    const skipRatio = skipping.requests.average / bare.requests.average;
    target(
      'ingress skipped deliveries/s vs bare Hono',
      '≥ 0.5×',
      `${fmt(skipRatio, 2)}× (${fmt(skipping.requests.average, 0)} vs ${fmt(bare.requests.average, 0)} /s)`,
      skipRatio >= 0.5,
    );
    // Before timing single deliveries.
    await drain('the bare client');
  }

  if (SECTIONS.has('e2e')) {
    world.coder.reset();
    const rotation = preassigned.slice(0, 20);
    const latencies: number[] = [];
    const acks: number[] = [];
    const samples: { i: number; n: number; sentAt: number; ackMs: number; sentToCoder: number }[] =
      [];
    let seen = 0;
    for (let i = 0; i < E2E_SAMPLES; i++) {
      const n = rotation[i % rotation.length] ?? 1;
      const marker = `e2e-sample-${i}-${randomUUID().slice(0, 8)}`;
      const req = await signed(
        'issue_comment',
        samplePayloads.issueComment({ ...issue(n), body: marker, commentId: 2_000_000 + i }),
      );
      const sentAt = Date.now();
      const res = await fetch(`${ingressUrl}/webhooks/github`, { method: 'POST', ...req });
      await res.text();
      acks.push(Date.now() - sentAt);
      if (res.status !== 202) throw new Error(`e2e delivery answered ${res.status}`);
      const call = await until(
        () => {
          const calls = world.coder.calls();
          for (let j = seen; j < calls.length; j++) {
            const c = calls[j];
            if (
              c?.method === 'POST' &&
              SEND_PATH.test(c.path) &&
              JSON.stringify(c.body).includes(marker)
            ) {
              return c;
            }
          }
          return undefined;
        },
        `send of ${marker}`,
        30_000,
        2,
      );
      seen = world.coder.calls().length;
      latencies.push(call.at - sentAt);
      samples.push({ i, n, sentAt, ackMs: acks[acks.length - 1] ?? 0, sentToCoder: call.at });
    }
    // Where the slowest deliveries spent their time: the task's history events between the
    // POST and the send, from the server's own timestamps (same clock as ours).
    const slowest = [...samples]
      .sort((a, b) => b.sentToCoder - b.sentAt - (a.sentToCoder - a.sentAt))
      .slice(0, 5);
    const breakdown: string[] = [];
    for (const x of slowest) {
      const events =
        (await world.client.workflow.getHandle(d.taskName(x.n)).fetchHistory()).events ?? [];
      const window = events.filter(
        (e) => eventMs(e) >= x.sentAt - 2 && eventMs(e) <= x.sentToCoder + 100,
      );
      breakdown.push(
        `sample ${x.i} (task ${x.n}, pass ${Math.floor(x.i / rotation.length) + 1}): ` +
          `${x.sentToCoder - x.sentAt} ms, ack ${x.ackMs} ms; ` +
          (window.length
            ? `${events.length} events in the run; ` +
              window
                .map((e) => `+${fmt(eventMs(e) - x.sentAt, 0)} ${eventName(e.eventType)}`)
                .join(', ')
            : 'no event of the current run in that window (the comment met a continue-as-new)'),
      );
    }
    const firstPass = latencies.slice(0, rotation.length);
    const laterPasses = latencies.slice(rotation.length);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    target('delivery → Coder send, p50', '≤ 100 ms', `${fmt(p50, 0)} ms`, p50 <= 100);
    target('delivery → Coder send, p99', '≤ 250 ms', `${fmt(p99, 0)} ms`, p99 <= 250);
    print(
      `b. End to end: delivery POST → fake Coder message to the agent (Coder Agents chat; idle, ready agent; N = ${E2E_SAMPLES}, sequential, 20 agents in rotation)`,
      table(
        ['measure', 'median ms', 'p99 ms', 'max ms'],
        [
          [
            'POST → Coder send',
            fmt(quantile(latencies, 0.5), 0),
            fmt(quantile(latencies, 0.99), 0),
            fmt(Math.max(...latencies), 0),
          ],
          [
            `POST → Coder send, first comment to each agent in this section (${firstPass.length})`,
            fmt(quantile(firstPass, 0.5), 0),
            fmt(quantile(firstPass, 0.99), 0),
            fmt(Math.max(...firstPass), 0),
          ],
          [
            `POST → Coder send, the later ones (${laterPasses.length})`,
            fmt(quantile(laterPasses, 0.5), 0),
            fmt(quantile(laterPasses, 0.99), 0),
            fmt(Math.max(...laterPasses), 0),
          ],
          [
            'POST → 202 (ingress ack)',
            fmt(quantile(acks, 0.5), 0),
            fmt(quantile(acks, 0.99), 0),
            fmt(Math.max(...acks), 0),
          ],
        ],
      ),
    );
    print(
      'b. The five slowest deliveries: history events of the task, ms after the POST',
      breakdown.map((line) => `    ${line}`).join('\n'),
    );
  }

  if (SECTIONS.has('history')) await history(world, d, ingressUrl, preassigned, issue);
  await server.kill();
}

async function history(
  world: World,
  d: Deployment,
  ingressUrl: string,
  preassigned: number[],
  issue: (n: number) => ReturnType<typeof Object>,
) {
  const post = async (req: WebhookRequest) => {
    const res = await fetch(`${ingressUrl}/webhooks/github`, { method: 'POST', ...req });
    await res.text();
    if (res.status !== 202) throw new Error(`history delivery answered ${res.status}`);
  };
  /** A comment on issue `n`, signed and posted. */
  const comment = async (n: number, body: string, commentId: number) =>
    post(
      await signed(
        'issue_comment',
        samplePayloads.issueComment({ ...(issue(n) as object), body, commentId }),
      ),
    );
  const state = (n: number): Promise<TaskSnapshot> =>
    world.client.workflow.getHandle(d.taskName(n)).query(stateQuery);
  const historyOf = async (workflowId: string, runId?: string) =>
    (await world.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const settle = async (n: number, forwarded: number) => {
    await until(
      async () => {
        const s = await state(n);
        return (
          s.counts.forwardedItems >= forwarded && s.phase === 'ready' && s.pending.length === 0
        );
      },
      'forwarded',
      30_000,
      20,
    );
    await sleep(300); // the reaction lane finishes after the send
  };

  // Per forwarded comment.
  const n = preassigned[preassigned.length - 1] ?? 1;
  const K = 10;
  const runOf = async () => (await world.client.workflow.getHandle(d.taskName(n)).describe()).runId;
  let s = await state(n);
  await settle(n, s.counts.forwardedItems);
  const run0 = await runOf();
  const h0 = await historyOf(d.taskName(n), run0);
  let lastBefore = h0.length;
  let lastRun = run0;
  let lastTypes: Record<string, number> = {};
  let timeline: string[] = [];
  for (let i = 0; i < K; i++) {
    s = await state(n);
    await comment(n, `history ${i}`, 3_000_000 + i);
    await settle(n, s.counts.forwardedItems + 1);
    if (i === K - 1) {
      const h = await historyOf(d.taskName(n));
      const slice = (await runOf()) === lastRun ? h.slice(lastBefore) : h;
      const t0 = slice[0] ? eventMs(slice[0]) : 0;
      timeline = slice.map((e) => `+${fmt(eventMs(e) - t0, 0)} ${eventName(e.eventType)}`);
      lastTypes = typesOf(slice);
    } else if (i === K - 2) {
      lastRun = await runOf();
      lastBefore = (await historyOf(d.taskName(n), lastRun)).length;
    }
  }
  // The window's events across runs: a continue-as-new in it (a small TASK_HISTORY_LIMIT)
  // counts with the comments, the continued runs' events included.
  const later: Awaited<ReturnType<typeof historyOf>>[] = [];
  for (let runId: string | null | undefined = await runOf(); runId && runId !== run0; ) {
    const h = await historyOf(d.taskName(n), runId);
    later.unshift(h);
    runId = h[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
  }
  const windowEvents = [
    ...(await historyOf(d.taskName(n), run0)).slice(h0.length),
    ...later.flat(),
  ];
  if (later.length > 0) log(`the task continued as new ${later.length} time(s) in the window`);
  const perComment = windowEvents.length / K;
  // The agent's own status pushes in the same window (working, then idle again after each
  // turn): a signal each, with the workflow task it usually gets to itself.
  const pushes = windowEvents.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'agentUpdate',
  ).length;
  const perCommentOwn = (windowEvents.length - 4 * pushes) / K;

  // Per CI failure (signalled as the repository workflow does once it resolved the PR).
  const ci = preassigned[preassigned.length - 2] ?? 2;
  const pr = 90_000 + ci;
  const headSha = 'c1'.padEnd(40, '0');
  seedAgentPull(world.github, {
    repo: d.repo,
    issueNumber: ci,
    prNumber: pr,
    headSha,
    runId: 777_000 + ci,
    jobs: [
      { id: 1, name: 'lint', conclusion: 'success', log: 'ok' },
      { id: 2, name: 'unit', conclusion: 'failure', log: 'FAIL a.test.ts\nexpected 1 to be 2' },
      { id: 3, name: 'e2e', conclusion: 'failure', log: 'FAIL b.test.ts\ntimeout' },
    ],
  });
  const C = 5;
  s = await state(ci);
  await settle(ci, s.counts.forwardedItems);
  const c0 = await historyOf(d.taskName(ci));
  for (let i = 0; i < C; i++) {
    s = await state(ci);
    const event: CiFailed = {
      kind: 'ci.failed',
      deliveryId: randomUUID(),
      receivedAt: new Date().toISOString(),
      repository: d.repo,
      issueNumber: ci,
      installationId: 1,
      pullRequest: {
        number: pr,
        url: `https://github.com/${d.repo.owner}/${d.repo.name}/pull/${pr}`,
      },
      run: {
        id: 777_000 + ci,
        name: 'CI',
        path: '.github/workflows/ci.yml',
        url: `https://github.com/${d.repo.owner}/${d.repo.name}/actions/runs/${777_000 + ci}`,
        headSha,
      },
    };
    await d.sink.signalTask({ action: 'signal-task', taskName: d.taskName(ci), event });
    await settle(ci, s.counts.forwardedItems + 1);
  }
  const c1 = await historyOf(d.taskName(ci));
  const perCi = (c1.length - c0.length) / C;

  // Largest run: a new task with the default bound, comments one at a time until it continues.
  const big = 5_000_000;
  await post(await signed('issues', samplePayloads.issueAssigned(issue(big) as object)));
  // The start-up run continues as new once the agent runs (patch continue-after-start): the
  // run that grows to the bound is the one after it.
  await until(
    async () => {
      const st = await state(big);
      return st.phase === 'ready' && st.runs === 1;
    },
    'big ready in its continued run',
    60_000,
    100,
  );
  const firstRunId = (await world.client.workflow.getHandle(d.taskName(big)).describe()).runId;
  let sent = 0;
  const started = Date.now();
  for (; sent < 600; ) {
    const before = await state(big);
    if (before.runs >= 2) break;
    await comment(big, `grow ${sent}`, 4_000_000 + sent);
    sent++;
    await until(
      async () => {
        const st = await state(big);
        return st.counts.forwardedItems >= sent && st.pending.length === 0;
      },
      'grow forwarded',
      30_000,
      10,
    );
  }
  const finalState = await state(big);
  const firstRun = await historyOf(d.taskName(big), firstRunId);
  const lastEvent = firstRun[firstRun.length - 1];
  // What an evicted task at the bound costs the worker when its next message arrives.
  const replays = await replayTimes(world.bundlePath, { events: firstRun }, REPLAY_COPIES);
  target(
    `replay of a task at the history bound (${firstRun.length} events)`,
    '< 100 ms',
    `${fmt(quantile(replays, 0.5), 1)} ms median`,
    quantile(replays, 0.5) < 100,
  );
  target(
    'history events per forwarded comment (idle agent, steady state)',
    '≤ 8',
    `${fmt(perCommentOwn, 1)} (+ ${fmt((4 * pushes) / K, 1)} for the agent's ${fmt(pushes / K, 1)} status pushes per turn)`,
    perCommentOwn <= 8,
  );
  const rows: (string | number)[][] = [
    ['history events per forwarded comment (mean of 10, idle agent), all', fmt(perComment, 1)],
    [
      "… of which the agent's status pushes (agentUpdate signal + its workflow task)",
      `${fmt(pushes / K, 1)} pushes × 4 = ${fmt((4 * pushes) / K, 1)}`,
    ],
    [
      '… the comment itself (signal, one workflow task, 👀 and send markers)',
      fmt(perCommentOwn, 1),
    ],
    [
      `event types of the ${K} comments' window`,
      Object.entries(typesOf(windowEvents))
        .map(([t, c]) => `${t} ×${c}`)
        .join(', '),
    ],
    [
      'event types of one forwarded comment',
      Object.entries(lastTypes)
        .map(([t, c]) => `${t} ×${c}`)
        .join(', '),
    ],
    ['history events per forwarded CI failure (mean of 5, 2 failed jobs)', fmt(perCi, 1)],
    ['configured bound (TASK_HISTORY_LIMIT, its default)', HISTORY_LIMIT],
    [
      'largest run measured (events in the run that continued as new)',
      `${firstRun.length} (last event ${eventName(lastEvent?.eventType)})`,
    ],
    ['comments forwarded one by one until it continued', sent],
    [
      'after continue-as-new: runs / forwarded items / duplicates',
      `${finalState.runs} / ${finalState.counts.forwardedItems} / ${finalState.counts.duplicates}`,
    ],
    ['time to grow one run to the bound', `${fmt((Date.now() - started) / 1000, 1)} s`],
    [
      `replay of that run, as after an eviction (median of ${REPLAY_COPIES}, one replay worker)`,
      `${fmt(quantile(replays, 0.5), 1)} ms (p90 ${fmt(quantile(replays, 0.9), 1)} ms)`,
    ],
  ];
  print('d. History cost', table(['measure', 'value'], rows));
  print(
    'd. Timeline of one forwarded comment (history event times, ms from the signal)',
    timeline.map((t) => `    ${t}`).join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// c: scale

interface ScaleRow {
  label: string;
  n: number;
  startMs: number;
  /** Starts that failed under the load, were parked, and were asked to retry. */
  retried: number;
  idleRss: number;
  readyRss: number;
  readyHeap: number;
  commentMs: number;
  afterRss: number;
  /** The worker's highest RSS over the whole run (start-ups and fan-out). */
  peakRss: number;
  /**
   * CPU seconds each process spent during the fan-out (worker: all of them; postgres: the
   * postmaster and its backends; bench = load, fake Coder and GitHub).
   */
  fanOutCpu: { server: number; postgres: number; worker: number; bench: number };
  /** Memory after the fan-out: the Temporal server's RSS, PostgreSQL's Pss (all its processes). */
  serverMemory: { server: number; postgres: number };
  /** The agent-watch workflow over the row: its runs, and the signals they took. */
  watch: { runs: number; signals: number };
}

/** Runs of the task queue's agent-watch workflow, and the signals all of them took. */
async function watchCost(world: World, taskQueue: string): Promise<ScaleRow['watch']> {
  let runs = 0;
  let signals = 0;
  const id = `agent-watch-${taskQueue}`;
  for await (const run of world.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
    runs++;
    const history = await world.client.workflow.getHandle(id, run.runId).fetchHistory();
    signals += (history.events ?? []).filter(
      (e) => e.workflowExecutionSignaledEventAttributes,
    ).length;
  }
  return { runs, signals };
}

async function scaleOnce(
  world: World,
  n: number,
  label: string,
  tuning?: object,
): Promise<ScaleRow> {
  const d = await deploy(world, `s${n}-${tuning ? 'tuned' : 'default'}`, tuning);
  let sampler: NodeJS.Timeout | undefined;
  try {
    await sleep(500);
    const idle = await d.rss();
    const numbers = Array.from({ length: n }, (_, i) => 1 + i);
    // The RSS curve in the log, once a minute, so a crash or a climb shows where it happened.
    sampler = setInterval(() => {
      const sends = world.coder.callsTo('POST', SEND_PATH).length;
      d.rss().then(
        (m) =>
          log(`N=${n}: worker RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, sends ${sends}`),
        () => log(`N=${n}: the worker does not answer (exited?)`),
      );
    }, 60_000);
    // ~0.1 s of wall time per start at saturation here; allow three times that.
    const { ms: startMs, retried } = await assignAll(d, numbers, Math.max(600_000, n * 300));
    await sleep(1_000);
    const ready = await d.rss();
    log(
      `N=${n}: all ready after ${fmt(startMs / 1000, 1)} s (${retried} parked starts retried), RSS ${mib(ready.rss)} MiB; the fan-out begins`,
    );
    world.coder.reset();
    const cpuNow = () => ({
      server: cpuSeconds(world.serverPid),
      postgres: treeCpuSeconds(world.postgresPid),
      worker: workersCpu(d),
      bench: cpuSeconds(process.pid),
    });
    const cpuBefore = cpuNow();
    const commentStarted = Date.now();
    await pool(numbers, CONCURRENCY, (i) => d.comment(i, `scale comment ${i}`, 8_000_000 + i));
    await until(
      () => world.coder.callsTo('POST', SEND_PATH).length >= n,
      `${n} sends`,
      Math.max(600_000, n * 200),
      100,
    );
    const commentMs = Date.now() - commentStarted;
    const cpuAfter = cpuNow();
    const fanOutCpu = {
      server: cpuAfter.server - cpuBefore.server,
      postgres: cpuAfter.postgres - cpuBefore.postgres,
      worker: cpuAfter.worker - cpuBefore.worker,
      bench: cpuAfter.bench - cpuBefore.bench,
    };
    const serverMemory = {
      server: memoryBytes(world.serverPid),
      postgres: treeMemoryBytes(world.postgresPid),
    };
    await sleep(500);
    const after = await d.rss();
    const watch = await watchCost(world, d.taskQueue).catch((err) => {
      log(`N=${n}: could not read the agent watch's history: ${err}`);
      return { runs: 0, signals: 0 };
    });
    const row = {
      label,
      n,
      startMs,
      retried,
      idleRss: idle.rss,
      readyRss: ready.rss,
      readyHeap: ready.heapUsed,
      commentMs,
      afterRss: after.rss,
      peakRss: after.peakRss,
      fanOutCpu,
      serverMemory,
      watch,
    };
    log(JSON.stringify(row));
    return row;
  } finally {
    clearInterval(sampler);
    await d.close();
  }
}

/** The Temporal this run measures, as the tables name it. */
function serverLabel(): string {
  return TEMPORAL === 'cluster' ? 'Temporal cluster on PostgreSQL' : 'Temporal dev server';
}

/** CPU per process over each fan-out, per send, and the servers' memory after it. */
function cpuTable(rows: ScaleRow[]): string {
  const cluster = TEMPORAL === 'cluster';
  return table(
    [
      'N',
      'wall (s)',
      'Temporal server',
      ...(cluster ? ['PostgreSQL'] : []),
      WORKERS > 1 ? `workers (${WORKERS})` : 'worker',
      'bench (load, fake Coder/GitHub)',
      `ms of CPU per send: server${cluster ? ' / PostgreSQL' : ''} / worker${WORKERS > 1 ? 's' : ''}`,
      `server RSS${cluster ? ' / PostgreSQL PSS' : ''} after (MiB)`,
    ],
    rows.map((r) => {
      const ofACore = (cpu: number) =>
        `${fmt(cpu, 1)} s (${fmt((100 * cpu) / (r.commentMs / 1000), 0)} % of a core)`;
      const perSend = (cpu: number) => fmt((1000 * cpu) / r.n, 1);
      const cpu = r.fanOutCpu;
      return [
        r.n,
        fmt(r.commentMs / 1000, 1),
        ofACore(cpu.server),
        ...(cluster ? [ofACore(cpu.postgres)] : []),
        ofACore(cpu.worker),
        ofACore(cpu.bench),
        [cpu.server, ...(cluster ? [cpu.postgres] : []), cpu.worker].map(perSend).join(' / '),
        [r.serverMemory.server, ...(cluster ? [r.serverMemory.postgres] : [])].map(mib).join(' / '),
      ];
    }),
  );
}

function scaleTable(rows: ScaleRow[]): string {
  const base = rows[0];
  return table(
    [
      'worker options',
      'N',
      'start N → all ready (s)',
      'parked starts retried',
      'RSS idle (MiB)',
      'RSS all ready (MiB)',
      'heap used (MiB)',
      'RSS per task (KiB)',
      'one comment to each → N sends (s)',
      'sends/s',
      'RSS after (MiB)',
      'peak RSS (MiB)',
      'agent watch: runs / signals',
    ],
    rows.map((r) => [
      r.label,
      r.n,
      fmt(r.startMs / 1000, 1),
      r.retried,
      mib(r.idleRss),
      mib(r.readyRss),
      mib(r.readyHeap),
      fmt((r.readyRss - r.idleRss) / 1024 / r.n, 1),
      fmt(r.commentMs / 1000, 1),
      fmt(r.n / (r.commentMs / 1000), 0),
      mib(r.afterRss),
      r.peakRss ? mib(r.peakRss) : 'n/a',
      `${r.watch.runs} / ${r.watch.signals}`,
    ]),
  ).concat(
    base
      ? `\n\nGrowth vs N = ${base.n}: ${rows
          .filter((r) => r.label === base.label)
          .map(
            (r) =>
              `N×${fmt(r.n / base.n, 1)} → comment time ×${fmt(r.commentMs / base.commentMs, 2)}, RSS growth ×${fmt((r.readyRss - r.idleRss) / Math.max(1, base.readyRss - base.idleRss), 2)}`,
          )
          .join('; ')}`
      : '',
  );
}

// ---------------------------------------------------------------------------------------------
// f: eager activity dispatch, g: the workflow bundle

/**
 * Start-up latency (assignment → `ready`) of sequential assignments, on this run's server
 * (eager activity dispatch on, as in tests, `pnpm dev` and compose) and on a second dev server
 * with it off. A start runs four ordinary activities in a row, so it shows what eager
 * dispatch saves per activity.
 */
async function eagerComparison(world: World) {
  const off = await startDevServer({ eagerActivities: false });
  const legs: { label: string; samples: number[] }[] = [];
  try {
    for (const [label, address] of [
      ['on (system.enableActivityEagerExecution=true)', world.address],
      ['off', off.address],
    ] as const) {
      const d = await deploy({ ...world, address }, `eager-${label.slice(0, 3).trim()}`);
      const client = address === world.address ? world.client : await clientFor(address);
      const samples: number[] = [];
      try {
        for (let i = 0; i < EAGER_SAMPLES; i++) {
          const n = 700_000 + i;
          const t0 = Date.now();
          await d.assign(n);
          const handle = client.workflow.getHandle(d.taskName(n));
          await until(
            async () => (await handle.query(stateQuery)).phase === 'ready',
            'ready',
            60_000,
            5,
          );
          samples.push(Date.now() - t0);
        }
      } finally {
        await d.close();
        if (client !== world.client) await client.connection.close();
      }
      legs.push({ label, samples });
    }
  } finally {
    await off.stop();
  }
  const on = legs[0]?.samples ?? [];
  print(
    `f. Eager activity dispatch: assignment → ready, ${EAGER_SAMPLES} sequential starts each (ms)`,
    table(
      ['eager dispatch', 'p50', 'p90', 'max', 'p50 / on'],
      legs.map((l) => [
        l.label,
        fmt(quantile(l.samples, 0.5), 0),
        fmt(quantile(l.samples, 0.9), 0),
        fmt(Math.max(...l.samples), 0),
        fmt(quantile(l.samples, 0.5) / Math.max(1, quantile(on, 0.5)), 2),
      ]),
    ),
  );
}

async function clientFor(address: string): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
}

/** What every workflow context evaluates: the bundle's modules and size. */
async function bundleCost(world: World) {
  const code = readFileSync(world.bundlePath, 'utf8');
  const modules = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1] ?? '');
  const zod = modules.filter((m) => /\/zod\//.test(m)).length;
  const perContext = await contextCost(world.bundlePath);
  const ours = perContext.modules.filter((m) => !m.includes('node_modules')).length;
  print(
    'g. Workflow bundle (loaded once per worker thread; what each workflow context evaluates again)',
    table(
      [
        'bundle modules',
        'bundle KiB',
        'zod modules',
        'modules per context (ours)',
        'heap per context (KiB)',
        'ms per context',
      ],
      [
        [
          modules.length,
          fmt(code.length / 1024, 0),
          zod,
          `${perContext.modules.length} (${ours})`,
          fmt(perContext.heapKiB, 0),
          fmt(perContext.msPerContext, 2),
        ],
      ],
    ),
  );
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const loadAtStart = loadAverage();
  log(
    `quick=${QUICK} sections=${[...SECTIONS].join(',')} sizes=${SIZES.join(',')} temporal=${TEMPORAL} workers=${WORKERS}`,
  );
  const world = await startWorld();
  try {
    if (SECTIONS.has('ingress') || SECTIONS.has('e2e') || SECTIONS.has('history')) {
      const d = await deploy(world, 'a');
      try {
        await ingressAndE2e(world, d);
      } finally {
        await d.close();
      }
    }
    // The comparison needs a second server with eager dispatch off: a dev server's flag.
    if (SECTIONS.has('eager') && TEMPORAL === 'cluster') log('eager: on the dev server only');
    else if (SECTIONS.has('eager')) await eagerComparison(world);
    if (SECTIONS.has('push')) {
      const legs = await pushVersusPoll(world.address, {
        samples: PUSH_SAMPLES,
        pollMs: PUSH_POLL_MS,
      });
      const push = legs.find((l) => l.mode === 'push')?.samples ?? [];
      const rows = legs.map((leg) => [
        leg.mode === 'push'
          ? 'push (chat watch stream)'
          : `poll every ${PUSH_POLL_MS} ms (stream down)`,
        leg.samples.length,
        fmt(quantile(leg.samples, 0.5), 0),
        fmt(Math.max(...leg.samples), 0),
        fmt(quantile(leg.samples, 0.5) / Math.max(quantile(push, 0.5), 1), 1),
      ]);
      print(
        'e. Push against poll: a held comment reaches Coder after its chat goes idle (ms)',
        table(['mode', 'n', 'p50', 'max', 'p50 / push p50'], rows),
      );
    }
    // The scale rows leave thousands of open workflows on the server: the sections timed on
    // a quiet server (eager, push) go before them, and the bundle's context cost (it installs
    // the SDK's promise hook in this process) goes last.
    if (SECTIONS.has('scale')) {
      const rows: ScaleRow[] = [];
      const chosen = TUNING ? JSON.parse(TUNING) : undefined;
      const label = TUNING ? `tuned ${TUNING}` : 'worker defaults';
      for (const n of SIZES) {
        // A size that does not finish is reported, and the run goes on to the other sections.
        try {
          rows.push(await scaleOnce(world, n, label, chosen));
        } catch (err) {
          log(`scale N=${n} failed: ${err instanceof Error ? err.message : String(err)}`);
          target(
            `scale run at N = ${n}`,
            'completes',
            `failed: ${String(err).slice(0, 120)}`,
            false,
          );
        }
      }
      if (COMPARE_TUNING) {
        const n = SIZES[SIZES.length - 1] ?? 1000;
        rows.push(await scaleOnce(world, n, `tuned ${JSON.stringify(TUNED)}`, TUNED));
      }
      print(
        `c. Scale: N idle task workflows on ${WORKERS > 1 ? `${WORKERS} workers (child processes; RSS and heap summed over them)` : 'one worker (child process)'}, the worker's defaults unless --tuning, ${serverLabel()}, fake Coder timings 20/30/20 ms`,
        scaleTable(rows),
      );
      print(
        `c. Where the fan-out's CPU went (CPU seconds per process over the fan-out; ${availableParallelism()} cores; ${serverLabel()}, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''})`,
        cpuTable(rows),
      );
      const fleet = rows.find((r) => r.n === FLEET_N);
      const largest = rows[rows.length - 1];
      target(
        `${FLEET_N} open task workflows on ${WORKERS > 1 ? `${WORKERS} workers (RSS summed)` : 'one worker'}, RSS`,
        '≤ 1 GiB',
        fleet
          ? `${mib(fleet.readyRss)} MiB all ready, ${mib(fleet.afterRss)} MiB after the fan-out, peak ${mib(fleet.peakRss)} MiB`
          : `not run (largest N = ${largest?.n})`,
        fleet ? Math.max(fleet.readyRss, fleet.afterRss, fleet.peakRss) <= 1024 ** 3 : null,
      );
      const sendsPerSec = (r: ScaleRow) => r.n / (r.commentMs / 1000);
      target(
        `one comment to each of ${fleet ? FLEET_N : (largest?.n ?? 0)} tasks, sends/s`,
        '≥ 200',
        fleet
          ? fmt(sendsPerSec(fleet), 0)
          : largest
            ? `${fmt(sendsPerSec(largest), 0)} (N = ${largest.n})`
            : 'not run',
        fleet ? sendsPerSec(fleet) >= 200 : null,
      );
    }
    if (SECTIONS.has('bundle')) await bundleCost(world);
  } finally {
    await world.close();
  }
  print(
    'Start-up',
    table(
      ['what', 'ms'],
      [
        [
          TEMPORAL === 'cluster'
            ? 'Temporal cluster: its server started on existing data (`bash infra/cluster.sh up`: schemas checked, server, namespace, search attributes)'
            : 'Temporal dev server (SQLite file on tmpfs, search attributes registered)',
          fmt(world.serverStartMs, 0),
        ],
        [
          `worker process, spawn → polling (prebuilt bundle, tsx), median of ${workerStarts.length}`,
          fmt(quantile(workerStarts, 0.5), 0),
        ],
        ['the same, slowest', fmt(Math.max(...workerStarts), 0)],
      ],
    ),
  );
  print(
    'Targets (issue 10), all from this run',
    table(
      ['what', 'target', 'measured', 'holds'],
      targets.map((t) => [
        t.what,
        t.target,
        t.measured,
        t.holds === null ? 'not measured' : t.holds ? 'yes' : '**no**',
      ]),
    ),
  );
  print(
    'Run',
    `Total ${fmt((Date.now() - started) / 1000, 0)} s, quick=${QUICK}, node ${process.version}, ${serverLabel()}, ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''} per deployment, load average ${loadAtStart} at the start, ${loadAverage()} at the end (/proc/loadavg: 1, 5, 15 min)`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
