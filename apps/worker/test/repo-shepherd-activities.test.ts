import type { CiFailed } from '@code-factory/events';
import { GitHubApp } from '@code-factory/github';
import type { RepoConfig } from '@code-factory/repo-config';
import {
  type FakeGitHub,
  startFakeGitHub,
  testAppKey,
  type WorkflowRunSeed,
} from '@code-factory/testkit';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectCiFailure,
  repoShepherdActivities,
  type ShepherdDeps,
} from '../src/repo-shepherd-activities';

const AGENT = 'xmtp-coder-agent';
const key = testAppKey();
const [owner, repo] = ['acme', 'widgets'];
const ref = { installationId: 7, repository: { owner, name: repo } };
const headSha = 'a'.repeat(40);
let fake: FakeGitHub;
let config: RepoConfig | null;
let deps: ShepherdDeps;

beforeEach(async () => {
  fake = await startFakeGitHub({ appPublicKey: key.publicKey });
  config = null;
  deps = {
    github: new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url }),
    agentLogin: AGENT,
    storedRepoConfig: async () => ({ sha: 'c'.repeat(40), config, errors: null }),
  };
});
afterEach(() => fake.close());

/** Activity bodies log through the activity context. */
const inActivity = <T>(fn: () => Promise<T>): Promise<T> =>
  new MockActivityEnvironment().run(fn as () => Promise<T>);

function run(runId: number, over: Partial<WorkflowRunSeed> = {}): void {
  fake.addWorkflowRun({
    owner,
    repo,
    runId,
    headSha,
    headBranch: 'fix-3',
    jobs: [
      { id: runId * 10 + 1, name: 'lint', conclusion: 'failure', log: 'lint: 2 problems\n' },
      { id: runId * 10 + 2, name: 'test', conclusion: 'failure', log: 'FAIL a.test.ts\n' },
      { id: runId * 10 + 3, name: 'build', conclusion: 'success', log: 'ok\n' },
    ],
    ...over,
  });
}

const failed = (runId: number, attempt?: number): CiFailed => ({
  ...ref,
  kind: 'ci.failed',
  deliveryId: 'd-1',
  receivedAt: '2026-12-01T00:00:00Z',
  issueNumber: 3,
  pullRequest: { number: 9, url: `https://github.com/${owner}/${repo}/pull/9` },
  run: {
    id: runId,
    name: 'CI',
    path: '.github/workflows/ci.yml',
    url: `https://github.com/${owner}/${repo}/actions/runs/${runId}`,
    headSha,
  },
  ...(attempt !== undefined ? { attempt } : {}),
});

const agentPull = (number: number, over: Record<string, unknown> = {}) =>
  fake.addPullRequest({ owner, repo, number, author: AGENT, headSha, headRef: 'fix-3', ...over });

describe('collectCiFailure', () => {
  it('reports every attempt of a run that failed again on re-run, oldest first', async () => {
    agentPull(9);
    run(100);
    await deps.github.installation(7).rerunFailedJobs({ owner, repo, runId: 100 });
    fake.completeRerun(owner, repo, 100, { lint: 'success', test: 'failure' });
    const report = await inActivity(() => collectCiFailure(deps, failed(100, 2)));
    expect(report.current).toBe(true);
    expect(report.jobs.map((j) => j.name)).toEqual(['test']);
    expect(report.earlierAttempts).toEqual([
      {
        attempt: 1,
        jobs: [
          expect.objectContaining({ name: 'lint', logTail: 'lint: 2 problems' }),
          expect.objectContaining({ name: 'test', logTail: 'FAIL a.test.ts' }),
        ],
      },
    ]);
    expect(report).not.toHaveProperty('heldBack');
  });

  it('marks the jobs that fail in the base branch’s latest completed run of the workflow', async () => {
    agentPull(9);
    run(100);
    // main: an older run that failed both, then the latest, where only lint fails.
    run(200, { headSha: 'b'.repeat(40), headBranch: 'main', createdAt: '2026-01-01T00:00:00Z' });
    run(300, {
      headSha: 'b'.repeat(40),
      headBranch: 'main',
      createdAt: '2026-01-02T00:00:00Z',
      jobs: [
        { id: 3001, name: 'lint', conclusion: 'failure' },
        { id: 3002, name: 'test', conclusion: 'success' },
      ],
    });
    const report = await inActivity(() => collectCiFailure(deps, failed(100)));
    expect(report.jobs.map((j) => [j.name, j.alsoFailingOn])).toEqual([
      ['lint', 'main'],
      ['test', undefined],
    ]);
    expect(report).not.toHaveProperty('earlierAttempts');
    expect(fake.callsTo('GET', /\/actions\/workflows\/ci\.yml\/runs$/)[0]?.query).toMatchObject({
      branch: 'main',
      status: 'completed',
    });
  });

  it('holds a run back when every failing job fails on the base and the repository says so', async () => {
    agentPull(9);
    run(100);
    run(200, { headSha: 'b'.repeat(40), headBranch: 'main' });
    const marked = await inActivity(() => collectCiFailure(deps, failed(100)));
    expect(marked.jobs.every((j) => j.alsoFailingOn === 'main')).toBe(true);
    expect(marked).not.toHaveProperty('heldBack');

    config = { shepherd: { ignore_base_failures: true } };
    const held = await inActivity(() => collectCiFailure(deps, failed(100)));
    expect(held.heldBack).toBe(
      'every failing job (lint, test) fails on main too, and shepherd.ignore_base_failures holds such failures back',
    );
  });

  it('marks nothing when the base has no completed run, or it cannot be read', async () => {
    agentPull(9);
    run(100);
    const none = await inActivity(() => collectCiFailure(deps, failed(100)));
    expect(none.jobs.some((j) => j.alsoFailingOn)).toBe(false);
    fake.fail({ method: 'GET', path: /\/actions\/workflows\/.*\/runs$/, status: 500, times: 1 });
    const unreadable = await inActivity(() => collectCiFailure(deps, failed(100)));
    expect(unreadable.jobs.map((j) => j.name)).toEqual(['lint', 'test']);
  });

  it('is not current once the pull request moved past the run', async () => {
    agentPull(9, { headSha: 'f'.repeat(40) });
    run(100);
    await expect(inActivity(() => collectCiFailure(deps, failed(100, 2)))).resolves.toEqual({
      current: false,
      jobs: [],
    });
  });
});

