import { GitHubApp } from '@code-factory/github';
import { type FakeGitHub, startFakeGitHub, testAppKey } from '@code-factory/testkit';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TaskShepherdDeps, taskShepherdActivities } from '../src/task-shepherd-activities';

const AGENT = 'xmtp-coder-agent';
const key = testAppKey();
const [owner, repo] = ['acme', 'widgets'];
const ref = { installationId: 7, repository: { owner, name: repo }, issueNumber: 3 };
const sha = (c: string) => c.repeat(40);
let fake: FakeGitHub;
let acts: ReturnType<typeof taskShepherdActivities>;

beforeEach(async () => {
  fake = await startFakeGitHub({ appPublicKey: key.publicKey });
  const deps: TaskShepherdDeps = {
    github: new GitHubApp({ appId: 1, privateKey: key.pkcs1, baseUrl: fake.url }),
    agentLogin: AGENT,
  };
  acts = taskShepherdActivities(deps);
});
afterEach(() => fake.close());

/** Activity bodies log through the activity context. */
const inActivity = <T>(fn: () => Promise<T>): Promise<T> =>
  new MockActivityEnvironment().run(fn as () => Promise<T>);

const agentPull = (headSha: string) =>
  fake.addPullRequest({ owner, repo, number: 9, author: AGENT, headSha, headRef: 'fix-3' });

describe('readReviewThreads', () => {
  const thread = (path: string, createdAt: string, over: Record<string, unknown> = {}) =>
    fake.addReviewThread(owner, repo, 9, {
      path,
      line: 1,
      author: 'octo-lead',
      body: `About ${path}.`,
      createdAt,
      ...over,
    });

  it('nudges about the waiting threads whose file got no commit on the head since they were opened', async () => {
    // The head: a commit on src/a.ts before the review, one on src/b.ts after its first thread.
    fake.addCommit(owner, repo, {
      sha: sha('1'),
      files: ['src/a.ts'],
      committedAt: '2026-03-01T09:00:00Z',
    });
    fake.addCommit(owner, repo, {
      sha: sha('2'),
      parents: [sha('1')],
      files: ['src/b.ts'],
      committedAt: '2026-03-01T12:00:00Z',
    });
    agentPull(sha('2'));
    const a = thread('src/a.ts', '2026-03-01T10:00:00Z');
    thread('src/b.ts', '2026-03-01T10:00:00Z'); // the agent pushed a change to it since
    const laterB = thread('src/b.ts', '2026-03-01T13:00:00Z');
    const answered = thread('src/c.ts', '2026-03-01T10:00:00Z');
    fake.replyToReviewThread(answered, { author: AGENT, body: 'Done.' });
    thread('src/d.ts', '2026-03-01T10:00:00Z', { outdated: true });
    thread('src/e.ts', '2026-03-01T10:00:00Z', { resolved: true });
    thread('src/f.ts', '2026-03-01T10:00:00Z', { author: AGENT });

    const ledger = await inActivity(() => acts.readReviewThreads({ ...ref, pullNumber: 9 }));
    expect(ledger.unanswered).toEqual([
      { id: a, path: 'src/a.ts', line: 1, author: 'octo-lead', firstLine: 'About src/a.ts.' },
      expect.objectContaining({ id: laterB, path: 'src/b.ts' }),
    ]);
    // Counted: the outdated thread is neither open nor resolved.
    expect([ledger.open, ledger.resolved]).toEqual([5, 1]);
    // One "List commits" per file with threads waiting, from the head, since its oldest one.
    expect(fake.callsTo('GET', /\/commits$/).map((c) => c.query)).toEqual([
      expect.objectContaining({ sha: sha('2'), path: 'src/a.ts', since: '2026-03-01T10:00:00Z' }),
      expect.objectContaining({ sha: sha('2'), path: 'src/b.ts', since: '2026-03-01T10:00:00Z' }),
    ]);
  });

  it('counts a thread open until it is resolved or outdated', async () => {
    agentPull(sha('9'));
    const a = thread('src/a.ts', '2026-03-01T10:00:00Z');
    const b = thread('src/b.ts', '2026-03-01T10:00:00Z');
    thread('src/c.ts', '2026-03-01T10:00:00Z', { resolved: true });
    const count = async () => {
      const ledger = await inActivity(() => acts.readReviewThreads({ ...ref, pullNumber: 9 }));
      return [ledger.open, ledger.resolved];
    };
    expect(await count()).toEqual([2, 1]);
    fake.resolveReviewThread(a);
    expect(await count()).toEqual([1, 2]);
    fake.outdateReviewThread(b);
    expect(await count()).toEqual([0, 2]);
  });

  it('asks nothing more when no thread waits; a head GitHub does not know counts as untouched', async () => {
    agentPull(sha('9'));
    thread('src/a.ts', '2026-03-01T10:00:00Z', { resolved: true });
    const quiet = await inActivity(() => acts.readReviewThreads({ ...ref, pullNumber: 9 }));
    expect(quiet.unanswered).toEqual([]);
    expect(fake.callsTo('GET', /\/commits$/)).toEqual([]);

    const waiting = thread('src/b.ts', '2026-03-01T10:00:00Z');
    const ledger = await inActivity(() => acts.readReviewThreads({ ...ref, pullNumber: 9 }));
    expect(ledger.unanswered.map((t) => t.id)).toEqual([waiting]);
    expect(fake.callsTo('GET', /\/commits$/).map((c) => c.status)).toEqual([404]);
  });
});

