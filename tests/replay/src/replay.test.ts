/**
 * Replay safety (docs/gotchas.md#replay-and-bad-input): every recorded history in
 * packages/workflows/test/fixtures/histories (the 1.0 baseline and the recordings of each
 * change since) must replay against the worker's current workflow bundle without a
 * determinism error. A change that alters the command sequence of old runs fails here unless
 * it follows the versioning policy (docs/architecture.md#versioning; policy.test.ts).
 *
 * The histories are recorded with
 *   RECORD_HISTORIES=1 pnpm exec vitest run --config tests/replay/vitest.record.config.ts
 * (see record.histories.ts and the README next to the histories).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { workflowsPath } from '@code-factory/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type ReplayResult,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';

const HISTORIES_DIR = resolve(
  import.meta.dirname,
  '../../../packages/workflows/test/fixtures/histories',
);
const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(resolve(HISTORIES_DIR, file), 'utf8')));
}

const quiet = new DefaultLogger('WARN');
try {
  Runtime.install({ logger: quiet });
} catch {
  // Installed already in this process.
}

describe('recorded histories replay against the current workflow code', () => {
  const results = new Map<string, ReplayResult>();

  beforeAll(async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    const histories = files.map((file) => ({ workflowId: file, history: load(file) }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      results.set(result.workflowId, result);
    }
  });

  it('has recorded histories of both workflow kinds and the main paths', () => {
    expect(files.some((f) => f.startsWith('task-'))).toBe(true);
    expect(files.some((f) => f.startsWith('repository-'))).toBe(true);
    expect(files.some((f) => f.startsWith('slots-'))).toBe(true);
    expect(files.some((f) => f.startsWith('agent-watch-'))).toBe(true);
    // One per kind of life: Coder Tasks, Coder Agents with pushes (closed while busy; a
    // start-up run and the run it continued into), budget and retry, fleet controls, Coder down.
    for (const life of [
      'task-assign-ready-close.json',
      'task-continue-as-new-first-run.json',
      'task-agents-live-close.json',
      'task-agents-continued-comment-close.earlier-1.json',
      'task-agents-continued-comment-close.json',
      'task-agents-budget-retry-close.json',
      'task-fleet-queued-paused-commands-release.json',
      'task-agents-coder-down-deliver.json',
    ]) {
      expect(files).toContain(life);
    }
  });

  it.each(files)('%s replays without a determinism error', (file) => {
    const result = results.get(file);
    expect(result, `no replay result for ${file}`).toBeDefined();
    expect(result?.error, String(result?.error)).toBeUndefined();
  });
});

describe('negative control', () => {
  let changed: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    changed = await bundleWorkflowCode({
      workflowsPath: resolve(import.meta.dirname, 'fixtures/changed-workflows.ts'),
      logger: quiet,
    });
  });

  it('a task workflow with a different command order fails replay', async () => {
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: changed },
        load('task-assign-ready-close.json'),
        'task-assign-ready-close',
      ),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
