/**
 * The worker as operators run it: a process configured by the environment. Bad config
 * stops it with the variable's name (never its value); a good one starts, serves
 * Prometheus metrics, logs JSON, and exits cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type FakeCoder, startFakeCoder, until } from '@code-factory/testkit';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const tsx = resolve(root, 'node_modules/.bin/tsx');

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function startWorker(env: Record<string, string>) {
  const child = spawn(tsx, ['apps/worker/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c.toString()));
  child.stderr?.on('data', (c: Buffer) => out.push(c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, output: () => out.join(''), exited };
}

const waitFor = (check: () => boolean | Promise<boolean>) =>
  until(check, 'the worker process', 60_000, 100);

function rsaKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

describe('worker process', () => {
  let coder: FakeCoder;
  beforeAll(async () => {
    coder = await startFakeCoder();
  });
  afterAll(async () => {
    await coder?.close();
  });

  it('stops at start when CODER_BACKEND=tasks meets a Coder without Tasks, naming the fix', async () => {
    const { output, exited } = startWorker({
      APP_ID: '1',
      PRIVATE_KEY: rsaKey(),
      CODER_URL: coder.url,
      CODER_TOKEN: coder.token,
      CODER_BACKEND: 'tasks',
      TEMPORAL_ADDRESS: temporalAddress(),
    });
    expect(await exited).toBe(1);
    expect(output()).toContain('CODER_BACKEND=tasks, but Coder v2.39.0 has no Tasks API');
    expect(output()).toContain('Unset CODER_BACKEND (or set it to auto or agents)');
    expect(output()).not.toContain(coder.token);
  });

  it('waits for a Coder that is not reachable instead of exiting', async () => {
    const { child, output } = startWorker({
      APP_ID: '1',
      PRIVATE_KEY: rsaKey(),
      CODER_URL: `http://127.0.0.1:${await freePort()}`,
      CODER_TOKEN: 'unused',
      TEMPORAL_ADDRESS: temporalAddress(),
    });
    try {
      await waitFor(() => output().includes('"msg":"Coder not reachable; trying again"'));
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a bad configuration, naming the variable and not the value', async () => {
    const secret = 'tok-should-never-print';
    const { output, exited } = startWorker({
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
    const { child, output, exited } = startWorker({
      APP_ID: '1',
      PRIVATE_KEY: rsaKey(),
      CODER_URL: coder.url,
      CODER_TOKEN: coder.token,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: `process-test-${metricsPort}`,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    });
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
      let metrics = '';
      await waitFor(async () => {
        metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
        return metrics.includes('temporal_');
      });
      expect(metrics).toContain('temporal_');
      (child as ChildProcess).kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
