/** What both history recorders share: where histories go, and waiting. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { until as waitUntil } from '@code-factory/testkit';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR =
  process.env.HISTORIES_DIR ??
  resolve(import.meta.dirname, '../../../packages/workflows/test/fixtures/histories');

/** The test kit's `until`, but a probe that throws (a workflow not started yet) counts as "not yet". */
export function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return waitUntil(
    () =>
      Promise.resolve()
        .then(probe)
        .catch(() => undefined),
    what,
    timeoutMs,
    50,
  );
}

/**
 * `RECORD_SUFFIX=.some-patch` saves `<name>.some-patch.json`: a recording of a newer shape
 * next to the older one, which stays to prove old runs still replay.
 */
export async function save(base: string, handle: WorkflowHandle): Promise<void> {
  const name = `${base}${process.env.RECORD_SUFFIX ?? ''}`;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // The latest run under `<name>.json`; the runs it continued from (a task continues as new
  // once its agent runs) under `<name>.earlier-<n>.json`, 1 being the one just before it.
  let history = await handle.fetchHistory();
  for (let back = 0; ; back++) {
    const file = back === 0 ? `${name}.json` : `${name}.earlier-${back}.json`;
    // The same JSON shape as `temporal workflow show --output json` and the Web UI's download.
    const json = JSON.stringify(JSON.parse(historyToJSON(history)), null, 1);
    writeFileSync(resolve(HISTORIES_DIR, file), `${json}\n`);
    console.log(`recorded ${file}: ${history.events?.length ?? 0} events`);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const previous = started?.continuedExecutionRunId;
    if (!previous) return;
    history = await handle.client.getHandle(handle.workflowId, previous).fetchHistory();
  }
}
