/**
 * The test layout rule of docs/development.md#tests: `src/*.test.ts` of apps and packages are
 * unit tests (no Temporal server, no child process) and run with `pnpm test:unit`; `test/`
 * folders and `tests/*` are integration tests, except the slow ones `SLOW_TESTS` lists, which
 * `pnpm test:slow` runs after `pnpm test`. Every test file is in exactly one project.
 */
import { describe, expect, it } from 'vitest';
import { INTEGRATION_TESTS, SLOW_TESTS, UNIT_EXCEPTIONS, UNIT_TESTS } from '../../../vitest.config';
import {
  FORBIDDEN_IN_UNIT,
  globToRegExp,
  importsOf,
  matchesAny,
  testFiles,
  unitFiles,
} from './layout';
import { read } from './repo';

describe('the unit/integration split of vitest.config.ts', () => {
  it('puts every test file in exactly one project', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(0);
    const wrong = files.filter((file) => {
      const unit = matchesAny(UNIT_TESTS, file) && !UNIT_EXCEPTIONS.includes(file);
      const slow = matchesAny(SLOW_TESTS, file);
      const integration = matchesAny([...INTEGRATION_TESTS, ...UNIT_EXCEPTIONS], file) && !slow;
      return [unit, integration, slow].filter(Boolean).length !== 1;
    });
    expect(wrong).toEqual([]);
  });

  it('tags as slow only integration files, each pattern naming some', () => {
    for (const glob of SLOW_TESTS) {
      const named = testFiles().filter((file) => matchesAny([glob], file));
      expect(named, glob).not.toEqual([]);
      expect(named.filter((file) => !matchesAny(INTEGRATION_TESTS, file))).toEqual([]);
    }
  });

  it('runs unit and integration in `pnpm test`, the slow ones after it in CI', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.test).toMatch(/vitest run --project unit --project integration$/);
    expect(scripts['test:slow']).toMatch(/^vitest run --project slow\b/);
    expect(read('.ci/run')).toMatch(/&& pnpm test && pnpm test:slow\n/);
  });

  it('keeps unit tests off the Temporal server and child processes', () => {
    const offending = unitFiles().flatMap((file) =>
      importsOf(read(file))
        .filter((module) => FORBIDDEN_IN_UNIT.includes(module))
        .map((module) => `${file} imports ${module}`),
    );
    expect(offending).toEqual([]);
  });

  it('lists as exceptions only files that exist and still need the exception', () => {
    for (const file of UNIT_EXCEPTIONS) {
      expect(matchesAny(UNIT_TESTS, file)).toBe(true);
      const forbidden = importsOf(read(file)).filter((m) => FORBIDDEN_IN_UNIT.includes(m));
      expect(forbidden, `${file} no longer needs to be an exception`).not.toEqual([]);
    }
  });
});

describe('the checks themselves', () => {
  it('match globs the way vitest does for these patterns', () => {
    const unit = globToRegExp('packages/*/src/**/*.test.ts');
    expect(unit.test('packages/coder/src/readiness.test.ts')).toBe(true);
    expect(unit.test('packages/testkit/src/fake-coder/state.test.ts')).toBe(true);
    expect(unit.test('packages/coder/test/readiness.test.ts')).toBe(false);
    expect(unit.test('packages/coder/src/readiness.ts')).toBe(false);
    expect(unit.test('apps/worker/src/failures.test.ts')).toBe(false);
  });

  it('find static and dynamic imports', () => {
    const source = [
      "import { spawn } from 'node:child_process';",
      "import type { X } from './harness';",
      "import './side-effect';",
      "const m = await import('@temporalio/testing');",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      'node:child_process',
      './harness',
      './side-effect',
      '@temporalio/testing',
    ]);
  });
});
