import { describe, expect, it } from 'vitest';
import { failure, fakeInstallation, repo } from '../test/fake-installation';
import {
  commitParents,
  mergedPullRequestsClosing,
  reopenIssue,
  runJobs,
  runsAtCommit,
} from './follow-through';

const t = fakeInstallation();
const merge = 'a1'.padEnd(40, '1');
const parent = 'b2'.padEnd(40, '2');

describe('what the follow-through asks GitHub', () => {
  it('finds the merged pull requests that close an issue, newest merge first, merged ones only', async () => {
    const pull = (number: number, mergedAt?: string, author = 'xmtp-coder-agent') => {
      t.fake.addPullRequest({
        ...repo,
        number,
        author,
        headSha: `${number}`.padEnd(40, 'c'),
        headRef: `fix-${number}`,
        ...(mergedAt ? { mergedAt, mergeCommitSha: `${number}`.padEnd(40, 'm') } : {}),
      });
      t.fake.linkIssue('acme', 'widgets', number, 42);
    };
    pull(7, '2026-12-01T10:00:00Z');
    pull(8, '2026-12-02T10:00:00Z', 'octo-dev');
    pull(9);
    const found = await mergedPullRequestsClosing(t.gh, { ...repo, issueNumber: 42 });
    expect(found).toEqual([
      {
        number: 8,
        url: 'https://github.com/acme/widgets/pull/8',
        authorLogin: 'octo-dev',
        mergeCommitSha: '8'.padEnd(40, 'm'),
        baseRef: 'main',
        mergedAt: '2026-12-02T10:00:00Z',
      },
      expect.objectContaining({ number: 7, authorLogin: 'xmtp-coder-agent' }),
    ]);
    expect(await mergedPullRequestsClosing(t.gh, { ...repo, issueNumber: 43 })).toEqual([]);
  });

  it("reads a merge commit's parents, first parent first, and not_found for an unknown commit", async () => {
    t.fake.addCommit('acme', 'widgets', { sha: parent, files: ['a.ts'] });
    t.fake.addCommit('acme', 'widgets', {
      sha: merge,
      parents: [parent, 'e'.repeat(40)],
      files: ['a.ts'],
    });
    expect(await commitParents(t.gh, { ...repo, ref: merge })).toEqual([parent, 'e'.repeat(40)]);
    expect((await failure(commitParents(t.gh, { ...repo, ref: 'f'.repeat(40) }))).kind).toBe(
      'not_found',
    );
  });

  it('lists every run at a commit and the jobs of a run with their conclusions', async () => {
    t.fake.addWorkflowRun({
      ...repo,
      runId: 5,
      headSha: merge,
      jobs: [
        { id: 51, name: 'lint', conclusion: 'success' },
        { id: 52, name: 'unit-tests', conclusion: 'failure' },
      ],
    });
    t.fake.addWorkflowRun({ ...repo, runId: 6, headSha: parent, jobs: [] });
    const runs = await runsAtCommit(t.gh, { ...repo, headSha: merge });
    expect(runs.map((r) => [r.id, r.conclusion, r.path])).toEqual([
      [5, 'failure', '.github/workflows/ci.yml'],
    ]);
    expect(await runJobs(t.gh, { ...repo, runId: 5 })).toEqual([
      { id: 51, name: 'lint', url: expect.stringContaining('/job/51'), conclusion: 'success' },
      {
        id: 52,
        name: 'unit-tests',
        url: expect.stringContaining('/job/52'),
        conclusion: 'failure',
      },
    ]);
  });

  it('reopens an issue with state_reason reopened', async () => {
    const res = await t.gh.octokit.request('POST /repos/{owner}/{repo}/issues', {
      ...repo,
      title: 'x',
    });
    t.fake.closeIssue('acme', 'widgets', res.data.number);
    await reopenIssue(t.gh, { ...repo, issueNumber: res.data.number });
    expect(t.fake.issues('acme', 'widgets')[0]?.state).toBe('open');
    const [patch] = t.fake.callsTo('PATCH', /\/issues\/\d+$/);
    expect(patch?.body).toEqual({ state: 'open', state_reason: 'reopened' });
    expect((await failure(reopenIssue(t.gh, { ...repo, issueNumber: 999 }))).kind).toBe(
      'not_found',
    );
  });
});
