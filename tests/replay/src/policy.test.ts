/**
 * The versioning policy (docs/architecture.md#versioning), held to: the 1.0 recordings and
 * every later one are sealed (SHA256SUMS), so replay.test.ts always replays what old runs
 * really did; and every `patched()` / `deprecatePatch()` in the workflows names a change in
 * `WORKFLOW_CHANGES` that has a recording of its new shape. Together: a change to a recorded
 * command sequence fails replay unless it is behind a registered patch, and the recordings
 * cannot be re-made to hide it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WORKFLOW_CHANGES } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR, sealed, sha256 } from './record-helpers';

const SOURCE_DIR = resolve(import.meta.dirname, '../../../packages/workflows/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Each `patched(…)` / `deprecatePatch(…)` call in the workflow code, with its id when literal. */
function patchCalls(): { file: string; call: string; id: string | null }[] {
  return sources(SOURCE_DIR).flatMap((file) => {
    // Code only: comments may name the calls.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    return [...text.matchAll(/\b(patched|deprecatePatch)\(\s*([^)]*)\)/g)].map((m) => ({
      file: file.slice(SOURCE_DIR.length + 1),
      call: m[1] as string,
      id: /^'([a-z0-9-]+)'$/.exec((m[2] as string).trim())?.[1] ?? null,
    }));
  });
}

const recordings = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('the recordings are sealed', () => {
  const seals = sealed();

  it('every recording is in SHA256SUMS, unchanged, and nothing sealed is missing', () => {
    expect(seals.size).toBeGreaterThan(0);
    const retired = new Set(WORKFLOW_CHANGES.flatMap((c) => c.retiredRecordings ?? []));
    for (const file of recordings) {
      expect(seals.get(file), `${file} is not sealed in SHA256SUMS`).toBeDefined();
      expect(sha256(join(HISTORIES_DIR, file)), `${file} changed after it was sealed`).toBe(
        seals.get(file),
      );
    }
    for (const file of seals.keys()) {
      if (retired.has(file)) continue;
      expect(recordings, `${file} is sealed but missing`).toContain(file);
    }
  });
});

describe('every patch is a registered change', () => {
  const calls = patchCalls();

  it('patch ids are string literals (so this test can read them)', () => {
    for (const call of calls) {
      expect(call.id, `${call.file}: ${call.call}() without a literal id`).not.toBeNull();
    }
  });

  it('each call names a change in WORKFLOW_CHANGES, in the state the call says', () => {
    const byId = new Map(WORKFLOW_CHANGES.map((c) => [c.id, c]));
    for (const call of calls) {
      const change = byId.get(call.id ?? '');
      expect(change, `${call.file}: ${call.id} is not in WORKFLOW_CHANGES`).toBeDefined();
      expect(change?.state).toBe(call.call === 'patched' ? 'patched' : 'deprecated');
    }
  });

  it('each live change is called, has a recording of its new shape, and ids are unique', () => {
    const ids = WORKFLOW_CHANGES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const change of WORKFLOW_CHANGES) {
      if (change.state !== 'retired') {
        expect(calls.map((c) => c.id)).toContain(change.id);
      }
      expect(change.recordings.length, `${change.id} has no recording`).toBeGreaterThan(0);
      for (const file of change.recordings) expect(recordings).toContain(file);
      for (const file of change.retiredRecordings ?? []) expect(recordings).not.toContain(file);
    }
  });
});
