import { ExternalError } from '@code-factory/errors';
import type { WorkflowRunSeed } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { fakeInstallation, repo } from '../test/fake-installation';

const t = fakeInstallation();

function run(runId: number, over: Partial<WorkflowRunSeed> = {}): void {
  t.fake.addWorkflowRun({
    ...repo,
    runId,
    headBranch: 'fix-42',
    jobs: [
      { id: runId * 10 + 1, name: 'build', conclusion: 'success', log: 'ok\n' },
      {
        id: runId * 10 + 2,
        name: 'e2e',
        conclusion: 'failure',
        log: '2026-01-01T00:00:00.0000000Z flaky\n2026-01-01T00:00:01.0000000Z boom\n',
      },
    ],
    ...over,
  });
}

describe('re-running failed jobs', () => {
  it('starts a new attempt, and reads the failed jobs of each attempt with their logs', async () => {
    run(100);
    await expect(t.gh.workflowRun({ ...repo, runId: 100 })).resolves.toMatchObject({
      id: 100,
      runAttempt: 1,
      status: 'completed',
      conclusion: 'failure',
      path: '.github/workflows/ci.yml',
    });
    await t.gh.rerunFailedJobs({ ...repo, runId: 100 });
    expect(t.fake.runAttempt('acme', 'widgets', 100)).toMatchObject({
      runAttempt: 2,
      status: 'queued',
    });
    t.fake.completeRerun('acme', 'widgets', 100, { e2e: 'failure' });

    const first = await t.gh.runAttemptJobs({ ...repo, runId: 100, attempt: 1 });
    expect(first).toEqual([
      { id: 1002, name: 'e2e', url: expect.stringContaining('/job/1002'), logTail: 'flaky\nboom' },
    ]);
    const second = await t.gh.runAttemptJobs({ ...repo, runId: 100, attempt: 2, lines: 1 });
    expect(second).toHaveLength(1);
    expect(second[0]?.id).not.toBe(1002);
    expect(second[0]).toMatchObject({ name: 'e2e', logTail: 'boom' });
    expect(t.fake.callsTo('GET', /\/attempts\/2\/jobs$/)).toHaveLength(1);
    // The latest attempt is what failedJobs reads without an attempt.
    expect((await t.gh.failedJobs({ ...repo, runId: 100 })).map((j) => j.id)).toEqual([
      second[0]?.id,
    ]);
  });

  it('fails as rejected while the run is still going, and not_found for an unknown run', async () => {
    run(100);
    await t.gh.rerunFailedJobs({ ...repo, runId: 100 });
    const busy = await t.gh.rerunFailedJobs({ ...repo, runId: 100 }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ExternalError);
    expect(busy).toMatchObject({ kind: 'rejected', status: 403 });
    const missing = await t.gh.rerunFailedJobs({ ...repo, runId: 5 }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'not_found' });
  });
});

describe('latestCompletedRun', () => {
  it("finds the base branch's newest completed run of the same workflow", async () => {
    // A run a day: on main a failure, a success, one in progress and another workflow's failure;
    // then a failure on a branch.
    const main = (day: number) => ({ headBranch: 'main', createdAt: `2026-01-0${day}T00:00:00Z` });
    run(1, main(1));
    run(2, { ...main(2), jobs: [{ id: 21, name: 'build', conclusion: 'success' }] });
    const inProgress = { id: 31, name: 'build', conclusion: null, status: 'in_progress' } as const;
    run(3, { ...main(3), jobs: [inProgress] });
    run(4, { ...main(4), path: '.github/workflows/lint.yml' });
    run(5, { ...main(5), headBranch: 'fix-42' });

    const byFile = await t.gh.latestCompletedRun({ ...repo, workflowId: 'ci.yml', branch: 'main' });
    expect(byFile).toMatchObject({ id: 2, conclusion: 'success', headBranch: 'main' });
    const byId = await t.gh.latestCompletedRun({
      ...repo,
      workflowId: byFile?.workflowId ?? 0,
      branch: 'main',
    });
    expect(byId?.id).toBe(2);
    const lint = await t.gh.latestCompletedRun({ ...repo, workflowId: 'lint.yml', branch: 'main' });
    expect(lint).toMatchObject({ id: 4, conclusion: 'failure' });
    await expect(
      t.gh.latestCompletedRun({ ...repo, workflowId: 'ci.yml', branch: 'release' }),
    ).resolves.toBeNull();
    const asked = t.fake.callsTo('GET', /\/actions\/workflows\/ci\.yml\/runs$/)[0];
    expect(asked?.query).toMatchObject({ branch: 'main', status: 'completed', per_page: '1' });
  });
});

describe('failedRunsAt', () => {
  it('lists the failed runs at a commit, newest first', async () => {
    const sha = 'e'.repeat(40);
    run(1, { headSha: sha, createdAt: '2026-01-01T00:00:00Z' });
    run(2, {
      headSha: sha,
      createdAt: '2026-01-02T00:00:00Z',
      jobs: [{ id: 21, name: 'build', conclusion: 'success' }],
    });
    run(3, { headSha: sha, path: '.github/workflows/e2e.yml', createdAt: '2026-01-03T00:00:00Z' });
    run(4, { headSha: 'f'.repeat(40) });
    const failed = await t.gh.failedRunsAt({ ...repo, headSha: sha });
    expect(failed.map((r) => [r.id, r.conclusion])).toEqual([
      [3, 'failure'],
      [1, 'failure'],
    ]);
    const asked = t.fake.callsTo('GET', /\/actions\/runs$/)[0];
    expect(asked?.query).toMatchObject({ head_sha: sha, status: 'failure', per_page: '5' });
  });
});
