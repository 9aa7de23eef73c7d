/**
 * Captures the worker side's logs (workflow and activity loggers, forwarded Core logs) by
 * installing the Temporal Runtime with a collecting logger at INFO. Import this module before
 * `@code-factory/testkit/stack`: it installs its own WARN logger only if no Runtime exists yet.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

/** One JSON line per log entry, in arrival order. */
export const workerLogs: string[] = [];
export let workerLogsCaptured = false;

function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

try {
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      workerLogs.push(stringify({ level: entry.level, message: entry.message, meta: entry.meta }));
    }),
  });
  workerLogsCaptured = true;
} catch {
  // A Runtime is installed already in this process: worker logs cannot be captured.
}
