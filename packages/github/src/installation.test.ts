import {
  type FaultSpec,
  type PullRequestSeed,
  startFakeGitHub,
  type WorkflowJobSeed,
} from '@code-factory/testkit';
import { beforeEach, describe, expect, it } from 'vitest';
import { failure, fakeInstallation, repo } from '../test/fake-installation';
import { GitHubApp } from './app';

const MARKER = '<!-- code-factory:status -->';

const t = fakeInstallation();

function pull(number: number, over: Partial<PullRequestSeed> = {}): PullRequestSeed {
  return {
    ...repo,
    number,
    author: 'xmtp-coder-agent',
    headSha: `sha${number}`,
    headRef: `branch-${number}`,
    ...over,
  };
}

/** The next request to `method path` (exactly) gets this answer instead of the fake's own. */
function answerNext(
  method: string,
  path: string,
  answer: Omit<FaultSpec, 'method' | 'path'>,
): void {
  t.fake.fail({
    method,
    path: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    ...answer,
  });
}

const comments = (issue = 5) => t.fake.comments('acme', 'widgets', issue);
const requests = () => t.fake.calls();

describe('collaboratorPermission', () => {
  it.each([
    [{ permission: 'admin', role_name: 'admin' }, 'admin', true],
    [{ permission: 'write', role_name: 'maintain' }, 'maintain', true],
    [{ permission: 'write', role_name: 'write' }, 'write', true],
    [{ permission: 'read', role_name: 'triage' }, 'triage', false],
    [{ permission: 'read' }, 'read', false],
    [{ permission: 'none', role_name: '' }, 'none', false],
    [{ permission: 'write', role_name: 'security-reviewer' }, 'write', true],
  ])('reads %j as %s (allowed: %s)', async (answer, permission, allowed) => {
    answerNext('GET', '/repos/acme/widgets/collaborators/alice/permission', {
      status: 200,
      body: { ...answer, user: { login: 'alice' } },
    });
    await expect(t.gh.collaboratorPermission({ ...repo, username: 'alice' })).resolves.toEqual({
      permission,
      allowed,
    });
  });

  it('is not_found for an unknown user', async () => {
    // GitHub answers 404 for a login that is no account.
    answerNext('GET', '/repos/acme/widgets/collaborators/nobody/permission', {
      status: 404,
      body: { message: 'Not Found' },
    });
    const err = await failure(t.gh.collaboratorPermission({ ...repo, username: 'nobody' }));
    expect(err).toMatchObject({ kind: 'not_found', status: 404, service: 'github' });
  });

  it('rejects an unexpected permission value, naming the field', async () => {
    answerNext('GET', '/repos/acme/widgets/collaborators/alice/permission', {
      status: 200,
      body: { permission: 'superuser', user: { login: 'alice' } },
    });
    const err = await failure(t.gh.collaboratorPermission({ ...repo, username: 'alice' }));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain("'permission'");
  });
});

describe('reviewComments', () => {
  it("lists a review's comments in order, with file and line, up to max", async () => {
    t.fake.setReviewComments('acme', 'widgets', 9, 70, [
      { id: 71, path: 'src/a.ts', line: 3, body: 'rename', login: 'octo-lead' },
      { id: 72, path: 'src/b.ts', line: null, body: 'drop', login: 'octo-dev' },
    ]);
    const listed = await t.gh.reviewComments({ ...repo, pullNumber: 9, reviewId: 70 });
    expect(listed.map((c) => [c.id, c.path, c.line, c.body, c.author])).toEqual([
      [71, 'src/a.ts', 3, 'rename', 'octo-lead'],
      [72, 'src/b.ts', null, 'drop', 'octo-dev'],
    ]);
    expect(
      await t.gh.reviewComments({ ...repo, pullNumber: 9, reviewId: 70, max: 1 }),
    ).toHaveLength(1);
  });

  it('is not_found for an unknown review', async () => {
    const err = await failure(t.gh.reviewComments({ ...repo, pullNumber: 9, reviewId: 1 }));
    expect(err.kind).toBe('not_found');
  });
});

