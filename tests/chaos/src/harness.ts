/**
 * The fault tests' view of the testkit stack (`@code-factory/testkit/stack`): fakes, the
 * ingress served in-process and a client; each test starts its worker, in-process or as a
 * child process (`spawnWorker`), from `world.workerEnv` and the shared workflow bundle.
 */
import { randomUUID } from 'node:crypto';
import { type CoderRelease, type CoderTimings, testAppKey } from '@code-factory/testkit';
import {
  type Stack,
  spawnWorker,
  startStack,
  type WorkerProcess,
  workflowBundlePath,
} from '@code-factory/testkit/stack';

export { until } from '@code-factory/testkit';
export {
  AGENT_LOGIN,
  CODER_USER,
  LEAD,
  type WorkerProcess,
  workflowBundlePath,
} from '@code-factory/testkit/stack';

export function privateKey(): string {
  return testAppKey().pkcs8;
}

/**
 * The testkit stack without its worker; `deliver` posts straight to the ingress, timed;
 * `spawnWorker()` starts a worker process of this world on the shared workflow bundle.
 */
export type World = Omit<Stack, 'deliver'> & {
  deliver: Stack['deliverDirect'];
  spawnWorker(): Promise<WorkerProcess>;
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
  return {
    ...stack,
    deliver: stack.deliverDirect,
    spawnWorker: async () =>
      spawnWorker({ ...stack.workerEnv, WORKFLOW_BUNDLE_PATH: await workflowBundlePath() }),
  };
}
