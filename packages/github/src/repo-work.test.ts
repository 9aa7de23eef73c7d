import { type FakeGitHub, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubApp } from './app';
import { createCheckRun } from './check-runs';
import type { GitHubInstallation } from './installation';
import { branchExists, commentOnIssue, openIssue, openIssuesMarked } from './issues';

let fake: FakeGitHub;
let gh: GitHubInstallation;
const repo = { owner: 'acme', repo: 'widgets' };

beforeAll(async () => {
  fake = await startFakeGitHub();
  gh = new GitHubApp({ appId: 1, privateKey: testAppKey().pkcs1, baseUrl: fake.url }).installation(
    9,
  );
});
afterAll(() => fake.close());

describe('work the repository config asks for, on GitHub', () => {
  it('opens an issue as the App and finds it again by label and marker while it is open', async () => {
    const opened = await openIssue(gh, {
      ...repo,
      title: 'nightly: 2025-01-02',
      body: 'Do it.\n<!-- code-factory:job nightly -->',
      labels: ['code-factory:scheduled'],
    });
    expect(opened.author.login).toBe(fake.botLogin);
    const marker = '<!-- code-factory:job nightly -->';
    const found = await openIssuesMarked(gh, { ...repo, label: 'code-factory:scheduled', marker });
    expect(found.map((i) => i.number)).toEqual([opened.number]);
    expect(
      await openIssuesMarked(gh, { ...repo, label: 'code-factory:scheduled', marker: 'other' }),
    ).toEqual([]);
    fake.closeIssue(repo.owner, repo.repo, opened.number);
    expect(
      await openIssuesMarked(gh, { ...repo, label: 'code-factory:scheduled', marker }),
    ).toEqual([]);
    const comment = await commentOnIssue(gh, {
      ...repo,
      issueNumber: opened.number,
      body: 'again',
    });
    expect(fake.comments(repo.owner, repo.repo, opened.number).map((c) => c.id)).toEqual([
      comment.id,
    ]);
  });

  it('tells whether a branch exists', async () => {
    expect(await branchExists(gh, { ...repo, branch: 'main' })).toBe(true);
    expect(await branchExists(gh, { ...repo, branch: 'release/1' })).toBe(false);
    fake.addBranch(repo.owner, repo.repo, 'release/1');
    expect(await branchExists(gh, { ...repo, branch: 'release/1' })).toBe(true);
  });

  it('creates a completed check run with annotations, at most 50', async () => {
    const annotations = Array.from({ length: 60 }, (_, i) => ({
      path: '.code-factory/config.toml',
      line: i + 1,
      level: 'failure' as const,
      message: `problem ${i}`,
    }));
    const run = await createCheckRun(gh, {
      ...repo,
      name: 'code-factory config',
      headSha: 'a'.repeat(40),
      conclusion: 'failure',
      title: '2 errors',
      summary: 'details',
      annotations,
    });
    expect(run.id).toBeGreaterThan(0);
    const [recorded] = fake.checkRuns(repo.owner, repo.repo);
    expect(recorded).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(recorded?.output?.annotations).toHaveLength(50);
    expect(recorded?.output?.annotations[0]).toEqual({
      path: '.code-factory/config.toml',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      message: 'problem 0',
    });
  });
});
