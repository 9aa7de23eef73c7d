/**
 * What `pnpm build` produces starts: the compiled worker (`node --conditions=compiled
 * --enable-source-maps apps/worker/dist/main.js`, as `pnpm start` and the images run it) polls
 * with the prebuilt workflow bundle, and the compiled ingress answers /healthz. It also
 * measures the worker's start-up, process spawn to the SDK's "Worker state changed RUNNING"
 * (polling begins), compiled against the sources run with tsx (docs/deployment.md).
 *
 * Needs the build: runs with `pnpm test:build` (TEST_BUILD=1, after `pnpm build`), and is
 * skipped, saying so, in `pnpm test`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { until } from '@code-factory/testkit';
import { freePort } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ProductProcess,
  root,
  startProcess,
  suiteCoder,
  tsx,
  untilPolling,
  workerEnv,
} from './product-process';

const wanted = process.env.TEST_BUILD === '1';
const NODE_FLAGS = ['--enable-source-maps', '--conditions=compiled'];
const compiled = (main: string) => [process.execPath, ...NODE_FLAGS, main];

/** ms from spawn to the worker polling, and its log. */
async function polling(worker: ProductProcess): Promise<number> {
  const elapsed = await untilPolling(worker, 120_000);
  expect(worker.output()).not.toContain('fatal');
  return elapsed;
}

describe.skipIf(!wanted)('the built JavaScript (pnpm build; pnpm test:build)', () => {
  const coder = suiteCoder();
  let env: Record<string, string>;
  beforeAll(async () => {
    for (const file of [
      'apps/worker/dist/main.js',
      'apps/worker/dist/bundles/workflows.js',
      'apps/ingress/dist/main.js',
    ]) {
      if (!existsSync(resolve(root, file)))
        throw new Error(`${file} is missing: run pnpm build first`);
    }
    env = workerEnv(coder, { TEMPORAL_ADDRESS: temporalAddress() });
  });

  it('starts the compiled worker on the prebuilt bundle, and it polls', async () => {
    const queue = { TEMPORAL_TASK_QUEUE: `built-${Date.now()}` };
    const worker = startProcess({ ...env, ...queue }, compiled('apps/worker/dist/main.js'));
    try {
      const ms = await polling(worker);
      const started = worker
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"worker started"'));
      expect(JSON.parse(started ?? '{}')).toMatchObject({ workflowBundle: 'prebuilt' });
      expect(worker.output()).not.toContain('Workflow bundle created');
      process.stdout.write(`[built] compiled worker polling ${Math.round(ms)} ms after spawn\n`);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });

  it('is faster to start than the sources with tsx (measured, both printed)', async () => {
    const timings: Record<string, number[]> = { compiled: [], tsx: [] };
    for (let round = 0; round < 2; round++) {
      for (const kind of ['compiled', 'tsx'] as const) {
        const command =
          kind === 'compiled'
            ? compiled('apps/worker/dist/main.js')
            : [tsx, 'apps/worker/src/main.ts'];
        const worker = startProcess(
          { ...env, TEMPORAL_TASK_QUEUE: `built-${kind}-${round}` },
          command,
        );
        try {
          timings[kind]?.push(await polling(worker));
          worker.child.kill('SIGTERM');
          await worker.exited;
        } finally {
          worker.child.kill('SIGKILL');
        }
      }
    }
    process.stdout.write(`[built] worker start to polling, ms: ${JSON.stringify(timings)}\n`);
    expect(Math.min(...(timings.compiled ?? []))).toBeLessThan(Math.min(...(timings.tsx ?? [])));
  });

  it('starts the compiled ingress, which answers /healthz', async () => {
    const port = await freePort();
    const ingress = startProcess(
      {
        WEBHOOK_SECRET: 'built-test-secret',
        PORT: String(port),
        TEMPORAL_ADDRESS: temporalAddress(),
      },
      compiled('apps/ingress/dist/main.js'),
    );
    try {
      await until(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/healthz`)
            .then((r) => r.ok)
            .catch(() => false)) || ingress.child.exitCode !== null,
        'the compiled ingress',
        60_000,
        50,
      );
      expect(ingress.child.exitCode, ingress.output()).toBeNull();
      ingress.child.kill('SIGTERM');
      await ingress.exited;
    } finally {
      ingress.child.kill('SIGKILL');
    }
  });
});
