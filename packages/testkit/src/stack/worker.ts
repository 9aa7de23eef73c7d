/**
 * The worker as the tests run it: configured through the production env schema
 * (`WorkerConfigSchema`, so a test exercises the same parsing as a deployment), with either
 * Coder backend, in this process or as a child process (`child.ts`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
  manageOwnerKeys,
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
    tuning: { isolateExecutionTimeout: config.WORKER_ISOLATE_EXECUTION_TIMEOUT_MS },
  });
  const running = worker.run();
  const keys = manageOwnerKeys(deps);
  return {
    deps,
    worker,
    async stop() {
      deps.releaseStreams();
      worker.shutdown();
      await running;
      await keys.stop().catch(() => 0);
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

/**
 * What one more workflow context costs the worker: the SDK (1.24, `reuseV8Context`) evaluates
 * the bundle once and shares every module loaded before the first workflow, so each workflow
 * evaluates only the modules left (ours, mostly) into its own module cache. Creates `contexts`
 * task-workflow contexts (no activation) through the SDK's reusable-VM creator, as the worker
 * does on a cache miss, and reports the modules each one evaluated and the heap each keeps.
 * Uses an SDK-internal module (`lib/workflow/reusable-vm`): a bench tool, not product code.
 * It installs the SDK's promise hook in this process, so run it last.
 */
export async function contextCost(
  bundlePath: string,
  contexts = 200,
): Promise<{ modules: string[]; heapKiB: number; msPerContext: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // The SDK's own modules, resolved from where @temporalio/worker is installed.
  const require = createRequire(createRequire(import.meta.url).resolve('@temporalio/worker'));
  const { ReusableVMWorkflowCreator } = require('./workflow/reusable-vm');
  const { parseWorkflowCode } = require('./worker');
  const { TypedSearchAttributes } = require('@temporalio/common');
  const bundle = parseWorkflowCode(readFileSync(bundlePath, 'utf8'), bundlePath);
  const creator = await ReusableVMWorkflowCreator.create(bundle, 5_000, new Set(), undefined);
  const made: { activator: { moduleCache: Map<string, unknown> } }[] = [];
  const info = (i: number) => ({
    workflowId: `context-${i}`,
    runId: `run-${i}`,
    workflowType: 'taskWorkflow',
    searchAttributes: {},
    typedSearchAttributes: new TypedSearchAttributes(),
    taskQueue: 'context-cost',
    namespace: 'default',
    firstExecutionRunId: `run-${i}`,
    originalExecutionRunId: `run-${i}`,
    startTime: new Date(),
    runStartTime: new Date(),
    taskTimeoutMs: 10_000,
    attempt: 1,
    historyLength: 3,
    historySize: 0,
    continueAsNewSuggested: false,
    targetWorkerDeploymentVersionChanged: false,
    suggestedContinueAsNewReasons: [],
    currentBuildId: '',
    unsafe: {
      now: Date.now,
      isReplaying: false,
      isReplayingHistoryEvents: false,
      random: Math.random,
    },
  });
  try {
    gc();
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    for (let i = 0; i < contexts; i++) {
      made.push(
        await creator.createWorkflow({
          info: info(i),
          randomnessSeed: [1, 2, 3, 4],
          now: Date.now(),
          showStackTraceSources: false,
          failureExceptionTypeNames: [],
        }),
      );
    }
    const msPerContext = (performance.now() - started) / contexts;
    gc();
    const heapKiB = (process.memoryUsage().heapUsed - before) / contexts / 1024;
    const modules = [...(made[0]?.activator.moduleCache.keys() ?? [])].map(String);
    return { modules, heapKiB, msPerContext };
  } finally {
    for (const wf of made) await (wf as unknown as { dispose(): Promise<void> }).dispose();
    await creator.destroy();
  }
}
