/**
 * What the worker pays per workflow, measured by the bench (`--only=bundle`, the replay rows):
 * the time to replay a history and the cost of one more workflow context. Bench tools, not test
 * scaffolding: nothing else uses them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';

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
