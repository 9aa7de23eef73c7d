/** What both history recorders share: where histories go, and waiting. */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** The hashes that seal the recordings (`sha256sum -c SHA256SUMS` in the folder checks them). */
export const SUMS_FILE = resolve(HISTORIES_DIR, 'SHA256SUMS');

/** File name → sha256 of every sealed recording. */
export function sealed(): Map<string, string> {
  if (!existsSync(SUMS_FILE)) return new Map();
  const lines = readFileSync(SUMS_FILE, 'utf8').split('\n').filter(Boolean);
  return new Map(
    lines.map((line) => {
      const [hash, file] = line.split(/\s+\*?/);
      return [file as string, hash as string];
    }),
  );
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Records a workflow's history for the replay test and seals it (a line in SHA256SUMS). A
 * sealed recording is never written again: a change to the workflow records its new shape
 * next to it, `RECORD_SUFFIX=.<change id>` saving `<name>.<change id>.json`
 * (docs/architecture.md#versioning).
 */
export async function save(base: string, handle: WorkflowHandle): Promise<void> {
  const name = `${base}${process.env.RECORD_SUFFIX ?? ''}`;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const seals = sealed();
  // The latest run under `<name>.json`; the runs it continued from (a task continues as new
  // once its agent runs) under `<name>.earlier-<n>.json`, 1 being the one just before it.
  let history = await handle.fetchHistory();
  for (let back = 0; ; back++) {
    const file = back === 0 ? `${name}.json` : `${name}.earlier-${back}.json`;
    if (seals.has(file)) {
      throw new Error(
        `${file} is sealed (SHA256SUMS): record the new shape with RECORD_SUFFIX=.<change id>`,
      );
    }
    // The same JSON shape as `temporal workflow show --output json` and the Web UI's download.
    const json = JSON.stringify(JSON.parse(historyToJSON(history)), null, 1);
    const path = resolve(HISTORIES_DIR, file);
    writeFileSync(path, `${json}\n`);
    appendFileSync(SUMS_FILE, `${sha256(path)}  ${file}\n`);
    console.log(`recorded ${file}: ${history.events?.length ?? 0} events`);
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const previous = started?.continuedExecutionRunId;
    if (!previous) return;
    history = await handle.client.getHandle(handle.workflowId, previous).fetchHistory();
  }
}
