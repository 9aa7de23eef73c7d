/**
 * The worker as its own process, built the way worker.ts and apps/worker/src/main.ts build it
 * (the activities of depsFromConfig(config) + createWorker), configured from the environment:
 * the chaos tests SIGKILL it and start it again, the bench measures its RSS.
 * Spawn it with `spawnWorker` (child.ts).
 *
 * Extra variables (test-only):
 *  - WORKFLOW_BUNDLE_PATH: a prebuilt workflow bundle (saves the bundling time on restarts);
 *  - WORKER_TUNING: JSON of extra Worker options (maxCachedWorkflows, ...);
 *  - HEAP_SNAPSHOT_ABOVE_MIB (and HEAP_SNAPSHOT_DIR): one heap snapshot of the main thread the
 *    first time its used heap passes that many MiB (the bench's `--heap-snapshot-above`).
 *
 * IPC (when spawned with an IPC channel): sends `{ type: 'ready' }` once polling; answers
 * `{ type: 'rss' }` with `{ type: 'rss', rss, heapUsed, peakRss }` (peak: Linux's VmHWM, 0
 * elsewhere); `{ type: 'shutdown' }` stops gracefully.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { codecDataConverter } from '@code-factory/codec';
import { parseEnv, WorkerConfigSchema } from '@code-factory/config';
import type { CreateWorkerOptions } from '@code-factory/worker';
import { Client, Connection } from '@temporalio/client';
import { buildWorker, quietRuntime } from './worker';

async function main(): Promise<void> {
  quietRuntime('ERROR');
  const config = parseEnv(WorkerConfigSchema, process.env);
  const client = new Client({
    connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
    namespace: 'default',
    // Payloads encrypted like the real worker's when PAYLOAD_CODEC_KEYS is set.
    dataConverter: codecDataConverter(config.PAYLOAD_CODEC_KEYS),
  });
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  // createWorker spreads `tuning` into Worker.create: extra options pass through at run time.
  const tuning: CreateWorkerOptions['tuning'] = JSON.parse(process.env.WORKER_TUNING ?? '{}');
  const { connection, deps, worker } = await buildWorker(config, client, {
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
    // The worker's own default cache (WORKER_MAX_CACHED_WORKFLOWS), as main.ts passes it.
    tuning: { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS, ...tuning },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, deps.releaseStreams);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'rss') {
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ type: 'rss', rss, heapUsed, peakRss: peakRss() });
    } else if (message?.type === 'shutdown') {
      deps.releaseStreams();
      worker.shutdown();
    }
  });
  snapshotHeapOnce(
    Number(process.env.HEAP_SNAPSHOT_ABOVE_MIB ?? 0),
    process.env.HEAP_SNAPSHOT_DIR ?? '.',
  );
  const running = worker.run();
  process.send?.({ type: 'ready' });
  await running;
  await connection.close();
  await client.connection.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`worker-process: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/** Checks the used heap every second; past `mib` (0: never) writes one snapshot and stops. */
function snapshotHeapOnce(mib: number, dir: string): void {
  if (!(mib > 0)) return;
  const timer = setInterval(() => {
    if (process.memoryUsage().heapUsed < mib * 1024 * 1024) return;
    clearInterval(timer);
    const file = writeHeapSnapshot(join(dir, `worker-${process.pid}-${Date.now()}.heapsnapshot`));
    process.stderr.write(`worker-process: heap past ${mib} MiB, snapshot in ${file}\n`);
  }, 1_000);
  timer.unref();
}

/** The process's highest RSS so far (VmHWM in /proc/self/status), in bytes; 0 off Linux. */
function peakRss(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0;
  }
}
