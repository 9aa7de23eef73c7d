/**
 * Shared pieces of the fault tests: fakes, the ingress served in-process, the worker either
 * in-process or as a child process (tests/chaos/src/worker-process.ts run with tsx), and a
 * workflow bundle built once per test file and reused across worker restarts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AGENT_LOGIN, CODER_USER, LEAD } from '@code-factory/e2e';
import { startTestIngress } from '@code-factory/e2e/ingress';
import { WORKER_PROCESS_ENTRY } from '@code-factory/e2e/paths';
import { taskName } from '@code-factory/naming';
import {
  type CoderRelease,
  type CoderTimings,
  type FakeCoder,
  type FakeGitHub,
  startFakeCoder,
  startFakeGitHub,
} from '@code-factory/testkit';
import { workflowsPath } from '@code-factory/worker';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';

export const WEBHOOK_SECRET = 'chaos-webhook-secret';

export { AGENT_LOGIN, CODER_USER, LEAD };

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Installed already in this process.
}

let key: string | undefined;
export function privateKey(): string {
  key ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return key;
}

let bundlePath: Promise<string> | undefined;
/** The workflow bundle, built once per process and written to a file workers load. */
export function workflowBundlePath(): Promise<string> {
  bundlePath ??= (async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      logger: new DefaultLogger('WARN'),
    });
    const path = join(mkdtempSync(join(tmpdir(), 'chaos-bundle-')), 'workflows.js');
    writeFileSync(path, code);
    return path;
  })();
  return bundlePath;
}

export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface World {
  address: string;
  coder: FakeCoder;
  github: FakeGitHub;
  repo: { owner: string; name: string };
  prefix: string;
  taskQueue: string;
  client: Client;
  /** Worker configuration as environment variables (WorkerConfigSchema). */
  workerEnv: Record<string, string>;
  taskName(issueNumber: number): string;
  ingressUrl: string;
  ingressLogs: string[];
  deliver(
    event: string,
    payload: unknown,
    deliveryId?: string,
  ): Promise<{ status: number; body: unknown; ms: number }>;
  close(): Promise<void>;
}

export interface WorldOptions {
  address: string;
  coderTimings?: Partial<CoderTimings>;
  /** TEMPORAL_SIGNAL_TIMEOUT_MS of the ingress. */
  signalTimeoutMs?: number;
  workerEnv?: Record<string, string>;
  /** Default `2.36` with Coder Tasks; `current` runs Coder Agents (detected). */
  coderRelease?: CoderRelease;
}

/** Fakes + ingress (in-process) + a client; the worker is started by the test. */
export async function startWorld(options: WorldOptions): Promise<World> {
  const { address } = options;
  // Most fault tests drive Coder Tasks (their faults target task routes), so the fake plays
  // Coder 2.36, the last release with Tasks, unless a test asks for today's Coder.
  const release = options.coderRelease ?? '2.36';
  const coder = await startFakeCoder({
    release,
    timings: { pendingMs: 20, initializingMs: 40, workingMs: 40, ...options.coderTimings },
  });
  const github = await startFakeGitHub({});
  const repo = { owner: `chaos-${randomUUID().slice(0, 6)}`, name: 'widgets' };
  coder.addUser({ username: CODER_USER, githubUserId: LEAD.id });
  github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);
  const taskQueue = `chaos-${randomUUID()}`;
  const prefix = `c${randomUUID().slice(0, 4)}`;
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CODER_TASK_NAME_PREFIX: prefix,
    AGENT_GITHUB_USERNAME: AGENT_LOGIN,
  };
  const workerEnv = {
    ...common,
    APP_ID: '1',
    PRIVATE_KEY: privateKey(),
    GITHUB_API_URL: github.url,
    CODER_URL: coder.url,
    CODER_TOKEN: coder.token,
    AGENT_POLL_INTERVAL_MS: '50',
    AGENT_STARTUP_TIMEOUT_MS: '60000',
    AGENT_ERROR_GRACE_MS: '500',
    ...(release === '2.36' ? { CODER_BACKEND: 'tasks' } : {}),
    ...options.workerEnv,
  };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });

  const ingress = await startTestIngress({
    address,
    taskQueue,
    prefix,
    agentLogin: AGENT_LOGIN,
    webhookSecret: WEBHOOK_SECRET,
    botLogin: github.botLogin,
    signalTimeoutMs: options.signalTimeoutMs ?? 5_000,
  });

  return {
    address,
    coder,
    github,
    repo,
    prefix,
    taskQueue,
    client,
    workerEnv,
    taskName: (n) => taskName(prefix, repo, n),
    ingressUrl: ingress.url,
    ingressLogs: ingress.logs,
    deliver: ingress.deliver,
    async close() {
      await ingress.close();
      await connection.close();
      await Promise.all([coder.close(), github.close()]);
    },
  };
}

const require = createRequire(import.meta.url);
const WORKER_ENTRY = WORKER_PROCESS_ENTRY;

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker polls. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  rss(): Promise<number>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Runs worker-process.ts under tsx's loader in a child node process (no tsx wrapper process). */
export function spawnWorker(
  env: Record<string, string>,
  entry = WORKER_ENTRY,
  extra: { stdout?: 'inherit' | 'ignore' } = {},
): WorkerProcess {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', loader, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', extra.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    child.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') done();
    });
    void exited.then((code) => fail(new Error(`worker process exited (${code}) before ready`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    exited,
    rss: () =>
      new Promise((done) => {
        const onMessage = (m: { type?: string; rss?: number }) => {
          if (m?.type !== 'rss') return;
          child.off('message', onMessage);
          done(m.rss ?? 0);
        };
        child.on('message', onMessage);
        child.send({ type: 'rss' });
      }),
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
