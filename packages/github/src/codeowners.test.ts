import { describe, expect, it } from 'vitest';
import { matcher, ownersOf, ownersOfPaths, parseCodeOwners } from './codeowners';

// The pattern rules of GitHub's "About code owners", one case each.
describe('CODEOWNERS patterns', () => {
  it.each([
    ['*', ['a.ts', 'src/deep/b.md'], []],
    ['*.js', ['app.js', 'src/lib/app.js'], ['app.ts', 'app.jsx']],
    [
      '/build/logs/',
      ['build/logs/a.log', 'build/logs/x/y.log'],
      ['build/logs', 'src/build/logs/a'],
    ],
    ['docs/*', ['docs/getting-started.md'], ['docs/build-app/troubleshooting.md', 'src/docs/a.md']],
    ['apps/', ['apps/a.ts', 'src/apps/b/c.ts'], ['apps', 'myapps/a.ts']],
    ['/docs/', ['docs/a.md', 'docs/x/y.md'], ['src/docs/a.md']],
    ['**/logs', ['logs/a', 'build/logs/a', 'deeply/nested/logs/x.log'], ['logsx/a', 'mylogs/a']],
    [
      '/apps/github',
      ['apps/github/x.ts', 'apps/github'],
      ['apps/githubber/x.ts', 'src/apps/github/x'],
    ],
    ['README.md', ['README.md', 'pkg/README.md'], ['readme.md', 'README.md.bak']],
    ['/*', ['a.ts'], ['src/a.ts']],
    ['src/**/test', ['src/test/a.ts', 'src/x/y/test/b.ts'], ['lib/src/test/a.ts']],
    ['docs/**', ['docs/a.md', 'docs/x/y.md'], ['docs']],
    ['file?.ts', ['file1.ts', 'a/fileX.ts'], ['file10.ts', 'file/.ts']],
  ])('%s', (pattern, yes, no) => {
    const test = matcher(pattern);
    for (const path of yes) expect([path, test(path)]).toEqual([path, true]);
    for (const path of no) expect([path, test(path)]).toEqual([path, false]);
  });
});

describe('parseCodeOwners', () => {
  const FILE = `# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/apps/ @octocat
/apps/github
!skip.md @nobody
[Bb]uild/ @builder
docs/* not-an-owner
`;

  it('lets the last matching line win, and an ownerless line leave files unowned', () => {
    const file = parseCodeOwners(FILE);
    expect(ownersOf(file, 'README.md')).toEqual(['global-owner1', 'global-owner2']);
    expect(ownersOf(file, 'src/index.js')).toEqual(['js-owner']);
    expect(ownersOf(file, 'main.go')).toEqual(['docs@example.com']);
    expect(ownersOf(file, 'notes/a.txt')).toEqual(['octo-org/octocats']);
    expect(ownersOf(file, 'apps/web/x.ts')).toEqual(['octocat']);
    expect(ownersOf(file, 'apps/github/x.js')).toEqual([]);
  });

  it("skips lines GitHub does not accept: negation, ranges, owners that aren't owners", () => {
    const file = parseCodeOwners(FILE);
    expect(file.invalid.map((i) => i.line)).toEqual([8, 9, 10]);
    expect(file.rules.map((r) => r.pattern)).not.toContain('!skip.md');
    expect(ownersOf(file, 'skip.md')).toEqual(['global-owner1', 'global-owner2']);
  });

  it('is case sensitive', () => {
    const file = parseCodeOwners('/Docs/ @a\n');
    expect(ownersOf(file, 'Docs/x.md')).toEqual(['a']);
    expect(ownersOf(file, 'docs/x.md')).toEqual([]);
  });

  it('collects the owners of several paths by kind, and the paths nobody owns', () => {
    const file = parseCodeOwners(FILE);
    expect(
      ownersOfPaths(file, ['a.js', 'b.js', 'x.txt', 'y.go', 'apps/github/z.ts', 'apps/w/q.ts']),
    ).toEqual({
      logins: ['js-owner', 'octocat'],
      teams: ['octo-org/octocats'],
      emails: ['docs@example.com'],
      unowned: ['apps/github/z.ts'],
    });
  });
});
