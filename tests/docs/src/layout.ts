/** The unit/integration split of vitest.config.ts, as the layout test checks it. */
import { UNIT_EXCEPTIONS, UNIT_TESTS } from '../../../vitest.config';
import { walk } from './repo';

/** `*` is one path segment, `**` any number of them: enough for the globs of vitest.config.ts. */
export function globToRegExp(glob: string): RegExp {
  const literal = (text: string) => text.replace(/[.+?^$()|[\]\\{}]/g, '\\$&');
  const parts = glob
    .split('/')
    .map((part) => (part === '**' ? '(?:[^/]+/)*' : `${literal(part).replace(/\*/g, '[^/]*')}/`));
  return new RegExp(`^${parts.join('').replace(/\/$/, '')}$`);
}

export const matchesAny = (globs: string[], path: string) =>
  globs.some((glob) => globToRegExp(glob).test(path));

/** Every `*.test.ts` under apps, packages and tests, relative to the root. */
export const testFiles = () =>
  ['apps', 'packages', 'tests'].flatMap((top) => walk(top, (path) => path.endsWith('.test.ts')));

export const unitFiles = () =>
  testFiles().filter((f) => matchesAny(UNIT_TESTS, f) && !UNIT_EXCEPTIONS.includes(f));

/** What a unit test must not import: each one needs a Temporal server or a process. */
export const FORBIDDEN_IN_UNIT = [
  '@temporalio/testing',
  '@temporalio/worker',
  '@code-factory/testkit/vitest',
  '@code-factory/e2e',
  'node:child_process',
  './harness',
  './stack',
];

/** Modules a file imports (static and dynamic imports). */
export function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map(
    (m) => m[1] ?? '',
  );
}
