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
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FakeCoder, startFakeCoder, until } from '@code-factory/testkit';
import { freePort } from '@code-factory/testkit/stack';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const wanted = process.env.TEST_BUILD === '1';
const NODE_FLAGS = ['--enable-source-maps', '--conditions=compiled'];

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  startedAt: number;
}

function start(command: string, args: string[], env: Record<string, string>): Started {
  const startedAt = performance.now();
  const child = spawn(command, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => out.push(c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out.join(''), exited, startedAt };
}

/** ms from spawn to the worker polling, and its log. */
async function untilPolling(worker: Started): Promise<number> {
  await until(
    () =>
      /"msg":"Worker state changed".*"state":"RUNNING"/.test(worker.output()) ||
      worker.child.exitCode !== null,
    'the worker polling',
    120_000,
    20,
  );
  const elapsed = performance.now() - worker.startedAt;
  expect(worker.output()).not.toContain('fatal');
  return elapsed;
}

describe.skipIf(!wanted)('the built JavaScript (pnpm build; pnpm test:build)', () => {
  let coder: FakeCoder;
  let workerEnv: Record<string, string>;
  beforeAll(async () => {
    for (const file of [
      'apps/worker/dist/main.js',
      'apps/worker/dist/bundles/workflows.js',
      'apps/ingress/dist/main.js',
    ]) {
      if (!existsSync(resolve(root, file)))
        throw new Error(`${file} is missing: run pnpm build first`);
    }
    coder = await startFakeCoder();
    workerEnv = {
      APP_ID: '1',
      PRIVATE_KEY: generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
      CODER_URL: coder.url,
      CODER_TOKEN: coder.token,
      TEMPORAL_ADDRESS: temporalAddress(),
    };
  });
  afterAll(async () => {
    await coder?.close();
  });

  it('starts the compiled worker on the prebuilt bundle, and it polls', async () => {
    const worker = start(process.execPath, [...NODE_FLAGS, 'apps/worker/dist/main.js'], {
      ...workerEnv,
      TEMPORAL_TASK_QUEUE: `built-${Date.now()}`,
    });
    try {
      const ms = await untilPolling(worker);
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
        const [command, args] =
          kind === 'compiled'
            ? [process.execPath, [...NODE_FLAGS, 'apps/worker/dist/main.js']]
            : [resolve(root, 'node_modules/.bin/tsx'), ['apps/worker/src/main.ts']];
        const worker = start(command, args, {
          ...workerEnv,
          TEMPORAL_TASK_QUEUE: `built-${kind}-${round}`,
        });
        try {
          timings[kind]?.push(await untilPolling(worker));
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
    const ingress = start(process.execPath, [...NODE_FLAGS, 'apps/ingress/dist/main.js'], {
      WEBHOOK_SECRET: 'built-test-secret',
      PORT: String(port),
      TEMPORAL_ADDRESS: temporalAddress(),
    });
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
