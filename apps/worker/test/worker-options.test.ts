/**
 * The sandbox-call timeout (WORKER_ISOLATE_EXECUTION_TIMEOUT_MS) reaches the SDK. SDK 1.24
 * reads `isolateExecutionTimeout` from the worker options without typing it, so a future SDK
 * could drop it silently: this test is what would notice.
 */
import { randomUUID } from 'node:crypto';
import { workflowBundle } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createWorker } from '../src/worker';

describe('worker options', () => {
  it('runs workflow code with a 60 s sandbox-call timeout unless told otherwise', async () => {
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    try {
      const base = {
        connection,
        namespace: 'default',
        activities: {} as Parameters<typeof createWorker>[0]['activities'],
        workflowBundle: await workflowBundle(),
      };
      const byDefault = await createWorker({ ...base, taskQueue: `options-${randomUUID()}` });
      const tuned = await createWorker({
        ...base,
        taskQueue: `options-${randomUUID()}`,
        tuning: { isolateExecutionTimeout: 120_000 },
      });
      expect(byDefault.options.isolateExecutionTimeoutMs).toBe(60_000);
      expect(tuned.options.isolateExecutionTimeoutMs).toBe(120_000);
      // A worker holds its connection until it has run and stopped.
      for (const worker of [byDefault, tuned]) {
        const running = worker.run();
        worker.shutdown();
        await running;
      }
    } finally {
      await connection.close();
    }
  });
});