describe('upsertStatusComment', () => {
  const issue = { ...repo, issueNumber: 5, marker: MARKER };

  it('creates the comment, with the marker on its first line', async () => {
    const { commentId } = await t.gh.upsertStatusComment({
      ...issue,
      commentId: null,
      body: 'Starting',
    });
    expect(comments()).toEqual([
      expect.objectContaining({ id: commentId, body: `${MARKER}\nStarting` }),
    ]);
  });

  it('edits the remembered comment in place', async () => {
    const first = await t.gh.upsertStatusComment({
      ...issue,
      commentId: null,
      body: `${MARKER}\nA`,
    });
    t.fake.reset();
    const second = await t.gh.upsertStatusComment({
      ...issue,
      commentId: first.commentId,
      body: `${MARKER}\nB`,
    });
    expect(second.commentId).toBe(first.commentId);
    expect(comments().map((c) => c.body)).toEqual([`${MARKER}\nB`]);
    expect(requests().map((r) => r.method)).toEqual(['PATCH']);
  });

  it('finds the bot comment by marker when the remembered one is gone, across pages', async () => {
    let forged = 0;
    for (let i = 0; i < 140; i++) {
      const seeded = t.fake.addComment('acme', 'widgets', 5, {
        body: i === 3 ? `${MARKER}\nforged by a user` : `comment ${i}`,
        login: 'someone',
      });
      if (i === 3) forged = seeded.id;
    }
    t.fake.addComment('acme', 'widgets', 5, {
      body: `hi\n${MARKER}`,
      login: 'x[bot]',
      type: 'Bot',
    });
    const old = t.fake.addComment('acme', 'widgets', 5, {
      body: `${MARKER}\nold`,
      login: 'cf[bot]',
      type: 'Bot',
    });
    t.fake.addComment('acme', 'widgets', 6, {
      body: `${MARKER}\nother issue`,
      login: 'cf[bot]',
      type: 'Bot',
    });
    const { commentId } = await t.gh.upsertStatusComment({
      ...issue,
      commentId: 999,
      body: `${MARKER}\nnew`,
    });
    expect(commentId).toBe(old.id);
    expect(comments().find((c) => c.id === old.id)?.body).toBe(`${MARKER}\nnew`);
    expect(comments().find((c) => c.id === forged)?.body).toBe(`${MARKER}\nforged by a user`);
    const lists = requests().filter((r) => r.method === 'GET');
    expect(lists.map((r) => r.query.per_page)).toEqual(['100', '100']);
  });

  it('creates a new comment when none carries the marker', async () => {
    const hello = t.fake.addComment('acme', 'widgets', 5, {
      body: 'hello',
      login: 'cf[bot]',
      type: 'Bot',
    });
    const { commentId } = await t.gh.upsertStatusComment({ ...issue, commentId: 1234, body: 'x' });
    expect(commentId).not.toBe(hello.id);
    expect(comments()).toHaveLength(2);
  });

  it('does not search when editing fails for another reason', async () => {
    const mine = t.fake.addComment('acme', 'widgets', 5, { body: MARKER, login: 'b', type: 'Bot' });
    answerNext('PATCH', `/repos/acme/widgets/issues/comments/${mine.id}`, {
      status: 422,
      body: { message: 'Validation Failed', errors: [{ code: 'too_long' }] },
    });
    const err = await failure(
      t.gh.upsertStatusComment({ ...issue, commentId: mine.id, body: 'x' }),
    );
    expect(err).toMatchObject({ kind: 'rejected', status: 422 });
    expect(err.message).toContain('Validation Failed');
    expect(comments()).toHaveLength(1);
  });
});

describe('addReaction', () => {
  it.each([
    ['issue_comment', 'issue_comment'],
    ['pr_comment', 'issue_comment'],
    ['review_comment', 'pull_request_review_comment'],
  ] as const)('reacts to a %s', async (source, subject) => {
    await t.gh.addReaction({ ...repo, commentId: 11, source, content: 'eyes' });
    expect(t.fake.reactions()).toEqual([
      expect.objectContaining({ ...repo, subject, commentId: 11, content: 'eyes' }),
    ]);
  });

  it('accepts 200 for a reaction that is already there', async () => {
    const input = { ...repo, commentId: 11, source: 'issue_comment', content: 'eyes' } as const;
    await t.gh.addReaction(input);
    await expect(t.gh.addReaction(input)).resolves.toBeUndefined();
    expect(t.fake.reactions()).toHaveLength(1);
  });

  it('does nothing for a review, which cannot have reactions', async () => {
    await t.gh.addReaction({ ...repo, commentId: 11, source: 'review', content: 'eyes' });
    expect(requests()).toEqual([]);
  });
});

