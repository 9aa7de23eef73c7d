/**
 * The product as operators start it: a process with only PATH, HOME and its own environment,
 * its output collected; the worker from the sources (`apps/worker/src/main.ts` under tsx) by
 * default. Used by the process, schedule-keys and built tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type FakeCoder, startFakeCoder, testAppKey, until } from '@code-factory/testkit';
import { afterAll, beforeAll } from 'vitest';

export const root = resolve(import.meta.dirname, '../../..');
export const tsx = resolve(root, 'node_modules/.bin/tsx');

export interface ProductProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  startedAt: number;
}

export function startProcess(
  env: Record<string, string>,
  [command, ...args]: string[] = [tsx, 'apps/worker/src/main.ts'],
): ProductProcess {
  const startedAt = performance.now();
  const child = spawn(command ?? tsx, args, {
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

/** A fake Coder for the enclosing suite: started before its tests, closed after them. */
export function suiteCoder(): { url: string; token: string } {
  let coder: FakeCoder | undefined;
  beforeAll(async () => {
    coder = await startFakeCoder();
  });
  afterAll(async () => {
    await coder?.close();
  });
  const started = () => {
    if (!coder) throw new Error('the suite’s fake Coder starts before its tests');
    return coder;
  };
  return {
    get url() {
      return started().url;
    },
    get token() {
      return started().token;
    },
  };
}

/** A worker environment against `coder`: the tests' App key, and `more`. */
export function workerEnv(
  coder: { url: string; token: string },
  more: Record<string, string>,
): Record<string, string> {
  return {
    APP_ID: '1',
    PRIVATE_KEY: testAppKey().pkcs1,
    CODER_URL: coder.url,
    CODER_TOKEN: coder.token,
    ...more,
  };
}

/** Waits until the worker polls (the SDK's RUNNING) or exits; ms from spawn to then. */
export async function untilPolling(worker: ProductProcess, timeoutMs = 90_000): Promise<number> {
  const running = () => /"state":"RUNNING"/.test(worker.output()) || worker.child.exitCode !== null;
  await until(running, 'the worker polling', timeoutMs, 20);
  return performance.now() - worker.startedAt;
}

/** The worker's metrics page once it shows `wanted`. */
export async function metricsWith(port: number, wanted: string): Promise<string> {
  const read = () =>
    fetch(`http://127.0.0.1:${port}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
  return until(
    async () => {
      const metrics = await read();
      return metrics.includes(wanted) && metrics;
    },
    `metrics with ${wanted}`,
    20_000,
    100,
  );
}
