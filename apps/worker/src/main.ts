/**
 * The worker process: runs the task workflows and every Coder and GitHub call.
 * Configuration comes from the environment (see docs/configuration.md).
 */
import { codecDataConverter, parseCodecKeys } from '@code-factory/codec';
import { describeChoice } from '@code-factory/coder';
import {
  ConfigError,
  parseEnv,
  stuckThresholds,
  temporalSettings,
  WorkerConfigSchema,
} from '@code-factory/config';
import { Client, Connection } from '@temporalio/client';
import { makeTelemetryFilterString, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from './activities';
import { announceCoder, depsFromConfig, manageOwnerKeys } from './deps';
import { createFleetActivities } from './fleet-activities';
import { WorkerLogger } from './logging';
import { createRedeliveryActivities } from './redelivery-activities';
import { createRepoConfigActivities } from './repo-config-activities';
import { setupTracing } from './tracing';
import { createWorker } from './worker';
import { keepWorkerSchedules } from './worker-schedules';
import { prebuiltWorkflowBundle } from './workflow-bundle';

async function main(): Promise<void> {
  let config: ReturnType<typeof parseEnv<typeof WorkerConfigSchema>>;
  try {
    config = parseEnv(WorkerConfigSchema, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let tracing: ReturnType<typeof setupTracing>;
  try {
    // Off (null) unless an OTLP endpoint is configured; see docs/operations.md, "Tracing".
    tracing = setupTracing(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = new WorkerLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  Runtime.install({
    logger,
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(config.WORKER_METRICS_ADDRESS
        ? { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } }
        : {}),
    },
  });
  const settings = temporalSettings(process.env);
  // Encrypts every payload when PAYLOAD_CODEC_KEYS is set (docs/configuration.md).
  const dataConverter = codecDataConverter(config.PAYLOAD_CODEC_KEYS);
  const connection = await NativeConnection.connect({
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  });
  // The activities read the repository workflows' stored config through this client.
  const client = new Client({
    connection: await Connection.connect({
      address: settings.address,
      ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      ...(settings.metadata ? { metadata: settings.metadata } : {}),
    }),
    namespace: settings.namespace,
    dataConverter,
    ...(tracing ? { interceptors: tracing.clientInterceptors } : {}),
  });
  // Learns what the Coder deployment offers (CODER_BACKEND=auto by default). A Coder that is
  // down is waited for; a deployment that cannot serve the configured backend stops us.
  let deps: Awaited<ReturnType<typeof depsFromConfig>> | undefined;
  for (let waitMs = 1_000; !deps; waitMs = Math.min(waitMs * 2, 30_000)) {
    try {
      deps = await depsFromConfig(config, client);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`worker: ${err.message}\n`);
        process.exit(1);
      }
      logger.warn('Coder not reachable; trying again', {
        error: err instanceof Error ? err.message : String(err),
        retryInMs: waitMs,
      });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  const coder = describeChoice(deps.coder);
  logger.info('coder backend detected', {
    backend: deps.coder.kind,
    version: deps.coder.capabilities.version ?? 'unknown',
    chatsPath: deps.coder.capabilities.chatsPath ?? 'none',
    tasksApi: deps.coder.capabilities.tasks,
    setting: config.CODER_BACKEND,
    summary: coder,
  });
  await announceCoder(deps);
  // Worker.run() shuts down on these too; the stream holder lets go first, so another worker
  // takes Coder's chat streams over at once instead of after the shutdown grace time.
  // `on`, not `once`: a second signal during the shutdown (a supervisor repeating it) must not
  // fall back to Node's default, which kills the process before it revoked its Coder keys.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, deps.releaseStreams);
  const workflowBundle = prebuiltWorkflowBundle(tracing !== null);
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...createActivities(deps),
      ...createRedeliveryActivities(deps),
      ...createRepoConfigActivities(deps),
      ...createFleetActivities({
        client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        slotCheckIntervalMs: config.SLOT_CHECK_INTERVAL_MS,
      }),
    },
    dataConverter,
    // Built by `pnpm build`: no webpack at start. From the sources, bundled here as before.
    ...(workflowBundle ? { workflowBundle } : {}),
    tuning: {
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      isolateExecutionTimeout: config.WORKER_ISOLATE_EXECUTION_TIMEOUT_MS,
    },
    ...(tracing ? tracing.workerOptions : {}),
  });
  // The redelivery and stuck-tasks schedules, and every schedule of the product brought under
  // the first codec key; an unreadable one is reported, never fatal (docs/configuration.md).
  await keepWorkerSchedules(client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    keys: config.PAYLOAD_CODEC_KEYS ? parseCodecKeys(config.PAYLOAD_CODEC_KEYS) : null,
    logger,
    meter: Runtime.instance().metricMeter,
    redelivery: {
      intervalMs: config.WEBHOOK_REDELIVERY_INTERVAL_MS,
      maxPerRun: config.WEBHOOK_REDELIVERY_MAX_PER_RUN,
    },
    stuck: { intervalMs: config.STUCK_SCAN_INTERVAL_MS, thresholdsMs: stuckThresholds(config) },
  });
  // Worker.run() installs SIGINT/SIGTERM handlers: in-flight activities get the grace time.
  logger.info('worker started', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: settings.namespace,
    address: settings.address,
    metrics: config.WORKER_METRICS_ADDRESS ?? 'off',
    tracing: tracing ? 'otlp' : 'off',
    workflowBundle: workflowBundle ? 'prebuilt' : 'bundled at start',
  });
  const keys = manageOwnerKeys(deps, {
    log: (message, attrs) => logger.warn(message, attrs as Record<string, unknown>),
  });
  await worker.run();
  // No key minted for a chat owner outlives this process.
  const revoked = await keys.stop().catch(() => 0);
  logger.info('owner keys revoked', { revoked });
  await connection.close();
  await client.connection.close();
  await tracing?.shutdown().catch((err: unknown) => {
    logger.warn('flushing traces failed', { error: String(err) });
  });
}

main().catch((err) => {
  process.stderr.write(
    `worker: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
