import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubApi } from '../test/api';
import { createFakeGitHub, type FakeGitHubApp, type PullRequestSeed } from './fake-github';

/** The routes the shepherd reads and drives, over HTTP (in-process, through the Hono app). */
describe('fake GitHub: shepherding a pull request', () => {
  let gh: FakeGitHubApp;
  beforeEach(() => {
    gh = createFakeGitHub({ appSlug: 'cf-test' });
  });
  afterEach(() => gh.reset());

  const api = (method: string, path: string, body?: unknown) => githubApi(gh)(method, path, body);

  const pull = (over: Partial<PullRequestSeed> = {}) =>
    gh.addPullRequest({
      owner: 'acme',
      repo: 'widgets',
      number: 7,
      author: 'xmtp-coder-agent',
      headSha: 'a'.repeat(40),
      headRef: 'fix-42',
      headOwner: 'acme',
      ...over,
    });

  describe('GET a pull request', () => {
    it('answers mergeability, base and head, draft and maintainer edits', async () => {
      pull({ baseSha: 'b'.repeat(40), draft: true, maintainerCanModify: false });
      const { json } = await api('GET', '/repos/acme/widgets/pulls/7');
      expect(json).toMatchObject({
        mergeable: true,
        mergeable_state: 'clean',
        merged: false,
        draft: true,
        maintainer_can_modify: false,
        base: { ref: 'main', sha: 'b'.repeat(40) },
        head: { sha: 'a'.repeat(40), ref: 'fix-42' },
        merge_commit_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      // Only the single read carries mergeability.
      const listed = await api('GET', '/repos/acme/widgets/pulls');
      expect(listed.json[0]).not.toHaveProperty('mergeable');
    });

    it('answers null / unknown while mergeability is computed, then the result', async () => {
      pull();
      gh.setMergeability('acme', 'widgets', 7, {
        mergeable: false,
        state: 'dirty',
        pendingReads: 2,
      });
      const reads = [];
      for (let i = 0; i < 3; i++) {
        const { json } = await api('GET', '/repos/acme/widgets/pulls/7');
        reads.push([json.mergeable, json.mergeable_state, json.merge_commit_sha]);
      }
      expect(reads).toEqual([
        [null, 'unknown', null],
        [null, 'unknown', null],
        [false, 'dirty', null],
      ]);
    });
  });

  describe('update-branch', () => {
    it('merges the base into a pull request that is behind: 202, a new head, recorded', async () => {
      pull();
      gh.setMergeability('acme', 'widgets', 7, { mergeable: true, state: 'behind' });
      const res = await api('PUT', '/repos/acme/widgets/pulls/7/update-branch', {
        expected_head_sha: 'a'.repeat(40),
      });
      expect(res.status).toBe(202);
      expect(res.json).toEqual({
        message: 'Updating pull request branch.',
        url: 'https://github.com/repos/acme/widgets/pulls/7',
      });
      const [update] = gh.branchUpdates();
      expect(update).toMatchObject({ number: 7, expectedHeadSha: 'a'.repeat(40), status: 202 });
      const after = await api('GET', '/repos/acme/widgets/pulls/7');
      expect(after.json.head.sha).toBe(update?.headSha);
      expect(after.json.head.sha).not.toBe('a'.repeat(40));
      expect(after.json.mergeable).toBeNull(); // recomputed for the new head
      expect((await api('GET', '/repos/acme/widgets/pulls/7')).json.mergeable_state).toBe('clean');
    });

    it('refuses with 422: a stale expected head, nothing new on the base, a fork, when told', async () => {
      pull();
      const put = (sha?: string) =>
        api(
          'PUT',
          '/repos/acme/widgets/pulls/7/update-branch',
          sha ? { expected_head_sha: sha } : {},
        );
      const notBehind = await put();
      expect(notBehind.status).toBe(422);
      expect(notBehind.json.message).toBe('There are no new commits on the base branch.');
      gh.setMergeability('acme', 'widgets', 7, { mergeable: true, state: 'behind' });
      const stale = await put('c'.repeat(40));
      expect(stale).toMatchObject({
        status: 422,
        json: { message: "expected head sha didn't match current head ref." },
      });
      gh.refuseUpdateBranch('acme', 'widgets', 7, 'Branch protection forbids it.');
      expect((await put()).json.message).toBe('Branch protection forbids it.');
      gh.refuseUpdateBranch('acme', 'widgets', 7, null);
      expect((await put()).status).toBe(202);

      pull({ number: 8, headOwner: 'forker', maintainerCanModify: false });
      gh.setMergeability('acme', 'widgets', 8, { mergeable: true, state: 'behind' });
      const fork = await api('PUT', '/repos/acme/widgets/pulls/8/update-branch', {});
      expect(fork.status).toBe(422);
      expect(fork.json.message).toMatch(/fork/);
      expect(gh.branchUpdates().map((u) => u.status)).toEqual([422, 422, 422, 202, 422]);
    });
  });

  it('compares two commits: files, commits (paged), ahead and behind', async () => {
    gh.setComparison({
      owner: 'acme',
      repo: 'widgets',
      base: 'main',
      head: 'fix-42',
      behindBy: 2,
      files: [
        { filename: 'src/a.ts', status: 'modified', additions: 3, deletions: 1 },
        { filename: 'src/new.ts', status: 'renamed', previousFilename: 'src/old.ts' },
      ],
      commits: [
        { sha: '1'.repeat(40), message: 'first', author: 'xmtp-coder-agent' },
        { sha: '2'.repeat(40), message: 'second' },
      ],
    });
    const { status, json } = await api('GET', '/repos/acme/widgets/compare/main...fix-42');
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'diverged', ahead_by: 2, behind_by: 2, total_commits: 2 });
    expect(json.files).toEqual([
      expect.objectContaining({ filename: 'src/a.ts', status: 'modified', changes: 4 }),
      expect.objectContaining({ filename: 'src/new.ts', previous_filename: 'src/old.ts' }),
    ]);
    expect(
      json.commits.map((c: { sha: string; commit: { message: string } }) => c.commit.message),
    ).toEqual(['first', 'second']);
    const second = await api('GET', '/repos/acme/widgets/compare/main...fix-42?per_page=1&page=2');
    expect(second.json.commits.map((c: { sha: string }) => c.sha)).toEqual(['2'.repeat(40)]);
    expect(second.json.files).toEqual([]);
    expect((await api('GET', '/repos/acme/widgets/compare/main...other')).status).toBe(404);
  });

  describe('workflow runs', () => {
    const seedRun = (runId: number, over: Record<string, unknown> = {}) =>
      gh.addWorkflowRun({
        owner: 'acme',
        repo: 'widgets',
        runId,
        headBranch: 'fix-42',
        jobs: [
          { id: runId * 10 + 1, name: 'build', conclusion: 'success' },
          { id: runId * 10 + 2, name: 'e2e', conclusion: 'failure' },
        ],
        ...over,
      });

    it('re-runs failed jobs as a new attempt; each attempt and its jobs stay readable', async () => {
      seedRun(100);
      const before = await api('GET', '/repos/acme/widgets/actions/runs/100');
      expect(before.json).toMatchObject({
        run_attempt: 1,
        status: 'completed',
        conclusion: 'failure',
      });
      const rerun = await api('POST', '/repos/acme/widgets/actions/runs/100/rerun-failed-jobs');
      expect(rerun.status).toBe(201);
      const running = await api('GET', '/repos/acme/widgets/actions/runs/100');
      expect(running.json).toMatchObject({ run_attempt: 2, status: 'queued', conclusion: null });
      expect(running.json.previous_attempt_url).toMatch(/\/actions\/runs\/100\/attempts\/1$/);
      // A run still in progress cannot be re-run.
      const busy = await api('POST', '/repos/acme/widgets/actions/runs/100/rerun-failed-jobs');
      expect(busy.status).toBe(403);

      gh.completeRerun('acme', 'widgets', 100, { e2e: 'success' });
      expect(gh.runAttempt('acme', 'widgets', 100)).toEqual({
        runAttempt: 2,
        status: 'completed',
        conclusion: 'success',
      });
      const first = await api('GET', '/repos/acme/widgets/actions/runs/100/attempts/1');
      expect(first.json).toMatchObject({ run_attempt: 1, conclusion: 'failure' });
      const jobs1 = await api('GET', '/repos/acme/widgets/actions/runs/100/attempts/1/jobs');
      const jobs2 = await api('GET', '/repos/acme/widgets/actions/runs/100/attempts/2/jobs');
      const view = (j: { id: number; name: string; conclusion: string; run_attempt: number }) => [
        j.name,
        j.conclusion,
        j.run_attempt,
      ];
      expect(jobs1.json.jobs.map(view)).toEqual([
        ['build', 'success', 1],
        ['e2e', 'failure', 1],
      ]);
      expect(jobs2.json.jobs.map(view)).toEqual([
        ['build', 'success', 1], // carried over, not re-run
        ['e2e', 'success', 2],
      ]);
      expect(jobs2.json.jobs[1].id).not.toBe(1002);
      const all = await api('GET', '/repos/acme/widgets/actions/runs/100/jobs?filter=all');
      expect(all.json.total_count).toBe(3);
      expect((await api('GET', '/repos/acme/widgets/actions/runs/100/attempts/3')).status).toBe(
        404,
      );
      expect(
        (await api('POST', '/repos/acme/widgets/actions/runs/9/rerun-failed-jobs')).status,
      ).toBe(404);
    });

    it('lists runs newest first by branch, status and workflow (id or file name)', async () => {
      seedRun(1, { headBranch: 'main', createdAt: '2026-01-01T00:00:00Z' });
      seedRun(2, {
        headBranch: 'main',
        createdAt: '2026-01-02T00:00:00Z',
        jobs: [{ id: 21, name: 'build', conclusion: 'success' }],
      });
      seedRun(3, {
        headBranch: 'main',
        createdAt: '2026-01-03T00:00:00Z',
        jobs: [{ id: 31, name: 'build', conclusion: null, status: 'in_progress' }],
      });
      seedRun(4, {
        headBranch: 'main',
        path: '.github/workflows/lint.yml',
        createdAt: '2026-01-04T00:00:00Z',
      });
      seedRun(5, { headBranch: 'fix-42', createdAt: '2026-01-05T00:00:00Z' });
      const ids = (json: { workflow_runs: { id: number }[] }) =>
        json.workflow_runs.map((r) => r.id);

      const byFile = await api(
        'GET',
        '/repos/acme/widgets/actions/workflows/ci.yml/runs?branch=main&status=completed&per_page=1',
      );
      expect(byFile.json.total_count).toBe(2);
      expect(ids(byFile.json)).toEqual([2]);
      const workflowId = byFile.json.workflow_runs[0].workflow_id;
      const byId = await api(
        'GET',
        `/repos/acme/widgets/actions/workflows/${workflowId}/runs?branch=main`,
      );
      expect(ids(byId.json)).toEqual([3, 2, 1]);
      const failed = await api('GET', '/repos/acme/widgets/actions/runs?status=failure');
      expect(ids(failed.json)).toEqual([5, 4, 1]);
      const repoWide = await api(
        'GET',
        '/repos/acme/widgets/actions/runs?branch=main&status=in_progress',
      );
      expect(ids(repoWide.json)).toEqual([3]);
    });
  });

  describe('requested reviewers', () => {
    it('requests collaborators and teams; 422 for the author or a stranger', async () => {
      pull();
      gh.setPermission('acme', 'widgets', 'octo-lead', 'write');
      gh.setPermission('acme', 'widgets', 'reader', 'read');
      gh.addTeam('acme', 'widgets', 'platform');
      const ok = await api('POST', '/repos/acme/widgets/pulls/7/requested_reviewers', {
        reviewers: ['octo-lead', 'reader'],
        team_reviewers: ['platform'],
      });
      expect(ok.status).toBe(201);
      expect(ok.json).toMatchObject({
        number: 7,
        requested_reviewers: [{ login: 'octo-lead' }, { login: 'reader' }],
        requested_teams: [{ slug: 'platform' }],
      });
      expect(gh.requestedReviewers('acme', 'widgets', 7)).toEqual({
        users: ['octo-lead', 'reader'],
        teams: ['acme/platform'],
      });

      const author = await api('POST', '/repos/acme/widgets/pulls/7/requested_reviewers', {
        reviewers: ['xmtp-coder-agent'],
      });
      expect(author).toMatchObject({
        status: 422,
        json: { message: 'Review cannot be requested from pull request author.' },
      });
      const stranger = await api('POST', '/repos/acme/widgets/pulls/7/requested_reviewers', {
        reviewers: ['rando'],
      });
      expect(stranger.status).toBe(422);
      expect(stranger.json.message).toMatch(/^Reviews may only be requested from collaborators\./);
      const team = await api('POST', '/repos/acme/widgets/pulls/7/requested_reviewers', {
        team_reviewers: ['nobody-team'],
      });
      expect(team.status).toBe(422);
      const listed = await api('GET', '/repos/acme/widgets/pulls/7/requested_reviewers');
      expect(listed.json.users.map((u: { login: string }) => u.login)).toEqual([
        'octo-lead',
        'reader',
      ]);
    });
  });

  it('serves CODEOWNERS through the contents API', async () => {
    gh.setFile('acme', 'widgets', 'main', '.github/CODEOWNERS', '* @acme/platform\n');
    const res = await api('GET', '/repos/acme/widgets/contents/.github/CODEOWNERS');
    expect(res.status).toBe(200);
    expect(Buffer.from(res.json.content, 'base64').toString()).toBe('* @acme/platform\n');
  });

  describe('List commits', () => {
    const sha = (c: string) => c.repeat(40);
    const seed = () => {
      gh.addCommit('acme', 'widgets', {
        sha: sha('1'),
        files: ['src/a.ts'],
        committedAt: '2026-01-01T00:00:00Z',
        author: 'octo-dev',
        message: 'Start',
      });
      gh.addCommit('acme', 'widgets', {
        sha: sha('2'),
        parents: [sha('1')],
        files: ['docs/guide.md'],
        committedAt: '2026-01-02T00:00:00Z',
      });
      gh.addCommit('acme', 'widgets', {
        sha: sha('3'),
        parents: [sha('2')],
        files: ['src/lib/b.ts'],
        committedAt: '2026-01-03T00:00:00.500Z',
      });
      // Not reachable from 3: another branch.
      gh.addCommit('acme', 'widgets', {
        sha: sha('4'),
        parents: [sha('1')],
        files: ['src/a.ts'],
        committedAt: '2026-01-04T00:00:00Z',
      });
    };
    const list = async (query: string) =>
      (await api('GET', `/repos/acme/widgets/commits?${query}`)).json;

    it("walks the parents from sha, newest first, with GitHub's commit shape", async () => {
      seed();
      const all = await list(`sha=${sha('3')}`);
      expect(all.map((c: { sha: string }) => c.sha)).toEqual([sha('3'), sha('2'), sha('1')]);
      expect(all[2]).toMatchObject({
        sha: sha('1'),
        commit: {
          message: 'Start',
          author: { name: 'octo-dev', date: '2026-01-01T00:00:00Z' },
          committer: { date: '2026-01-01T00:00:00Z' },
        },
        author: { login: 'octo-dev' },
        parents: [],
      });
      // GitHub's timestamps have no milliseconds; a commit without a GitHub user has null.
      expect(all[0]).toMatchObject({
        commit: { committer: { date: '2026-01-03T00:00:00Z' } },
        author: null,
        parents: [{ sha: sha('2') }],
      });
    });

    it('filters by path (a file or a directory), since and until, and pages', async () => {
      seed();
      const shas = async (query: string) =>
        (await list(`sha=${sha('3')}&${query}`)).map((c: { sha: string }) => c.sha);
      expect(await shas('path=src/a.ts')).toEqual([sha('1')]);
      expect(await shas('path=src')).toEqual([sha('3'), sha('1')]);
      expect(await shas('path=src&since=2026-01-01T00:00:01Z')).toEqual([sha('3')]);
      expect(await shas('until=2026-01-02T00:00:00Z')).toEqual([sha('2'), sha('1')]);
      expect(await shas('per_page=1&page=2')).toEqual([sha('2')]);
    });

    it('starts from a pull request head branch; 404 for a sha it does not know', async () => {
      seed();
      pull({ headSha: sha('4'), headRef: 'fix-42' });
      const fromBranch = await list('sha=fix-42');
      expect(fromBranch.map((c: { sha: string }) => c.sha)).toEqual([sha('4'), sha('1')]);
      const unknown = await api('GET', `/repos/acme/widgets/commits?sha=${sha('9')}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ message: 'Not Found' });
    });
  });

  describe('what ran on a commit', () => {
    const head = 'a'.repeat(40);

    it('lists check runs: the latest of each by default, every one with filter=all', async () => {
      gh.addCheckRun('acme', 'widgets', { headSha: head, name: 'test', conclusion: 'failure' });
      gh.addCheckRun('acme', 'widgets', { headSha: head, name: 'test' }); // re-run, passed
      gh.addCheckRun('acme', 'widgets', { headSha: head, name: 'lint', status: 'in_progress' });
      gh.addCheckRun('acme', 'widgets', {
        headSha: head,
        name: 'deploy-preview',
        conclusion: 'neutral',
        app: { id: 77, slug: 'previews' },
      });
      gh.addCheckRun('acme', 'widgets', { headSha: 'b'.repeat(40), name: 'test' });
      const list = async (query = '') =>
        (await api('GET', `/repos/acme/widgets/commits/${head}/check-runs${query}`)).json;
      const latest = await list();
      expect(latest.total_count).toBe(3);
      expect(
        latest.check_runs.map((r: { name: string; status: string; conclusion: string | null }) => [
          r.name,
          r.status,
          r.conclusion,
        ]),
      ).toEqual([
        ['test', 'completed', 'success'],
        ['lint', 'in_progress', null],
        ['deploy-preview', 'completed', 'neutral'],
      ]);
      expect(latest.check_runs[0]).toMatchObject({
        head_sha: head,
        app: { id: 15368, slug: 'github-actions' },
        completed_at: expect.any(String),
        pull_requests: [],
      });
      expect((await list('?filter=all')).total_count).toBe(4);
      expect((await list('?app_id=77')).check_runs.map((r: { name: string }) => r.name)).toEqual([
        'deploy-preview',
      ]);
      expect((await list('?status=in_progress&check_name=lint')).total_count).toBe(1);
    });

    it('combines the latest status of each context', async () => {
      const combined = async () =>
        (await api('GET', `/repos/acme/widgets/commits/${head}/status`)).json;
      // No status at all reads pending, as on GitHub.
      expect(await combined()).toMatchObject({ state: 'pending', statuses: [], total_count: 0 });
      gh.addCommitStatus('acme', 'widgets', head, { context: 'ci/jenkins', state: 'pending' });
      gh.addCommitStatus('acme', 'widgets', head, { context: 'ci/jenkins', state: 'success' });
      gh.addCommitStatus('acme', 'widgets', head, { context: 'security', state: 'success' });
      expect(await combined()).toMatchObject({
        state: 'success',
        total_count: 2,
        sha: head,
        statuses: [
          { context: 'security', state: 'success' },
          { context: 'ci/jenkins', state: 'success' },
        ],
      });
      gh.addCommitStatus('acme', 'widgets', head, { context: 'security', state: 'error' });
      expect((await combined()).state).toBe('failure');
    });
  });

  describe('what a branch requires', () => {
    it('answers classic protection in Get a branch, off when unprotected', async () => {
      const branch = async (name: string) =>
        await api('GET', `/repos/acme/widgets/branches/${name}`);
      expect((await branch('main')).json).toMatchObject({
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
        },
      });
      gh.protectBranch('acme', 'widgets', 'main', {
        requiredChecks: ['ci/jenkins', { context: 'test', appId: 15368 }],
      });
      expect((await branch('main')).json).toMatchObject({
        protected: true,
        protection: {
          enabled: true,
          required_status_checks: {
            enforcement_level: 'non_admins',
            contexts: ['ci/jenkins', 'test'],
            checks: [
              { context: 'ci/jenkins', app_id: null },
              { context: 'test', app_id: 15368 },
            ],
          },
        },
      });
      expect((await branch('nope')).status).toBe(404);
    });

    it('lists the rules of active rulesets targeting a branch', async () => {
      const rules = async (name: string) =>
        (await api('GET', `/repos/acme/widgets/rules/branches/${name}`)).json;
      expect(await rules('main')).toEqual([]);
      const checks = {
        type: 'required_status_checks',
        parameters: {
          strict_required_status_checks_policy: false,
          required_status_checks: [{ context: 'e2e', integration_id: 15368 }],
        },
      };
      const id = gh.addRuleset('acme', 'widgets', {
        branches: ['~DEFAULT_BRANCH', 'release/*'],
        rules: [{ type: 'deletion' }, checks],
      });
      gh.addRuleset('acme', 'widgets', {
        branches: ['~ALL'],
        enforcement: 'evaluate',
        rules: [checks],
      });
      expect(await rules('main')).toEqual([
        {
          type: 'deletion',
          ruleset_source_type: 'Repository',
          ruleset_source: 'acme/widgets',
          ruleset_id: id,
        },
        {
          ...checks,
          ruleset_source_type: 'Repository',
          ruleset_source: 'acme/widgets',
          ruleset_id: id,
        },
      ]);
      expect(await rules('release/1.2')).toHaveLength(2);
      expect(await rules('release/1.2/hotfix')).toEqual([]);
      expect(await rules('feature')).toEqual([]);
      // A branch a ruleset targets reads protected, without classic protection.
      expect((await api('GET', '/repos/acme/widgets/branches/main')).json).toMatchObject({
        protected: true,
        protection: { enabled: false },
      });
    });
  });

  describe('GraphQL reviewThreads', () => {
    const QUERY = `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
      repository(owner: $owner, name: $repo) {
        pullRequest(number: $number) {
          reviewThreads(first: 2, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { id isResolved isOutdated path line
              comments(first: 1) { nodes { author { login } body createdAt } } }
          }
        }
      }
    }`;
    const ask = (variables: Record<string, unknown>, query = QUERY) =>
      api('POST', '/graphql', {
        query,
        variables: { owner: 'acme', repo: 'widgets', number: 7, ...variables },
      });

    it('pages threads with their state and first comment; controls resolve and outdate them', async () => {
      pull();
      const a = gh.addReviewThread('acme', 'widgets', 7, {
        path: 'src/a.ts',
        line: 3,
        author: 'octo-lead',
        body: 'rename this\nplease',
        createdAt: '2026-01-01T00:00:00Z',
      });
      const b = gh.addReviewThread('acme', 'widgets', 7, {
        path: 'src/b.ts',
        line: 9,
        author: null,
        body: 'why?',
      });
      gh.addReviewThread('acme', 'widgets', 7, {
        path: 'src/c.ts',
        author: 'octo-dev',
        body: 'nit',
      });
      gh.replyToReviewThread(a, { author: 'xmtp-coder-agent', body: 'done' });
      gh.resolveReviewThread(a);
      gh.outdateReviewThread(b);

      const page1 = await ask({});
      const threads = page1.json.data.repository.pullRequest.reviewThreads;
      expect(threads.pageInfo.hasNextPage).toBe(true);
      expect(threads.nodes).toEqual([
        {
          id: a,
          isResolved: true,
          isOutdated: false,
          path: 'src/a.ts',
          line: 3,
          originalLine: 3,
          comments: {
            totalCount: 2,
            nodes: [
              {
                author: { login: 'octo-lead' },
                body: 'rename this\nplease',
                createdAt: '2026-01-01T00:00:00Z',
              },
            ],
          },
        },
        expect.objectContaining({
          id: b,
          isOutdated: true,
          line: null,
          comments: expect.objectContaining({ nodes: [expect.objectContaining({ author: null })] }),
        }),
      ]);
      const page2 = await ask({ after: threads.pageInfo.endCursor });
      const rest = page2.json.data.repository.pullRequest.reviewThreads;
      expect(rest.nodes.map((n: { path: string }) => n.path)).toEqual(['src/c.ts']);
      expect(rest.pageInfo.hasNextPage).toBe(false);
      // Only asked fields are answered: the head commit when the query names headRefOid.
      expect(page1.json.data.repository.pullRequest).not.toHaveProperty('headRefOid');
      const withHead = await ask(
        {},
        QUERY.replace('pullRequest(number: $number) {', '$& headRefOid'),
      );
      expect(withHead.json.data.repository.pullRequest.headRefOid).toBe('a'.repeat(40));
      expect(
        gh.reviewThreads('acme', 'widgets', 7).map((t) => [t.path, t.resolved, t.outdated]),
      ).toEqual([
        ['src/a.ts', true, false],
        ['src/b.ts', false, true],
        ['src/c.ts', false, false],
      ]);
    });

    it('answers NOT_FOUND for a missing pull request and refuses unbounded or oversized pages', async () => {
      const missing = await ask({ number: 99 });
      expect(missing.json.errors[0]).toMatchObject({ type: 'NOT_FOUND' });
      pull();
      const unbounded = await ask({}, QUERY.replace('first: 2, ', ''));
      expect(unbounded.json.errors[0].message).toMatch(/must provide a `first` or `last`/);
      const huge = await ask({}, QUERY.replace('first: 2', 'first: 101'));
      expect(huge.json.errors[0].message).toMatch(/exceeds the `first` limit of 100/);
      // closingIssuesReferences is still answered by the same endpoint.
      const closing = await api('POST', '/graphql', {
        query:
          'query { repository { pullRequest { closingIssuesReferences(first: 10) { nodes { number } } } } }',
        variables: { owner: 'acme', repo: 'widgets', number: 7 },
      });
      expect(closing.json.data.repository.pullRequest.closingIssuesReferences.nodes).toEqual([]);
    });
  });
});
