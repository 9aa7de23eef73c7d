/** What both history recorders share: where histories go, and waiting. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR =
  process.env.HISTORIES_DIR ??
  resolve(import.meta.dirname, '../../../packages/workflows/test/fixtures/histories');

export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // The same JSON shape as `temporal workflow show --output json` and the Web UI's download.
  const json = JSON.stringify(JSON.parse(historyToJSON(history)), null, 1);
  writeFileSync(resolve(HISTORIES_DIR, `${name}.json`), `${json}\n`);
  console.log(`recorded ${name}: ${history.events?.length ?? 0} events`);
}
