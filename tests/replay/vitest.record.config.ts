/**
 * Vitest config for recording replay histories only (the root config never includes
 * `record.histories.ts` or `record-agents.histories.ts`):
 *
 *   RECORD_HISTORIES=1 pnpm exec vitest run --config tests/replay/vitest.record.config.ts
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(import.meta.dirname, '../..');

export default defineConfig({
  test: {
    root,
    include: [
      'tests/replay/src/record.histories.ts',
      'tests/replay/src/record-agents.histories.ts',
    ],
    globalSetup: [resolve(root, 'infra/test/temporal-global-setup.ts')],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