describe('repository shepherd activities', () => {
  const acts = () => repoShepherdActivities(deps);

  it('re-runs the failed jobs, then names the flakes once the re-run passed', async () => {
    run(100);
    await acts().rerunFailedJobs({ ...ref, runId: 100 });
    expect(fake.runAttempt(owner, repo, 100).runAttempt).toBe(2);
    fake.completeRerun(owner, repo, 100, { lint: 'success', test: 'success' });
    await expect(acts().flakyJobs({ ...ref, runId: 100, attempt: 2 })).resolves.toEqual([
      'lint',
      'test',
    ]);
    // Attempt 1 alone had no earlier attempt: nothing flaked.
    await expect(acts().flakyJobs({ ...ref, runId: 100, attempt: 1 })).resolves.toEqual([]);
  });

  it("finds the agent's open pull requests a push to a branch moves, on either side", async () => {
    agentPull(1, { baseRef: 'main', headRef: 'fix-1' });
    agentPull(2, { baseRef: 'release', headRef: 'fix-2' });
    fake.addPullRequest({ owner, repo, number: 3, author: 'octo-dev', headSha, headRef: 'x' });
    // From a branch named `main` of this repository (the head side of a push to `main`).
    agentPull(4, { baseRef: 'release', headRef: 'main', headOwner: owner });
    fake.linkIssue(owner, repo, 1, 11);
    fake.linkIssue(owner, repo, 4, 14);
    const moved = await acts().agentPullRequestsOnBranch({ ...ref, branch: 'main' });
    expect(moved).toEqual([
      {
        number: 1,
        url: `https://github.com/${owner}/${repo}/pull/1`,
        issueNumbers: [11],
        side: 'base',
      },
      {
        number: 4,
        url: `https://github.com/${owner}/${repo}/pull/4`,
        issueNumbers: [14],
        side: 'head',
      },
    ]);
    await expect(acts().agentPullRequestsOnBranch({ ...ref, branch: 'nowhere' })).resolves.toEqual(
      [],
    );
  });

  it("answers a pull request only when it is the agent's and open", async () => {
    agentPull(1);
    agentPull(2, { state: 'closed' });
    fake.addPullRequest({ owner, repo, number: 3, author: 'octo-dev', headSha, headRef: 'x' });
    fake.linkIssue(owner, repo, 1, 11);
    await expect(acts().agentPullRequest({ ...ref, pullNumber: 1 })).resolves.toEqual({
      number: 1,
      url: `https://github.com/${owner}/${repo}/pull/1`,
      issueNumbers: [11],
    });
    await expect(acts().agentPullRequest({ ...ref, pullNumber: 2 })).resolves.toBeNull();
    await expect(acts().agentPullRequest({ ...ref, pullNumber: 3 })).resolves.toBeNull();
  });

  it("reads a merge group's failed checks with their log tails, at most five", async () => {
    const group = 'e'.repeat(40);
    run(100, { headSha: group, headBranch: `gh-readonly-queue/main/pr-1-${'0'.repeat(40)}` });
    run(200, {
      headSha: group,
      path: '.github/workflows/e2e.yml',
      name: 'E2E',
      jobs: Array.from({ length: 6 }, (_, i) => ({
        id: 2000 + i,
        name: `shard ${i}`,
        conclusion: 'failure' as const,
        log: `shard ${i} failed\n`,
      })),
    });
    const checks = await acts().failedChecksAt({ ...ref, headSha: group });
    expect(checks).toHaveLength(5);
    expect(checks[0]).toEqual({
      name: expect.stringMatching(/^(CI|E2E) \/ /),
      url: expect.stringContaining('/job/'),
      logTail: expect.stringMatching(/failed|problems|FAIL/),
    });
    await expect(acts().failedChecksAt({ ...ref, headSha: 'd'.repeat(40) })).resolves.toEqual([]);
  });
});
