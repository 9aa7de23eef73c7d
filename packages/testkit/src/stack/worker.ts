/**
 * The worker as the tests run it: configured through the production env schema
 * (`WorkerConfigSchema`, so a test exercises the same parsing as a deployment), with either
 * Coder backend, in this process or as a child process (`child.ts`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecDataConverter } from '@code-factory/codec';
import { parseEnv, WorkerConfigSchema } from '@code-factory/config';
import {
  announceCoder,
  type CreateWorkerOptions,
  createActivities,
  createFleetActivities,
  createRedeliveryActivities,
  createRepoConfigActivities,
  createWorker,
  depsFromConfig,
  type WorkerDeps,
  workflowsPath,
} from '@code-factory/worker';
import type { Client, HistoryAndWorkflowId } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
} from '@temporalio/worker';

/** Quiets the SDK (warnings and errors still show) unless a runtime exists already. */
export function quietRuntime(level: 'WARN' | 'ERROR' = 'WARN'): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : level),
    });
  } catch {
    // Installed already in this process.
  }
}

let bundle: Promise<{ code: string }> | undefined;
/** The workflow bundle, built once per process (bundling takes seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

let bundlePath: Promise<string> | undefined;
/** The same bundle written to a file, for worker processes (`WORKFLOW_BUNDLE_PATH`). */
export function workflowBundlePath(): Promise<string> {
  bundlePath ??= workflowBundle().then(({ code }) => {
    const path = join(mkdtempSync(join(tmpdir(), 'workflow-bundle-')), 'workflows.js');
    writeFileSync(path, code);
    return path;
  });
  return bundlePath;
}

/** Every activity the production worker registers. */
export function allActivities(deps: WorkerDeps): CreateWorkerOptions['activities'] {
  return {
    ...createActivities(deps),
    ...createRedeliveryActivities(deps),
    ...createRepoConfigActivities(deps),
    ...createFleetActivities({ client: deps.client, taskQueue: deps.taskQueue }),
  };
}

export interface InProcessWorkerOptions {
  /** Worker environment (`WorkerConfigSchema`), e.g. `stack.workerEnv`. */
  env: Record<string, string>;
  client: Client;
  /** OpenTelemetry and the like (tests/tracing): bundled into a bundle of this worker's own. */
  workflowInterceptorModules?: string[];
  interceptors?: CreateWorkerOptions['interceptors'];
  sinks?: CreateWorkerOptions['sinks'];
}

export interface InProcessWorker {
  deps: WorkerDeps;
  worker: Worker;
  stop(): Promise<void>;
}

/** Builds the worker as apps/worker/src/main.ts does and runs it until `stop()`. */
export async function startInProcessWorker(
  options: InProcessWorkerOptions,
): Promise<InProcessWorker> {
  const config = parseEnv(WorkerConfigSchema, options.env);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const deps = await depsFromConfig(config, options.client);
  await announceCoder(deps);
  const bundled = options.workflowInterceptorModules
    ? await bundleWorkflowCode({
        workflowsPath,
        workflowInterceptorModules: options.workflowInterceptorModules,
        logger: new DefaultLogger('WARN'),
      })
    : await workflowBundle();
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: allActivities(deps),
    workflowBundle: bundled,
    dataConverter: codecDataConverter(config.PAYLOAD_CODEC_KEYS),
    interceptors: options.interceptors,
    sinks: options.sinks,
  });
  const running = worker.run();
  return {
    deps,
    worker,
    async stop() {
      deps.releaseStreams();
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * Milliseconds to replay `history` (what an evicted workflow costs the worker when its next
 * task arrives), once per copy with one replay worker; the first copy also pays for
 * loading the bundle, so it is left out of the times returned.
 */
export async function replayTimes(
  bundlePath: string,
  history: HistoryAndWorkflowId['history'],
  copies: number,
): Promise<number[]> {
  const histories = Array.from({ length: copies + 1 }, (_, i) => ({
    workflowId: `replay-timing-${i}`,
    history,
  }));
  const times: number[] = [];
  let last = performance.now();
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: bundlePath } },
    histories,
  )) {
    if (result.error) throw result.error;
    const now = performance.now();
    times.push(now - last);
    last = now;
  }
  return times.slice(1);
}
