/**
 * A worker process for isolate-timeout.test.ts: one workflow (`spinWorkflow`) and a short
 * sandbox-call timeout. Prints `polling` once polling; the test watches how it ends.
 * Environment: TEMPORAL_ADDRESS, TASK_QUEUE, ISOLATE_TIMEOUT_MS.
 */
import { resolve } from 'node:path';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
// SDK 1.24 reads isolateExecutionTimeout without typing it (see apps/worker/src/worker.ts).
const options: WorkerOptions & { isolateExecutionTimeout: number } = {
  connection,
  taskQueue: process.env.TASK_QUEUE ?? 'isolate-timeout',
  workflowsPath: resolve(import.meta.dirname, 'workflows.ts'),
  isolateExecutionTimeout: Number(process.env.ISOLATE_TIMEOUT_MS ?? 200),
};
const worker = await Worker.create(options);
process.on('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write(`polling on Node ${process.version}\n`);
await running;
await connection.close();
