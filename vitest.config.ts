import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects. `unit`: the `*.test.ts` files under an app's or a package's `src/`; they
 * need no Temporal server and start no child process (`pnpm test:unit`). `integration`:
 * everything under `test/` folders (infra's too) and `tests/*`, with one Temporal dev server for the run,
 * except the files of `slow`. `pnpm test` runs unit and integration, `pnpm test:slow` the slow
 * ones (CI runs both). The rule is written in docs/development.md#tests and checked by
 * tests/docs/src/test-layout.test.ts.
 */
export const UNIT_TESTS = ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts'];

/**
 * Files under `src/` that still need a Temporal server or a child process; each belongs in
 * its package's `test/` folder (listed in issue 11). Until moved they run with the
 * integration project.
 */
export const UNIT_EXCEPTIONS: string[] = [];

export const INTEGRATION_TESTS = [
  'apps/*/test/**/*.test.ts',
  'packages/*/test/**/*.test.ts',
  'tests/*/src/**/*.test.ts',
  'infra/test/**/*.test.ts',
];

/**
 * Integration files that start a Temporal server of their own or run the product as child
 * processes they stop, kill or restart: each costs 10 to 80 s, together more than `pnpm test`
 * may take (6 minutes on 2 cores). `pnpm test:slow` runs them, after `pnpm test` in CI.
 */
export const SLOW_TESTS = [
  'tests/chaos/src/**/*.test.ts',
  'tests/ops/src/**/*.test.ts',
  'tests/e2e/src/coder-keys.test.ts',
  'apps/worker/test/process.test.ts',
  'apps/worker/test/isolate-timeout.test.ts',
  'apps/worker/test/schedule-keys.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two integration files at a time even on 2 cores (vitest's default there is one): they
    // mostly wait on Temporal and the fakes, not on the CPU.
    poolOptions: { threads: { isolate: false }, forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        // Unit tests hold no process-wide state (no Temporal Runtime, no child process), so one
        // module graph serves every file of a worker (threads without isolation): loading it
        // again per file cost more than the tests themselves (73 s against 16 s on 2 cores).
        test: { name: 'unit', include: UNIT_TESTS, exclude: UNIT_EXCEPTIONS, pool: 'threads' },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [...INTEGRATION_TESTS, ...UNIT_EXCEPTIONS],
          exclude: [...configDefaults.exclude, ...SLOW_TESTS],
          globalSetup: ['./infra/test/temporal-global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW_TESTS,
          globalSetup: ['./infra/test/temporal-global-setup.ts'],
        },
      },
    ],
  },
});