describe('pullRequest', () => {
  it('returns the summary as plain JSON', async () => {
    t.fake.addPullRequest(pull(8, { mergedAt: '2024-01-01T00:00:00Z' }));
    const pr = await t.gh.pullRequest({ ...repo, number: 8 });
    expect(pr).toEqual({
      number: 8,
      url: 'https://github.com/acme/widgets/pull/8',
      state: 'closed',
      authorLogin: 'xmtp-coder-agent',
      headSha: 'sha8',
      headRef: 'branch-8',
      baseRef: 'main',
      merged: true,
    });
    expect(Object.getPrototypeOf(pr)).toBe(Object.prototype);
  });

  it('is not_found for a missing pull request', async () => {
    expect(await failure(t.gh.pullRequest({ ...repo, number: 9 }))).toMatchObject({
      kind: 'not_found',
    });
  });

  it('rejects a response without the fields it reads, naming the field', async () => {
    answerNext('GET', '/repos/acme/widgets/pulls/8', {
      status: 200,
      body: { number: 8, html_url: 'u', state: 'open', user: null, head: { ref: 'b' } },
    });
    const err = await failure(t.gh.pullRequest({ ...repo, number: 8 }));
    expect(err.kind).toBe('rejected');
    expect(err.message).toContain("'head.sha'");
  });
});

describe('openPullRequestsWithHead', () => {
  it('pages through open pull requests and keeps those at the SHA', async () => {
    for (let n = 1; n <= 130; n++) t.fake.addPullRequest(pull(n));
    t.fake.addPullRequest(pull(200, { headSha: 'sha120', headRef: 'x', author: null }));
    t.fake.addPullRequest(pull(201, { headSha: 'sha120', headRef: 'y', state: 'closed' }));
    const prs = await t.gh.openPullRequestsWithHead({ ...repo, headSha: 'sha120' });
    // GitHub lists newest first; the order is GitHub's, so compare sorted.
    const found = prs
      .map((p) => [p.number, p.authorLogin])
      .sort(([a], [b]) => Number(a) - Number(b));
    expect(found).toEqual([
      [120, 'xmtp-coder-agent'],
      [200, 'ghost'],
    ]);
    const lists = requests().filter((r) => r.path === '/repos/acme/widgets/pulls');
    expect(lists).toHaveLength(2);
    expect(lists[0]?.query.state).toBe('open');
  });

  it('is empty when no open pull request is at the SHA', async () => {
    await expect(t.gh.openPullRequestsWithHead({ ...repo, headSha: 'nope' })).resolves.toEqual([]);
  });
});

describe('openPullRequestsOn', () => {
  it('lists the open pull requests into a base branch, or from a head branch', async () => {
    t.fake.addPullRequest(pull(1, { baseRef: 'main' }));
    t.fake.addPullRequest(pull(2, { baseRef: 'release' }));
    t.fake.addPullRequest(pull(3, { baseRef: 'main', state: 'closed' }));
    t.fake.addPullRequest(pull(4, { headRef: 'fix', headOwner: 'acme' }));
    const into = await t.gh.openPullRequestsOn({ ...repo, base: 'main' });
    expect(into.map((p) => [p.number, p.baseRef])).toEqual([
      [4, 'main'],
      [1, 'main'],
    ]);
    const from = await t.gh.openPullRequestsOn({ ...repo, head: 'acme:fix' });
    expect(from.map((p) => [p.number, p.headRef])).toEqual([[4, 'fix']]);
    const lists = requests().filter((r) => r.path === '/repos/acme/widgets/pulls');
    expect(lists.map((r) => r.query)).toEqual([
      expect.objectContaining({ state: 'open', base: 'main' }),
      expect.objectContaining({ state: 'open', head: 'acme:fix' }),
    ]);
  });
});

describe('linkedIssues', () => {
  it('lists the issues the pull request closes', async () => {
    t.fake.linkIssue('acme', 'widgets', 8, 3);
    t.fake.linkIssue('acme', 'widgets', 8, 4);
    await expect(t.gh.linkedIssues({ ...repo, pullNumber: 8 })).resolves.toEqual([3, 4]);
    const [call] = requests().filter((r) => r.path === '/graphql');
    expect(call?.body).toMatchObject({ variables: { owner: 'acme', repo: 'widgets', number: 8 } });
  });

  it('is not_found for a missing pull request', async () => {
    const err = await failure(t.gh.linkedIssues({ ...repo, pullNumber: 9 }));
    expect(err.kind).toBe('not_found');
    expect(err.message).toContain('Could not resolve');
  });

  it('is retryable when GraphQL says RATE_LIMITED', async () => {
    answerNext('POST', '/graphql', {
      status: 200,
      body: { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }] },
    });
    expect(await failure(t.gh.linkedIssues({ ...repo, pullNumber: 8 }))).toMatchObject({
      kind: 'retryable',
    });
  });
});

