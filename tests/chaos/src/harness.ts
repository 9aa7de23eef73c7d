/**
 * The fault tests' view of the testkit stack (`@code-factory/testkit/stack`): fakes, the
 * ingress served in-process and a client; each test starts its worker, in-process or as
 * child processes (`spawnWorkers`), from `world.workerEnv` and the shared workflow bundle.
 *
 * With TEST_TEMPORAL=cluster (`pnpm test:cluster:faults`) they run on the Temporal cluster on
 * PostgreSQL (infra/cluster.sh) with two worker processes, as a deployment runs them; on the dev
 * server with one.
 */
import { randomUUID } from 'node:crypto';
import {
  type CoderRelease,
  type CoderTimings,
  samplePayloads,
  testAppKey,
  until,
} from '@code-factory/testkit';
import { type Stack, startStack, type WorkerProcess } from '@code-factory/testkit/stack';
import type { TaskSnapshot } from '@code-factory/workflows';
import { expect } from 'vitest';

export { until } from '@code-factory/testkit';
export {
  AGENT_LOGIN,
  CODER_USER,
  LEAD,
  type WorkerProcess,
  workflowBundlePath,
} from '@code-factory/testkit/stack';

/** TEST_TEMPORAL=cluster: the shared server is the cluster of infra/cluster.sh. */
export const onCluster = process.env.TEST_TEMPORAL === 'cluster';
/** Worker processes per fault test: two on the cluster (as deployed), one on the dev server. */
export const WORKER_PROCESSES = onCluster ? 2 : 1;

export function privateKey(): string {
  return testAppKey().pkcs8;
}

/**
 * The testkit stack without its worker; `deliver` posts straight to the ingress, timed;
 * `spawnWorkers()` starts worker processes of this world on the shared workflow bundle.
 */
export type World = Omit<Stack, 'deliver'> & {
  deliver: Stack['deliverDirect'];
  /** The `state` query of an issue's task. */
  stateOf(issueNumber: number): Promise<TaskSnapshot>;
  /** Assigns each issue through the ingress (202 each) and waits until every task is ready. */
  assignReady(issueNumbers: number[]): Promise<void>;
  /** `count` worker processes (default WORKER_PROCESSES), each polling when this resolves. */
  spawnWorkers(count?: number): Promise<WorkerProcess[]>;
};

export interface WorldOptions {
  address: string;
  coderTimings?: Partial<CoderTimings>;
  /** TEMPORAL_SIGNAL_TIMEOUT_MS of the ingress. */
  signalTimeoutMs?: number;
  workerEnv?: Record<string, string>;
  /** Default `2.36` with Coder Tasks; `current` runs Coder Agents (detected). */
  coderRelease?: CoderRelease;
}

/** Fakes + ingress (in-process) + a client; the worker is started by the test. */
export async function startWorld(options: WorldOptions): Promise<World> {
  // Most fault tests drive Coder Tasks (their faults target task routes), so the fake plays
  // Coder 2.36, the last release with Tasks, unless a test asks for today's Coder.
  const release = options.coderRelease ?? '2.36';
  const stack = await startStack({
    address: options.address,
    worker: 'none',
    coderRelease: release,
    coderTimings: { pendingMs: 20, initializingMs: 40, workingMs: 40, ...options.coderTimings },
    repo: { owner: `chaos-${randomUUID().slice(0, 6)}`, name: 'widgets' },
    taskQueue: `chaos-${randomUUID()}`,
    prefix: `c${randomUUID().slice(0, 4)}`,
    signalTimeoutMs: options.signalTimeoutMs ?? 5_000,
    workerEnv: {
      AGENT_STARTUP_TIMEOUT_MS: '60000',
      // The production defaults: the faults here are not about status comments or streams.
      STATUS_COMMENT_INTERVAL_MS: '30000',
      CODER_STREAM_RECONNECT_MS: '1000',
      ...(release === '2.36' ? { CODER_BACKEND: 'tasks' } : {}),
      ...options.workerEnv,
    },
  });
  const stateOf = (n: number) => stack.state(stack.taskName(n));
  return {
    ...stack,
    deliver: stack.deliverDirect,
    stateOf,
    async assignReady(issueNumbers) {
      for (const n of issueNumbers) {
        const res = await stack.deliverDirect(
          'issues',
          samplePayloads.issueAssigned(stack.issue(n)),
        );
        expect(res.status, `assignment of ${n}`).toBe(202);
      }
      await until(
        async () =>
          (await Promise.all(issueNumbers.map(stateOf))).every((s) => s.phase === 'ready'),
        'every task ready',
        60_000,
        200,
      );
    },
    async spawnWorkers(count = WORKER_PROCESSES) {
      const workers = await Promise.all(Array.from({ length: count }, () => stack.spawnWorker()));
      await Promise.all(workers.map((w) => w.ready));
      return workers;
    },
  };
}

/**
 * Checks that every body reached the agent, in the order given (`received`: what the agent got,
 * in order); returns how many extra copies of each it got (at-least-once sends in flight at a
 * fault), by index.
 */
export function receivedInOrder(received: string[], bodies: string[]): number[] {
  const all = received.join('\n=====\n');
  let cursor = -1;
  return bodies.map((body) => {
    const first = all.indexOf(body);
    expect(first, `${body} delivered in order`).toBeGreaterThan(cursor);
    cursor = first;
    return all.split(body).length - 2;
  });
}

export const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
