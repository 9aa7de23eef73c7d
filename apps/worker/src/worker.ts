/**
 * Builds the Temporal worker: the workflow bundle from @code-factory/workflows and the
 * activities from this app. Used by `main.ts` and by tests, so both run the same worker.
 */
import { createRequire } from 'node:module';
import { WorkerConfigSchema } from '@code-factory/config';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { WorkerActivities } from './activities';

const require = createRequire(import.meta.url);

export const workflowsPath = require.resolve('@code-factory/workflows/workflows');

/** WORKER_ISOLATE_EXECUTION_TIMEOUT_MS's default, for workers built without the config. */
const ISOLATE_EXECUTION_TIMEOUT_MS =
  WorkerConfigSchema.shape.WORKER_ISOLATE_EXECUTION_TIMEOUT_MS.parse(undefined);

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerActivities;
  /** Prebuilt bundle (tests share one to save the bundling time). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Worker interceptors and injected sinks, e.g. OpenTelemetry's (`tracing.ts`). With a
   * prebuilt `workflowBundle`, the `workflowModules` must have been bundled into it.
   */
  interceptors?: WorkerOptions['interceptors'];
  sinks?: WorkerOptions['sinks'];
  /** Payload encryption (`codecDataConverter(PAYLOAD_CODEC_KEYS)`); plain payloads by default. */
  dataConverter?: WorkerOptions['dataConverter'];
  tuning?: Pick<
    WorkerOptions,
    'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'shutdownGraceTime'
  > & {
    /**
     * ms one call into the workflow sandbox may run (WORKER_ISOLATE_EXECUTION_TIMEOUT_MS).
     * SDK 1.24 reads it from the worker options (its defaults, then ours) but leaves it out of
     * the `WorkerOptions` type ("not exposed at the moment"); worker-options.test.ts checks
     * that it still takes effect.
     */
    isolateExecutionTimeout?: number;
  };
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const workerOptions: WorkerOptions & { isolateExecutionTimeout: number } = {
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.sinks ? { sinks: options.sinks } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    shutdownGraceTime: '20 seconds',
    isolateExecutionTimeout: ISOLATE_EXECUTION_TIMEOUT_MS,
    ...options.tuning,
  };
  return Worker.create(workerOptions);
}