describe('failedJobs', () => {
  const job = (id: number, conclusion: WorkflowJobSeed['conclusion']): WorkflowJobSeed => ({
    id,
    name: `job ${id}`,
    conclusion,
  });
  const run = (jobs: WorkflowJobSeed[]) => t.fake.addWorkflowRun({ ...repo, runId: 1, jobs });

  it('keeps failed and timed-out jobs of the latest attempt', async () => {
    run([
      job(1, 'success'),
      job(2, 'failure'),
      job(3, 'cancelled'),
      job(4, 'timed_out'),
      job(5, null),
      job(6, 'skipped'),
    ]);
    await expect(t.gh.failedJobs({ ...repo, runId: 1 })).resolves.toEqual([
      { id: 2, name: 'job 2', url: 'https://github.com/acme/widgets/actions/runs/1/job/2' },
      { id: 4, name: 'job 4', url: 'https://github.com/acme/widgets/actions/runs/1/job/4' },
    ]);
    const [call] = requests().filter((r) => r.path.endsWith('/jobs'));
    expect(call?.query.filter).toBe('latest');
    expect(call?.query.per_page).toBe('100');
  });

  it('stops at max (default 5) and reads further pages only when needed', async () => {
    run(Array.from({ length: 250 }, (_, i) => job(i + 1, i >= 95 ? 'failure' : 'success')));
    const five = await t.gh.failedJobs({ ...repo, runId: 1 });
    expect(five.map((j) => j.id)).toEqual([96, 97, 98, 99, 100]);
    const seven = await t.gh.failedJobs({ ...repo, runId: 1, max: 7 });
    expect(seven.map((j) => j.id)).toEqual([96, 97, 98, 99, 100, 101, 102]);
    expect(requests().filter((r) => r.path.endsWith('/jobs'))).toHaveLength(3);
  });
});

describe('jobLogTail', () => {
  const logOf9 = (job: Omit<WorkflowJobSeed, 'id' | 'name' | 'conclusion'>) =>
    t.fake.addWorkflowRun({
      ...repo,
      runId: 1,
      jobs: [{ id: 9, name: 'test', conclusion: 'failure', ...job }],
    });
  const log = (n: number) =>
    `${Array.from({ length: n }, (_, i) => `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.1234567Z line ${i + 1}`).join('\n')}\n`;

  it('follows the redirect to storage without our token, and keeps the last lines without timestamps', async () => {
    logOf9({ log: log(300) });
    const tail = await t.gh.jobLogTail({ ...repo, jobId: 9 });
    const lines = tail.split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[0]).toBe('line 201');
    expect(lines.at(-1)).toBe('line 300');
    const downloads = requests().filter((r) => r.path.startsWith('/_logs/'));
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.headers.authorization).toBeUndefined();
    const api = requests().find((r) => r.path.endsWith('/logs'));
    expect(api?.headers.authorization).toMatch(/^token /);
  });

  it('reads logs served as application/octet-stream and honours `lines`', async () => {
    logOf9({ log: log(10), logContentType: 'application/octet-stream' });
    await expect(t.gh.jobLogTail({ ...repo, jobId: 9, lines: 2 })).resolves.toBe('line 9\nline 10');
  });

  it('caps the tail at 20 KB', async () => {
    const long = 'x'.repeat(1000);
    logOf9({ log: Array.from({ length: 100 }, (_, i) => `${i} ${long}`).join('\n') });
    const tail = await t.gh.jobLogTail({ ...repo, jobId: 9 });
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(20 * 1024);
    expect(tail.endsWith(`99 ${long}`)).toBe(true);
  });

  it('is not_found when the job has no log', async () => {
    expect(await failure(t.gh.jobLogTail({ ...repo, jobId: 10 }))).toMatchObject({
      kind: 'not_found',
    });
  });
});

