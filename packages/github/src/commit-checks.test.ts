import { type FakeGitHub, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubApp } from './app';
import { type CommitCheck, checksVerdict, type RequiredCheck } from './commit-checks';
import type { GitHubInstallation } from './installation';

const ACTIONS = 15368;
const run = (name: string, state: CommitCheck['state'], appId = ACTIONS): CommitCheck => ({
  name,
  kind: 'check_run',
  state,
  appId,
});
const status = (name: string, state: CommitCheck['state']): CommitCheck => ({
  name,
  kind: 'status',
  state,
  appId: null,
});
const needs = (context: string, appId: number | null = null): RequiredCheck => ({
  context,
  appId,
});

describe('when the checks make a pull request ready for review', () => {
  it('required checks: green once each reported and passed', () => {
    const verdict = checksVerdict(
      [run('test', 'passed'), status('ci/jenkins', 'passed'), run('lint', 'failed')],
      [needs('test'), needs('ci/jenkins')],
    );
    // A check nobody requires may fail.
    expect(verdict).toEqual({
      state: 'green',
      required: ['test', 'ci/jenkins'],
      pending: [],
      failing: [],
    });
  });

  it('a required check still running, or not reported yet, is pending (the reminder waits)', () => {
    expect(checksVerdict([run('test', 'pending')], [needs('test')])).toMatchObject({
      state: 'pending',
      pending: ['test'],
    });
    expect(checksVerdict([run('lint', 'passed')], [needs('test')])).toMatchObject({
      state: 'pending',
      pending: ['test'],
    });
  });

  it('a required check that failed is failing, whatever else is pending', () => {
    expect(
      checksVerdict([run('test', 'failed'), run('e2e', 'pending')], [needs('test'), needs('e2e')]),
    ).toMatchObject({ state: 'failing', failing: ['test'], pending: ['e2e'] });
  });

  it('a check bound to an App counts only from that App (a status counts by context)', () => {
    expect(checksVerdict([run('test', 'passed', 77)], [needs('test', ACTIONS)])).toMatchObject({
      state: 'pending',
    });
    expect(checksVerdict([status('test', 'passed')], [needs('test', ACTIONS)])).toMatchObject({
      state: 'green',
    });
  });

  it('nothing required: every completed check must have passed; running ones are not waited for', () => {
    expect(checksVerdict([run('test', 'passed'), run('lint', 'pending')], [])).toEqual({
      state: 'green',
      required: [],
      pending: [],
      failing: [],
    });
    expect(checksVerdict([run('test', 'passed'), status('deploy', 'failed')], [])).toMatchObject({
      state: 'failing',
      failing: ['deploy'],
    });
    expect(checksVerdict([], []).state).toBe('green');
  });
});

describe('reading checks and requirements from GitHub', () => {
  const key = testAppKey();
  const repo = { owner: 'acme', repo: 'widgets' };
  const HEAD = 'a'.repeat(40);
  let fake: FakeGitHub;
  let gh: GitHubInstallation;

  beforeEach(async () => {
    fake = await startFakeGitHub({ appPublicKey: key.publicKey });
    gh = new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url }).installation(77);
  });
  afterEach(() => fake.close());

  it('reads the latest check runs and the statuses of a commit', async () => {
    fake.addCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test', conclusion: 'failure' });
    fake.addCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test', conclusion: 'skipped' });
    fake.addCheckRun('acme', 'widgets', { headSha: HEAD, name: 'lint', status: 'queued' });
    fake.addCommitStatus('acme', 'widgets', HEAD, { context: 'ci/jenkins', state: 'failure' });
    await expect(gh.commitChecks({ ...repo, ref: HEAD })).resolves.toEqual({
      checks: [
        { name: 'test', kind: 'check_run', state: 'passed', appId: ACTIONS },
        { name: 'lint', kind: 'check_run', state: 'pending', appId: ACTIONS },
        { name: 'ci/jenkins', kind: 'status', state: 'failed', appId: null },
      ],
      statusesRead: true,
    });
  });

  it('goes on without statuses when the installation may not read them (403)', async () => {
    fake.addCheckRun('acme', 'widgets', { headSha: HEAD, name: 'test' });
    fake.fail({
      path: /\/status$/,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    await expect(gh.commitChecks({ ...repo, ref: HEAD })).resolves.toEqual({
      checks: [{ name: 'test', kind: 'check_run', state: 'passed', appId: ACTIONS }],
      statusesRead: false,
    });
  });

  it('requires what classic protection and active rulesets require, once each', async () => {
    await expect(gh.requiredChecks({ ...repo, branch: 'main' })).resolves.toEqual([]);
    fake.protectBranch('acme', 'widgets', 'main', {
      requiredChecks: ['ci/jenkins', { context: 'test', appId: ACTIONS }],
    });
    fake.addRuleset('acme', 'widgets', {
      branches: ['~DEFAULT_BRANCH'],
      rules: [
        { type: 'pull_request', parameters: { required_approving_review_count: 1 } },
        {
          type: 'required_status_checks',
          parameters: {
            strict_required_status_checks_policy: true,
            required_status_checks: [
              { context: 'e2e' },
              { context: 'test', integration_id: ACTIONS },
            ],
          },
        },
      ],
    });
    await expect(gh.requiredChecks({ ...repo, branch: 'main' })).resolves.toEqual([
      { context: 'ci/jenkins', appId: null },
      { context: 'test', appId: ACTIONS },
      { context: 'e2e', appId: null },
    ]);
    // A base branch GitHub does not have requires nothing of its own (rulesets may still apply).
    await expect(gh.requiredChecks({ ...repo, branch: 'gone' })).resolves.toEqual([]);
  });
});