describe('requestReview', () => {
  const LEAD = 'octo-lead';
  const ask = () => inActivity(() => acts.requestReview({ ...ref, pullNumber: 9, assigner: LEAD }));
  const requested = () => fake.requestedReviewers(owner, repo, 9).users;
  beforeEach(() => {
    fake.setPermission(owner, repo, LEAD, 'write');
  });

  it('asks nobody while the pull request is a draft', async () => {
    fake.addPullRequest({
      owner,
      repo,
      number: 9,
      author: AGENT,
      headSha: sha('a'),
      headRef: 'x',
      draft: true,
    });
    await expect(ask()).resolves.toEqual({ requested: [], why: 'not ready for review (a draft)' });
    expect(fake.callsTo('GET', /check-runs$/)).toEqual([]);
  });

  it('waits for the checks the base requires: pending, then failing, then green', async () => {
    agentPull(sha('a'));
    fake.protectBranch(owner, repo, 'main', { requiredChecks: ['test'] });
    fake.addRuleset(owner, repo, {
      branches: ['~DEFAULT_BRANCH'],
      rules: [
        {
          type: 'required_status_checks',
          parameters: { required_status_checks: [{ context: 'ci/jenkins' }] },
        },
      ],
    });
    // Nothing reported yet, and an optional check failing: not ready, the required ones pending.
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'lint', conclusion: 'failure' });
    await expect(ask()).resolves.toEqual({
      requested: [],
      why: 'not ready for review (required checks pending: test, ci/jenkins)',
    });
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'test', conclusion: 'failure' });
    fake.addCommitStatus(owner, repo, sha('a'), { context: 'ci/jenkins', state: 'pending' });
    await expect(ask()).resolves.toEqual({
      requested: [],
      why: 'not ready for review (required checks failing: test)',
    });
    expect(fake.callsTo('POST', /requested_reviewers$/)).toEqual([]);
    // The re-run passes and the status turns green: the assigner is asked.
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'test', conclusion: 'success' });
    fake.addCommitStatus(owner, repo, sha('a'), { context: 'ci/jenkins', state: 'success' });
    await expect(ask()).resolves.toEqual({ requested: [`@${LEAD}`] });
    expect(requested()).toEqual([LEAD]);
    // Read where GitHub keeps them: the head's checks, the base branch's requirements.
    expect(fake.callsTo('GET', /\/commits\/a+\/check-runs$/).length).toBe(3);
    expect(fake.callsTo('GET', /widgets\/branches\/main$/).length).toBe(3);
    expect(fake.callsTo('GET', /\/rules\/branches\/main$/).length).toBe(3);
  });

  it('without required checks, a failed check holds the request; CODEOWNERS of the changed paths are asked', async () => {
    agentPull(sha('a'));
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'test', conclusion: 'timed_out' });
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'e2e', status: 'in_progress' });
    await expect(ask()).resolves.toEqual({
      requested: [],
      why: 'not ready for review (checks failing: test)',
    });
    fake.addCheckRun(owner, repo, { headSha: sha('a'), name: 'test', conclusion: 'success' });
    fake.setComparison({
      owner,
      repo,
      base: '0'.repeat(40),
      head: sha('a'),
      files: [{ filename: 'packages/api/x.ts', status: 'modified' }],
      commits: [{ sha: sha('a'), message: 'Fix it' }],
    });
    fake.setFile(owner, repo, 'main', '.github/CODEOWNERS', '/packages/api/ @api-owner\n');
    fake.setPermission(owner, repo, 'api-owner', 'write');
    // The check still running is not waited for.
    await expect(ask()).resolves.toEqual({ requested: ['@api-owner'] });
    expect(requested()).toEqual(['api-owner']);
  });
});
