import type { FakeGitHub, PullRequestSeed } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { failure, fakeInstallation, repo } from '../test/fake-installation';

const HEAD = 'a'.repeat(40);

const t = fakeInstallation();

function pull(over: Partial<PullRequestSeed> = {}): void {
  t.fake.addPullRequest({
    ...repo,
    number: 7,
    author: 'xmtp-coder-agent',
    headSha: HEAD,
    headRef: 'fix/42',
    headOwner: 'acme',
    baseSha: 'b'.repeat(40),
    ...over,
  });
}

/** What GitHub's mergeability job found for pull request 7. */
const mergeability = (m: Parameters<FakeGitHub['setMergeability']>[3]) =>
  t.fake.setMergeability('acme', 'widgets', 7, m);
const pullReads = () => t.fake.callsTo('GET', /^\/repos\/acme\/widgets\/pulls\/7$/).length;

describe('mergeability', () => {
  it('asks again while GitHub is computing it, then answers', async () => {
    pull();
    mergeability({
      mergeable: false,
      state: 'dirty',
      pendingReads: 2,
    });
    await expect(t.gh.mergeability({ ...repo, number: 7, delayMs: 1 })).resolves.toEqual({
      mergeable: false,
      state: 'dirty',
      merged: false,
      draft: false,
      headSha: HEAD,
      baseRef: 'main',
      baseSha: 'b'.repeat(40),
      maintainerCanModify: true,
      mergeCommitSha: null,
    });
    expect(pullReads()).toBe(3);
  });

  it('gives up after its tries with mergeable null and state unknown', async () => {
    pull();
    mergeability({
      mergeable: true,
      state: 'clean',
      pendingReads: 9,
    });
    const read = await t.gh.mergeability({ ...repo, number: 7, tries: 3, delayMs: 1 });
    expect(read).toMatchObject({ mergeable: null, state: 'unknown' });
    expect(pullReads()).toBe(3);
  });

  it('reads behind, blocked and the test merge commit in one try', async () => {
    pull();
    mergeability({ mergeable: true, state: 'behind' });
    const read = await t.gh.mergeability({ ...repo, number: 7, delayMs: 1 });
    expect(read).toMatchObject({ mergeable: true, state: 'behind' });
    expect(read.mergeCommitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(pullReads()).toBe(1);
  });

  it('is not_found for a missing pull request', async () => {
    expect((await failure(t.gh.mergeability({ ...repo, number: 9 }))).kind).toBe('not_found');
  });
});

describe('compare', () => {
  it('lists the files and commits of head against base, across pages', async () => {
    const commits = Array.from({ length: 130 }, (_, i) => ({
      sha: i.toString(16).padStart(40, '0'),
      message: `commit ${i}\n\nbody`,
      author: i === 0 ? 'xmtp-coder-agent' : undefined,
    }));
    t.fake.setComparison({
      ...repo,
      base: 'main',
      head: 'fix/42',
      behindBy: 3,
      files: [
        { filename: 'src/a.ts', status: 'modified' },
        { filename: 'src/b.ts', status: 'renamed', previousFilename: 'src/old.ts' },
      ],
      commits,
    });
    const result = await t.gh.compare({ ...repo, base: 'main', head: 'fix/42' });
    expect(result).toMatchObject({
      status: 'diverged',
      aheadBy: 130,
      behindBy: 3,
      totalCommits: 130,
    });
    expect(result.files).toEqual([
      { filename: 'src/a.ts', status: 'modified' },
      { filename: 'src/b.ts', status: 'renamed', previousFilename: 'src/old.ts' },
    ]);
    expect(result.commits).toHaveLength(130);
    expect(result.commits[0]).toEqual({
      sha: commits[0]?.sha,
      title: 'commit 0',
      author: 'xmtp-coder-agent',
    });
    expect(result.commits[129]).toMatchObject({ title: 'commit 129', author: null });
    expect(t.fake.callsTo('GET', /\/compare\//)).toHaveLength(2);
    const capped = await t.gh.compare({ ...repo, base: 'main', head: 'fix/42', maxCommits: 10 });
    expect(capped.commits).toHaveLength(10);
  });

  it('is not_found for refs GitHub does not know', async () => {
    expect((await failure(t.gh.compare({ ...repo, base: 'main', head: 'nope' }))).kind).toBe(
      'not_found',
    );
  });
});

describe('updateBranch', () => {
  it('updates a pull request that is behind', async () => {
    pull();
    mergeability({ mergeable: true, state: 'behind' });
    await expect(t.gh.updateBranch({ ...repo, number: 7, expectedHeadSha: HEAD })).resolves.toEqual(
      {
        ok: true,
      },
    );
    expect(t.fake.branchUpdates()).toEqual([
      expect.objectContaining({ number: 7, expectedHeadSha: HEAD, status: 202 }),
    ]);
  });

  it("turns GitHub's 422 into a refusal with its reason, one request each", async () => {
    pull();
    await expect(t.gh.updateBranch({ ...repo, number: 7, expectedHeadSha: HEAD })).resolves.toEqual(
      {
        ok: false,
        reason: 'There are no new commits on the base branch.',
      },
    );
    mergeability({ mergeable: true, state: 'behind' });
    await expect(
      t.gh.updateBranch({ ...repo, number: 7, expectedHeadSha: 'c'.repeat(40) }),
    ).resolves.toEqual({ ok: false, reason: "expected head sha didn't match current head ref." });
    pull({ number: 8, headOwner: 'forker', maintainerCanModify: false });
    t.fake.setMergeability('acme', 'widgets', 8, { mergeable: true, state: 'behind' });
    const fork = await t.gh.updateBranch({ ...repo, number: 8, expectedHeadSha: HEAD });
    expect(fork).toMatchObject({ ok: false, reason: expect.stringContaining('fork') });
    expect(t.fake.callsTo('PUT', /update-branch$/)).toHaveLength(3);
  });

  it('fails as an ExternalError for anything but a 422', async () => {
    pull();
    t.fake.fail({ method: 'PUT', path: /update-branch$/, status: 502 });
    const err = await failure(t.gh.updateBranch({ ...repo, number: 7, expectedHeadSha: HEAD }));
    expect(err).toMatchObject({ kind: 'retryable', status: 502 });
    t.fake.fail({
      method: 'PUT',
      path: /update-branch$/,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect(
      (await failure(t.gh.updateBranch({ ...repo, number: 7, expectedHeadSha: HEAD }))).kind,
    ).toBe('rejected');
  });
});

describe('requestReviewers', () => {
  it('requests logins and teams (org/slug as CODEOWNERS writes them)', async () => {
    pull();
    t.fake.setPermission('acme', 'widgets', 'octo-lead', 'write');
    t.fake.addTeam('acme', 'widgets', 'platform');
    await expect(
      t.gh.requestReviewers({
        ...repo,
        number: 7,
        reviewers: ['@octo-lead'],
        teams: ['acme/platform'],
      }),
    ).resolves.toEqual({ ok: true });
    expect(t.fake.requestedReviewers('acme', 'widgets', 7)).toEqual({
      users: ['octo-lead'],
      teams: ['acme/platform'],
    });
    expect(t.fake.callsTo('POST', /requested_reviewers$/)[0]?.body).toEqual({
      reviewers: ['octo-lead'],
      team_reviewers: ['platform'],
    });
  });

  it('is a refusal for the author or a stranger, and asks nothing for nobody', async () => {
    pull();
    await expect(
      t.gh.requestReviewers({ ...repo, number: 7, reviewers: ['xmtp-coder-agent'] }),
    ).resolves.toEqual({
      ok: false,
      reason: 'Review cannot be requested from pull request author.',
    });
    const stranger = await t.gh.requestReviewers({ ...repo, number: 7, reviewers: ['rando'] });
    expect(stranger).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/only be requested from collaborators/),
    });
    await expect(t.gh.requestReviewers({ ...repo, number: 7, reviewers: [] })).resolves.toEqual({
      ok: true,
    });
    expect(t.fake.callsTo('POST', /requested_reviewers$/)).toHaveLength(2);
  });
});

describe('reviewThreads', () => {
  it('reads every thread across pages, with its state and first comment', async () => {
    pull();
    const first = t.fake.addReviewThread('acme', 'widgets', 7, {
      path: 'src/a.ts',
      line: 3,
      author: 'octo-lead',
      body: 'Rename this.\nIt reads badly.',
      createdAt: '2026-01-02T03:04:05Z',
    });
    t.fake.replyToReviewThread(first, { author: 'xmtp-coder-agent', body: 'Done.' });
    for (let i = 0; i < 120; i++) {
      t.fake.addReviewThread('acme', 'widgets', 7, {
        path: `src/f${i}.ts`,
        line: i + 1,
        author: null,
        body: `n${i}`,
      });
    }
    t.fake.resolveReviewThread(first);
    const outdated = t.fake.reviewThreads('acme', 'widgets', 7)[1]?.id ?? '';
    t.fake.outdateReviewThread(outdated);

    const { headSha, threads } = await t.gh.reviewThreads({ ...repo, number: 7 });
    // The head commit comes with the first page (GraphQL `headRefOid`).
    expect(headSha).toBe(HEAD);
    expect(threads).toHaveLength(121);
    expect(threads[0]).toEqual({
      id: first,
      resolved: true,
      outdated: false,
      path: 'src/a.ts',
      line: 3,
      author: 'octo-lead',
      firstLine: 'Rename this.',
      createdAt: '2026-01-02T03:04:05Z',
      // The agent's reply counts: this thread was answered.
      comments: 2,
    });
    expect(threads[1]).toMatchObject({
      id: outdated,
      outdated: true,
      line: null,
      author: 'ghost',
      comments: 1,
    });
    expect(t.fake.callsTo('POST', /graphql$/)).toHaveLength(2);
    expect((await t.gh.reviewThreads({ ...repo, number: 7, max: 5 })).threads).toHaveLength(5);
  });

  it('is not_found for a missing pull request', async () => {
    expect((await failure(t.gh.reviewThreads({ ...repo, number: 404 }))).kind).toBe('not_found');
  });
});

describe('commitsTouching', () => {
  it('lists the commits from a head touching a file since a time, newest first', async () => {
    const sha = (c: string) => c.repeat(40);
    t.fake.addCommit('acme', 'widgets', {
      sha: sha('1'),
      files: ['src/a.ts'],
      committedAt: '2026-01-01T00:00:00Z',
    });
    t.fake.addCommit('acme', 'widgets', {
      sha: sha('2'),
      parents: [sha('1')],
      files: ['src/b.ts'],
      committedAt: '2026-01-02T00:00:00Z',
    });
    t.fake.addCommit('acme', 'widgets', {
      sha: sha('3'),
      parents: [sha('2')],
      files: ['src/a.ts', 'README.md'],
      committedAt: '2026-01-03T00:00:00Z',
    });
    const touching = (path: string, since: string) =>
      t.gh.commitsTouching({ ...repo, sha: sha('3'), path, since });
    await expect(touching('src/a.ts', '2025-12-31T00:00:00Z')).resolves.toEqual([
      { sha: sha('3'), committedAt: '2026-01-03T00:00:00Z' },
      { sha: sha('1'), committedAt: '2026-01-01T00:00:00Z' },
    ]);
    await expect(touching('src/a.ts', '2026-01-02T00:00:00Z')).resolves.toHaveLength(1);
    await expect(touching('src/b.ts', '2026-01-02T12:00:00Z')).resolves.toEqual([]);
    // A directory matches the files below it.
    await expect(touching('src', '2026-01-02T00:00:00Z')).resolves.toHaveLength(2);
    expect(t.fake.callsTo('GET', /\/commits$/).at(-1)?.query).toMatchObject({
      sha: sha('3'),
      path: 'src',
      since: '2026-01-02T00:00:00Z',
      per_page: '100',
    });
  });

  it('is not_found for a head GitHub does not know', async () => {
    const err = await failure(
      t.gh.commitsTouching({
        ...repo,
        sha: 'f'.repeat(40),
        path: 'a',
        since: '2026-01-01T00:00:00Z',
      }),
    );
    expect(err.kind).toBe('not_found');
  });
});

describe('codeOwners', () => {
  it('reads .github/CODEOWNERS first, the last matching line winning', async () => {
    t.fake.setFile('acme', 'widgets', 'main', 'CODEOWNERS', '* @root-owner\n');
    t.fake.setFile(
      'acme',
      'widgets',
      'main',
      '.github/CODEOWNERS',
      '* @octo-lead\n/packages/api/ @acme/platform dev@example.com\n/vendor/\n',
    );
    await expect(
      t.gh.codeOwners({ ...repo, paths: ['README.md', 'packages/api/x.ts', 'vendor/lib.js'] }),
    ).resolves.toEqual({
      file: '.github/CODEOWNERS',
      logins: ['octo-lead'],
      teams: ['acme/platform'],
      emails: ['dev@example.com'],
      unowned: ['vendor/lib.js'],
    });
  });

  it('falls back to CODEOWNERS, then docs/CODEOWNERS, at the given ref; none owns nothing', async () => {
    t.fake.setFile('acme', 'widgets', 'release', 'docs/CODEOWNERS', '*.md @writer\n');
    await expect(
      t.gh.codeOwners({ ...repo, paths: ['a.md', 'b.ts'], ref: 'release' }),
    ).resolves.toEqual({
      file: 'docs/CODEOWNERS',
      logins: ['writer'],
      teams: [],
      emails: [],
      unowned: ['b.ts'],
    });
    await expect(t.gh.codeOwners({ ...repo, paths: ['a.md'] })).resolves.toMatchObject({
      file: null,
      unowned: ['a.md'],
    });
  });
});
