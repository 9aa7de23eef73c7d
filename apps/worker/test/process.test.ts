/**
 * The worker as operators run it: a process configured by the environment. Bad config
 * stops it with the variable's name (never its value); a good one starts, serves
 * Prometheus metrics, logs JSON, and exits cleanly on SIGTERM.
 */
import { until } from '@code-factory/testkit';
import { freePort } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { metricsWith, startProcess, suiteCoder, workerEnv } from './product-process';

const waitFor = (check: () => boolean | Promise<boolean>) =>
  until(check, 'the worker process', 60_000, 100);

describe('worker process', () => {
  const coder = suiteCoder();

  it('stops at start when CODER_BACKEND=tasks meets a Coder without Tasks, naming the fix', async () => {
    const { output, exited } = startProcess(
      workerEnv(coder, { CODER_BACKEND: 'tasks', TEMPORAL_ADDRESS: temporalAddress() }),
    );
    expect(await exited).toBe(1);
    expect(output()).toContain('CODER_BACKEND=tasks, but Coder v2.39.0 has no Tasks API');
    expect(output()).toContain('Unset CODER_BACKEND (or set it to auto or agents)');
    expect(output()).not.toContain(coder.token);
  });

  it('waits for a Coder that is not reachable instead of exiting', async () => {
    const nowhere = { url: `http://127.0.0.1:${await freePort()}`, token: 'unused' };
    const { child, output } = startProcess(
      workerEnv(nowhere, { TEMPORAL_ADDRESS: temporalAddress() }),
    );
    try {
      await waitFor(() => output().includes('"msg":"Coder not reachable; trying again"'));
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a bad configuration, naming the variable and not the value', async () => {
    const secret = 'tok-should-never-print';
    const { output, exited } = startProcess({
      APP_ID: 'x',
      CODER_TOKEN: secret,
      CODER_URL: 'not a url',
    });
    expect(await exited).toBe(1);
    expect(output()).toContain('APP_ID');
    expect(output()).toContain('CODER_URL');
    expect(output()).toContain('PRIVATE_KEY: is required');
    expect(output()).not.toContain(secret);
  });

  it('starts, serves metrics, logs JSON, and stops on SIGTERM', async () => {
    const metricsPort = await freePort();
    const { child, output, exited } = startProcess(
      workerEnv(coder, {
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: `process-test-${metricsPort}`,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      }),
    );
    try {
      await waitFor(() => output().includes('"msg":"worker started"'));
      const started = output()
        .split('\n')
        .find((line) => line.includes('"msg":"worker started"'));
      expect(JSON.parse(started ?? '{}')).toMatchObject({
        level: 'info',
        taskQueue: `process-test-${metricsPort}`,
      });
      // Both schedules are registered before the worker starts polling.
      expect(output()).toMatch(/"msg":"webhook-redelivery schedule (created|updated)"/);
      expect(output()).toMatch(/"msg":"stuck-tasks schedule (created|updated)"/);
      // What the worker found in Coder, logged once.
      const detected = output()
        .split('\n')
        .filter((line) => line.includes('"msg":"coder backend detected"'));
      expect(detected).toHaveLength(1);
      expect(JSON.parse(detected[0] ?? '{}')).toMatchObject({
        backend: 'agents',
        version: 'v2.39.0',
        chatsPath: '/api/v2/chats',
        tasksApi: false,
        setting: 'auto',
      });
      expect(await metricsWith(metricsPort, 'temporal_')).toContain('temporal_');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
