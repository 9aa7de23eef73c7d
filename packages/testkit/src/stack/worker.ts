/**
 * The worker as the tests run it: configured through the production env schema
 * (`WorkerConfigSchema`, so a test exercises the same parsing as a deployment), with either
 * Coder backend, in this process or as a child process (`child.ts`).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { codecDataConverter } from '@code-factory/codec';
import { parseEnv, type WorkerConfig, WorkerConfigSchema } from '@code-factory/config';
import {
  announceCoder,
  type CreateWorkerOptions,
  createActivities,
  createFleetActivities,
  createRedeliveryActivities,
  createRepoConfigActivities,
  createWorker,
  depsFromConfig,
  manageOwnerKeys,
  type WorkerDeps,
  workflowsPath,
} from '@code-factory/worker';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

/** Quiets the SDK (warnings and errors still show) unless a runtime exists already. */
export function quietRuntime(level: 'WARN' | 'ERROR' = 'WARN'): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'DEBUG' : level),
    });
  } catch {
    // Installed already in this process.
  }
}

const ROOT = resolve(import.meta.dirname, '../../../..');

/**
 * Where the workflow bundle of these sources is kept: a file named by a hash of everything
 * webpack could read (every workspace package's sources and manifest, the lockfile), so each
 * test process of a run, and the next run when nothing changed, reads it instead of bundling
 * again (4 s each).
 */
function bundleFile(): string {
  const hash = createHash('sha256')
    .update(ROOT)
    .update(readFileSync(join(ROOT, 'pnpm-lock.yaml')));
  for (const pkg of readdirSync(join(ROOT, 'packages')).sort()) {
    const dir = join(ROOT, 'packages', pkg);
    const src = readdirSync(join(dir, 'src'), { recursive: true }).map((f) => `src/${f}`);
    for (const file of ['package.json', ...src.sort()]) {
      const path = join(dir, file);
      if (statSync(path).isFile()) hash.update(path).update(readFileSync(path));
    }
  }
  return join(tmpdir(), 'code-factory-workflow-bundles', `${hash.digest('hex').slice(0, 16)}.js`);
}

let bundlePath: Promise<string> | undefined;
/** The workflow bundle of the current sources as a file, for `WORKFLOW_BUNDLE_PATH`. */
export function workflowBundlePath(): Promise<string> {
  bundlePath ??= (async () => {
    const path = bundleFile();
    if (existsSync(path)) return path;
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    mkdirSync(join(path, '..'), { recursive: true });
    // Written aside, then renamed: a process that reads it sees all of it or none.
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, path);
    return path;
  })();
  return bundlePath;
}

/** The workflow bundle (`workflowBundlePath`), read once per process. */
export async function workflowBundle(): Promise<{ code: string }> {
  return { code: readFileSync(await workflowBundlePath(), 'utf8') };
}

/** Every activity the production worker registers. */
export function allActivities(deps: WorkerDeps): CreateWorkerOptions['activities'] {
  return {
    ...createActivities(deps),
    ...createRedeliveryActivities(deps),
    ...createRepoConfigActivities(deps),
    ...createFleetActivities({ client: deps.client, taskQueue: deps.taskQueue }),
  };
}

/**
 * The worker as apps/worker/src/main.ts builds it, from its configuration (`WorkerConfigSchema`):
 * the activities of `depsFromConfig`, the bundle (`workflowBundle`) and the sandbox timeout
 * of the config; `options` adds to or overrides the worker options.
 */
export async function buildWorker(
  config: WorkerConfig,
  client: Client,
  options: Partial<CreateWorkerOptions> = {},
) {
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const deps = await depsFromConfig(config, client);
  await announceCoder(deps);
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: allActivities(deps),
    dataConverter: codecDataConverter(config.PAYLOAD_CODEC_KEYS),
    ...options,
    tuning: {
      isolateExecutionTimeout: config.WORKER_ISOLATE_EXECUTION_TIMEOUT_MS,
      ...options.tuning,
    },
  });
  return { connection, deps, worker };
}

/** The worker in this process, from `env` (e.g. `stack.workerEnv`), until `stop()`. */
export async function startInProcessWorker(
  options: {
    env: Record<string, string>;
    client: Client;
    /** OpenTelemetry and the like (tests/tracing): bundled into a bundle of this worker's own. */
    workflowInterceptorModules?: string[];
  } & Pick<CreateWorkerOptions, 'interceptors' | 'sinks'>,
) {
  const { env, client, workflowInterceptorModules, ...hooks } = options;
  const bundle = workflowInterceptorModules
    ? await bundleWorkflowCode({
        workflowsPath,
        workflowInterceptorModules,
        logger: new DefaultLogger('WARN'),
      })
    : await workflowBundle();
  const config = parseEnv(WorkerConfigSchema, env);
  const built = await buildWorker(config, client, { workflowBundle: bundle, ...hooks });
  const { connection, deps, worker } = built;
  const running = worker.run();
  const keys = manageOwnerKeys(deps);
  return {
    deps,
    worker,
    async stop() {
      deps.releaseStreams();
      worker.shutdown();
      await running;
      await keys.stop().catch(() => 0);
      await connection.close();
    },
  };
}

export type InProcessWorkerOptions = Parameters<typeof startInProcessWorker>[0];
export type InProcessWorker = Awaited<ReturnType<typeof startInProcessWorker>>;