describe('fileText', () => {
  it('decodes a file at a ref, including nested paths', async () => {
    t.fake.setFile(
      'acme',
      'widgets',
      'abc123',
      '.code-factory/config.toml',
      'template = "dev"\n# ünïcode\n',
    );
    t.fake.setFile('acme', 'widgets', 'main', 'docs/a b.md', 'spaced');
    await expect(
      t.gh.fileText({ ...repo, path: '.code-factory/config.toml', ref: 'abc123' }),
    ).resolves.toBe('template = "dev"\n# ünïcode\n');
    await expect(t.gh.fileText({ ...repo, path: 'docs/a b.md' })).resolves.toBe('spaced');
    const paths = requests()
      .filter((r) => r.path.includes('/contents/'))
      .map((r) => r.path);
    expect(paths).toEqual([
      '/repos/acme/widgets/contents/.code-factory/config.toml',
      '/repos/acme/widgets/contents/docs/a%20b.md',
    ]);
  });

  it('is null for a missing file', async () => {
    await expect(t.gh.fileText({ ...repo, path: 'nope.toml', ref: 'main' })).resolves.toBeNull();
  });

  it('rejects a directory', async () => {
    answerNext('GET', '/repos/acme/widgets/contents/dir', {
      status: 200,
      body: [{ type: 'file' }],
    });
    expect(await failure(t.gh.fileText({ ...repo, path: 'dir' }))).toMatchObject({
      kind: 'rejected',
    });
  });
});

describe('error kinds', () => {
  const path = '/repos/acme/widgets/pulls/1';
  const call = () => t.gh.pullRequest({ ...repo, number: 1 });
  beforeEach(() => {
    t.fake.addPullRequest(pull(1));
  });

  const secondary = 'You have exceeded a secondary rate limit';
  it.each([
    {
      what: '500 is retryable',
      answer: { status: 500, body: { message: 'Server Error' } },
      kind: { kind: 'retryable', status: 500, retryAfterMs: undefined },
    },
    {
      what: '429 is retryable after retry-after',
      answer: { status: 429, headers: { 'retry-after': '7' }, body: { message: 'Too many' } },
      kind: { kind: 'retryable', status: 429, retryAfterMs: 7000 },
    },
    {
      what: '403 secondary rate limit is retryable after retry-after',
      answer: {
        status: 403,
        headers: { 'retry-after': '30' },
        body: { message: `${secondary}. Please wait a few minutes.` },
      },
      kind: { kind: 'retryable', status: 403, retryAfterMs: 30_000 },
    },
    {
      what: 'a secondary rate limit without retry-after waits a minute',
      answer: { status: 403, body: { message: secondary } },
      kind: { kind: 'retryable', retryAfterMs: 60_000 },
    },
  ])('$what', async ({ answer, kind }) => {
    answerNext('GET', path, answer);
    expect(await failure(call())).toMatchObject(kind);
  });

  it('403 with the primary rate limit used up is retryable until the reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    answerNext('GET', path, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    });
    const err = await failure(call());
    expect(err.kind).toBe('retryable');
    expect(err.retryAfterMs).toBeGreaterThan(100_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('any other 403 is rejected', async () => {
    answerNext('GET', path, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '4000' },
      body: { message: 'Resource not accessible by integration' },
    });
    expect(await failure(call())).toMatchObject({ kind: 'rejected', status: 403 });
  });

  it('404 is not_found and 422 is rejected', async () => {
    answerNext('GET', path, { status: 404, body: { message: 'Not Found' } });
    expect(await failure(call())).toMatchObject({ kind: 'not_found', status: 404 });
    answerNext('GET', path, { status: 422, body: { message: 'Unprocessable' } });
    expect(await failure(call())).toMatchObject({ kind: 'rejected', status: 422 });
  });

  it('is not retried by Octokit: one request per call', async () => {
    answerNext('GET', path, { status: 503, body: { message: 'Unavailable' }, times: 5 });
    await failure(call());
    expect(requests().filter((r) => r.path === path)).toHaveLength(1);
  });

  it('a connection refused is retryable', async () => {
    const closed = t.fake.url;
    await t.fake.close();
    const offline = new GitHubApp({ appId: 1, privateKey: t.key.pkcs1, baseUrl: closed });
    const err = await failure(offline.installation(1).pullRequest({ ...repo, number: 1 }));
    expect(err.kind).toBe('retryable');
    expect(err.status).toBeUndefined();
    expect(err.message).toContain('network error');
    t.fake = await startFakeGitHub({ appPublicKey: t.key.publicKey });
  });
});
