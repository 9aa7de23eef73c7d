/**
 * A command the docs show is one that runs: every `pnpm …` names a script, a workspace
 * package, a turbo task or an installed binary that exists; every `bash`, `tsx` and
 * `vitest run` path exists. Code comments that point to the docs point to a heading that
 * exists, and none points to a document outside the repository ("SPEC n").
 */
import { extname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPnpm, pathsOf, words } from './commands';
import { anchorsOf, codeLines, markdownFiles } from './markdown';
import { exists, read, walk } from './repo';

/** Every command line shown in the markdown people read, as `file: line`. */
function commandLines(): Array<{ file: string; line: string }> {
  return markdownFiles().flatMap((file) =>
    codeLines(read(file)).map((line) => ({ file, line: line.trim() })),
  );
}

describe('commands the docs show', () => {
  it('name pnpm scripts, packages, turbo tasks and binaries that exist', () => {
    const wrong: string[] = [];
    for (const { file, line } of commandLines()) {
      for (const match of line.matchAll(/(?:^|[\s(&;|])pnpm\s+([^&|;#]*)/g)) {
        const problem = checkPnpm(words(match[1] ?? ''));
        if (problem) wrong.push(`${file}: ${line} (${problem})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('run files that exist', () => {
    const missing: string[] = [];
    for (const { file, line } of commandLines()) {
      for (const path of pathsOf(words(line))) {
        if (!exists(path)) missing.push(`${file}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('cover the scripts CI and newcomers run', () => {
    const shown = commandLines().map(({ line }) => line);
    for (const script of ['pnpm test', 'pnpm test:unit', 'pnpm dev', 'pnpm typecheck']) {
      expect(shown.some((line) => line.includes(script))).toBe(true);
    }
  });
});

describe('the checks themselves', () => {
  it('catch a script, a package, a task or a binary that does not exist', () => {
    expect(checkPnpm(['test:unit'])).toBeNull();
    expect(checkPnpm(['run', 'replay-sample', '--keep-open'])).toBeNull();
    expect(checkPnpm(['--filter', '@code-factory/coder', 'test'])).toBeNull();
    expect(checkPnpm(['turbo', 'run', 'test', '--filter', '@code-factory/coder'])).toBeNull();
    expect(checkPnpm(['exec', 'vitest', 'run'])).toBeNull();
    expect(checkPnpm(['install', '--frozen-lockfile', '--filter', '@code-factory/<app>...'])).toBe(
      null,
    );
    expect(checkPnpm(['tset'])).toMatch(/no script "tset"/);
    expect(checkPnpm(['--filter', '@code-factory/nope', 'test'])).toMatch(/no workspace package/);
    expect(checkPnpm(['--filter', '@code-factory/naming', 'start'])).toMatch(/no script "start"/);
    expect(checkPnpm(['turbo', 'run', 'build'])).toMatch(/no turbo task "build"/);
    expect(checkPnpm(['exec', 'jest'])).toMatch(/no binary "jest"/);
  });

  it('find the paths a command runs', () => {
    expect(pathsOf(words('bash infra/bootstrap.sh && pnpm dev'))).toEqual(['infra/bootstrap.sh']);
    expect(pathsOf(words('npx tsx apps/worker/src/main.ts'))).toEqual(['apps/worker/src/main.ts']);
    expect(
      pathsOf(words('pnpm exec vitest run --project unit packages/coder -t "a/b" # x/y')),
    ).toEqual(['packages/coder']);
    expect(pathsOf(words('bash infra/<script>.sh'))).toEqual([]);
  });
});

/** Source files under apps, packages, tests and infra (no dependencies). */
const SOURCE_EXTENSIONS = ['.ts', '.sh', '.md', '.yaml', '.yml'];
const sourceFiles = () =>
  ['apps', 'packages', 'tests', 'infra'].flatMap((top) =>
    walk(top, (path) => SOURCE_EXTENSIONS.includes(extname(path))),
  );

describe('links from code to the docs', () => {
  const files = sourceFiles().map((path) => ({ path, text: read(path) }));

  it('point to a heading that exists', () => {
    const broken: string[] = [];
    for (const { path, text } of files) {
      for (const match of text.matchAll(/\b((?:docs\/[a-z-]+|README)\.md)#([a-z0-9-]+)/g)) {
        const [, doc = '', anchor = ''] = match;
        if (!exists(doc)) broken.push(`${path}: ${doc} does not exist`);
        else if (!anchorsOf(read(doc)).has(anchor)) broken.push(`${path}: ${doc}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  /** Still citing the outside document; tests/chaos is being reworked elsewhere (issue 11). */
  const STILL_CITING = new Set<string>();

  it('never cite a document that is not in the repository ("SPEC n")', () => {
    const citing = files
      .filter(({ text }) => /\bSPEC\s*§?\s*\d/.test(text))
      .map(({ path }) => path)
      .filter((path) => !STILL_CITING.has(path));
    expect(citing).toEqual([]);
  });
});
