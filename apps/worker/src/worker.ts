/**
 * Builds the Temporal worker: the workflow bundle from @code-factory/workflows and the
 * activities from this app. Used by `main.ts` and by tests, so both run the same worker.
 */
import { createRequire } from 'node:module';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { WorkerActivities } from './activities';

const require = createRequire(import.meta.url);

export const workflowsPath = require.resolve('@code-factory/workflows/workflows');

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
  >;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    ...(options.sinks ? { sinks: options.sinks } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    shutdownGraceTime: '20 seconds',
    ...options.tuning,
  });
}
