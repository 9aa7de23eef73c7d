/**
 * Follow-through after the merge (issue 27, part 2), through the running ingress, repository
 * workflow and worker on the fakes: an issue closed after its agent pull request merged keeps
 * its task watching the branch (`following`). A failed run at the merge commit whose job passed
 * at the merge's parent is told once on the issue with the job's log tail, the issue reopened and
 * a new agent started with that failure in its brief; a job that failed at the parent too is not
 * told; with `reopen_on_regression = false` the comment is all; a revert (a pushed commit, or GitHub's revert pull request) is told with its link, the
 * issue reopened and the watch ended; the window's end closes the task with nothing posted; with
 * `watch_after_merge = "off"` the close is what it was. Asserted on the fake GitHub's comments,
 * issues and deliveries and on the fake Coder's chats.
 *
 * SHEPHERD_TIME_SCALE makes the repository's durations short: 24 h → 72 min (no watch here
 * ends by itself), `1m` → 3 s.
 *
 * RECORD_HISTORIES=1 RECORD_SUFFIX=.follow-through records the regression's life (the task) and
 * the repository workflow for the replay test (the suffix of the latter is `-routes`).
 */
import { STATUS_MARKER } from '@code-factory/messages';
import { repositoryWorkflowId } from '@code-factory/naming';
import { defaultBranchPayloads, samplePayloads, until } from '@code-factory/testkit';
import { AGENT_LOGIN, type Stack, startStack } from '@code-factory/testkit/stack';
import { repoConfigQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { save } from '../../replay/src/record-helpers';
import type { Repo } from './repo-issue';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    coderTimings: { chatRunningMs: 100 },
    workerEnv: { SHEPHERD_TIME_SCALE: '0.05', STATUS_COMMENT_INTERVAL_MS: '0' },
  });
});
afterAll(async () => {
  await stack?.close();
});

const sha = (prefix: string) => prefix.padEnd(40, '0');

const comments = (n: number, repo: Repo = stack.repo) =>
  stack.github.comments(repo.owner, repo.name, n).map((c) => c.body);
const statusComment = (n: number, repo?: Repo) =>
  comments(n, repo).find((body) => body.startsWith(STATUS_MARKER)) ?? '';
const issueComments = (n: number, repo?: Repo) =>
  comments(n, repo).filter((body) => !body.startsWith(STATUS_MARKER));
const issueState = (n: number, repo: Repo = stack.repo) =>
  stack.github.issues(repo.owner, repo.name).find((i) => i.number === n)?.state;

/** An issue the fake GitHub holds (so it can be reopened), assigned to the agent, its agent ready. */
async function agentOn(title: string, repo: Repo = stack.repo) {
  const res = await fetch(`${stack.github.url}/repos/${repo.owner}/${repo.name}/issues`, {
    method: 'POST',
    headers: { authorization: 'token e2e', 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  const n = ((await res.json()) as { number: number }).number;
  const name = await stack.assign(n, title, repo);
  await stack.waitForPhase(name, ['ready'], 60_000);
  return { n, name };
}

/**
 * The agent's pull request `pr` for issue `n` merged as `merge` on `main` (its parent `parent`);
 * GitHub delivers the merge and the close, and the task watches `main`.
 */
async function mergedAndClosed(
  task: { n: number; name: string },
  pr: number,
  commits: { merge: string; parent: string },
  repo: Repo = stack.repo,
  watched = true,
) {
  const { owner, name } = repo;
  stack.github.addPullRequest({
    owner,
    repo: name,
    number: pr,
    author: AGENT_LOGIN,
    headSha: sha(`${pr}aa`),
    headRef: `agent/${task.n}`,
    mergedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mergeCommitSha: commits.merge,
  });
  stack.github.linkIssue(owner, name, pr, task.n);
  stack.github.addCommit(owner, name, { sha: commits.parent, files: ['src/widget.ts'] });
  stack.github.addCommit(owner, name, {
    sha: commits.merge,
    parents: [commits.parent, sha(`${pr}aa`)],
    files: ['src/widget.ts'],
    message: `Merge pull request #${pr}`,
  });
  const merged = defaultBranchPayloads.pullRequestClosed({
    owner,
    repo: name,
    prNumber: pr,
    mergeCommitSha: commits.merge,
  });
  expect((await stack.deliver('pull_request', merged)).status).toBe(202);
  stack.github.closeIssue(owner, name, task.n);
  await stack.deliverAccepted(
    'issues',
    samplePayloads.issueClosed({ ...stack.issue(task.n), owner, repo: name }),
  );
  if (watched) await stack.waitForPhase(task.name, ['following']);
}

/** Run `runId` of `repo`'s CI on a push to `main` at `headSha`. */
const pushRun = (runId: number, headSha: string, repo: Repo) => ({
  owner: repo.owner,
  repo: repo.name,
  runId,
  headSha,
  headBranch: 'main',
  event: 'push' as const,
});

/** A CI run at `headSha` with these jobs (`unit-tests` logs an assertion when it fails). */
function ciRun(
  runId: number,
  headSha: string,
  jobs: Record<string, 'success' | 'failure'>,
  repo: Repo = stack.repo,
) {
  stack.github.addWorkflowRun({
    ...pushRun(runId, headSha, repo),
    jobs: Object.entries(jobs).map(([name, conclusion], i) => ({
      id: runId * 10 + i,
      name,
      conclusion,
      log: `2026-12-07T10:00:00.0000000Z run ${name}\n2026-12-07T10:00:01.0000000Z ${conclusion === 'failure' ? 'Error: expected 2 to be 3' : 'ok'}\n`,
    })),
  });
}

const runFailed = (runId: number, headSha: string, repo: Repo = stack.repo) =>
  samplePayloads.workflowRunCompleted({ ...pushRun(runId, headSha, repo), conclusion: 'failure' });

describe('follow-through after the merge', () => {
  it('a merge that breaks CI: one comment with the job and its log, the issue reopened, a new agent told', async () => {
    const task = await agentOn('Regression');
    const commits = { merge: sha('a1e9e'), parent: sha('9a7e9') };
    ciRun(801, commits.parent, { 'unit-tests': 'success', lint: 'success' });
    await mergedAndClosed(task, 81, commits);
    await until(() => statusComment(task.n).includes('👀 Watching `main`'), 'the watch shown');
    expect(stack.agentLive(task.name)).toBe(false);

    ciRun(802, commits.merge, { 'unit-tests': 'failure', lint: 'success' });
    expect((await stack.deliver('workflow_run', runFailed(802, commits.merge))).status).toBe(202);
    await until(() => issueComments(task.n).length === 1, 'the regression comment');
    const [told = ''] = issueComments(task.n);
    expect(told).toContain('⚠️ **The merge of #81 broke CI on `main`.**');
    expect(told).toContain('#### CI / unit-tests');
    expect(told).toContain('Error: expected 2 to be 3');
    expect(told).not.toContain('lint');
    expect(told).toContain('This issue was reopened, and a new Coder agent is starting on it');
    expect(issueState(task.n)).toBe('open');

    // The next run starts a new agent through the start path, as the same requester.
    await stack.waitFor(task.name, (s) => s.phase === 'ready' && s.agent !== null, 60_000);
    const chats = stack.coder.chats().filter((c) => c.labels['code-factory/task'] === task.name);
    expect(chats).toHaveLength(2);
    const brief = (stack.agentTexts(task.name) ?? [])[0] ?? '';
    expect(brief).toContain('was merged and broke CI on the branch it merged into');
    expect(brief).toContain(`- Merge commit: ${commits.merge} on \`main\``);
    expect(brief).toContain('Error: expected 2 to be 3');
    await until(() => statusComment(task.n).includes('Started again: the merge of #81'), 'status');

    // Another failed run at the same commit, and GitHub's issues.reopened for our reopen: nothing.
    ciRun(803, commits.merge, { 'unit-tests': 'failure' });
    expect((await stack.deliver('workflow_run', runFailed(803, commits.merge))).status).toBe(202);
    const reopened = samplePayloads.issueClosed(stack.issue(task.n));
    const skipped = await stack.deliver('issues', { ...reopened, action: 'reopened' });
    expect(skipped.status).toBe(200);
    await stack.waitForIdle(repositoryWorkflowId(stack.repo));
    await stack.waitForIdle(task.name);
    expect(issueComments(task.n)).toHaveLength(1);
    expect(
      stack.coder.chats().filter((c) => c.labels['code-factory/task'] === task.name),
    ).toHaveLength(2);

    // Closed again without a new merge: the merge watched already is not watched twice.
    const handle = stack.client.workflow.getHandle(task.name);
    await stack.deliverAccepted('issues', samplePayloads.issueClosed(stack.issue(task.n)));
    expect(await handle.result()).toBe('closed');
    if (process.env.RECORD_HISTORIES === '1') await save('task-follow-through', handle);
  }, 180_000);

  it('a failing job that failed at the parent too is not told; /agent release ends the watch', async () => {
    const task = await agentOn('Broken before');
    const commits = { merge: sha('b1e9e'), parent: sha('8a7e9') };
    ciRun(811, commits.parent, { 'unit-tests': 'failure' });
    await mergedAndClosed(task, 82, commits);
    ciRun(812, commits.merge, { 'unit-tests': 'failure' });
    expect((await stack.deliver('workflow_run', runFailed(812, commits.merge))).status).toBe(202);
    const state = await stack.waitFor(task.name, (s) => (s.follow?.runsChecked.length ?? 0) > 0);
    expect(state.phase).toBe('following');
    expect(state.follow?.uncounted).toEqual([
      { workflow: 'CI', name: 'unit-tests', why: 'failed-at-parent' },
    ]);
    expect(issueComments(task.n)).toEqual([]);
    expect(issueState(task.n)).toBe('closed');

    const release = samplePayloads.issueComment({
      ...stack.issue(task.n),
      commentId: 8201,
      body: '/agent release',
    });
    expect((await stack.deliver('issue_comment', release)).status).toBe(202);
    expect(await stack.client.workflow.getHandle(task.name).result()).toBe('closed');
    expect(issueComments(task.n)).toEqual([
      `@octo-lead ⏹️ The watch of \`main\` after the merge of #82 ended; nothing more happens on this issue unless it is given to the agent again.`,
    ]);
    expect(statusComment(task.n)).toContain(
      '⏹️ The watch of `main` after the merge of #82 (`b1e9e00`) was ended early.',
    );
  }, 180_000);

  it('with reopen_on_regression off a regression is told and nothing else: no reopen, no agent, still watching', async () => {
    const repo = await repoWithConfig('told-only', 'reopen_on_regression = false');
    const task = await agentOn('Told only', repo);
    const commits = { merge: sha('b2e9e'), parent: sha('8b7e9') };
    ciRun(821, commits.parent, { 'unit-tests': 'success' }, repo);
    await mergedAndClosed(task, 88, commits, repo);
    ciRun(822, commits.merge, { 'unit-tests': 'failure' }, repo);
    expect((await stack.deliver('workflow_run', runFailed(822, commits.merge, repo))).status).toBe(
      202,
    );
    await until(() => issueComments(task.n, repo).length === 1, 'the regression comment');
    expect(issueComments(task.n, repo)[0]).toMatch(
      /This issue stays closed and no agent was started \(`shepherd.reopen_on_regression` is off\)\.$/,
    );
    await until(
      () => statusComment(task.n, repo).includes('broke CI on `main` (see the comment below)'),
      'the status comment saying so',
    );
    expect((await stack.state(task.name)).phase).toBe('following');
    expect(issueState(task.n, repo)).toBe('closed');
    expect(
      stack.coder.chats().filter((c) => c.labels['code-factory/task'] === task.name),
    ).toHaveLength(1);
    // An operator ends the watch.
    await stack.client.workflow.getHandle(task.name).signal('close', { reason: 'operator' });
    expect(await stack.client.workflow.getHandle(task.name).result()).toBe('closed');
  }, 180_000);

  it('a revert, pushed or merged as a pull request: one comment with its link, the issue reopened, the watch ended', async () => {
    const byPush = await agentOn('Reverted by a push');
    const pushed = { merge: sha('c1e9e'), parent: sha('7a7e9') };
    await mergedAndClosed(byPush, 83, pushed);
    const revertSha = sha('de7e47');
    const push = defaultBranchPayloads.revertPush({
      owner: stack.repo.owner,
      repo: stack.repo.name,
      reverts: pushed.merge,
      after: revertSha,
    });
    expect((await stack.deliver('push', push)).status).toBe(202);
    expect(await stack.client.workflow.getHandle(byPush.name).result()).toBe('closed');
    const commitUrl = `https://github.com/${stack.repo.owner}/${stack.repo.name}/commit/${revertSha}`;
    expect(issueComments(byPush.n)).toEqual([
      `↩️ **A revert of the merge of #83 (\`c1e9e00\`) landed on \`main\`:** ${commitUrl}\n\nThis issue was reopened; assign it to the agent again to start a new one.`,
    ]);
    expect(issueState(byPush.n)).toBe('open');
    expect(statusComment(byPush.n)).toContain(`was reverted (${commitUrl}); the watch ended.`);

    const byPull = await agentOn('Reverted by a pull request');
    await mergedAndClosed(byPull, 84, { merge: sha('d1e9e'), parent: sha('6a7e9') });
    const revertPull = defaultBranchPayloads.revertPullRequestMerged({
      owner: stack.repo.owner,
      repo: stack.repo.name,
      prNumber: 85,
      reverts: 84,
    });
    expect((await stack.deliver('pull_request', revertPull)).status).toBe(202);
    expect(await stack.client.workflow.getHandle(byPull.name).result()).toBe('closed');
    const pullUrl = `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/85`;
    expect(issueComments(byPull.n)).toEqual([
      expect.stringContaining(`landed on \`main\`:** ${pullUrl}`),
    ]);
    expect(issueState(byPull.n)).toBe('open');
  }, 180_000);

  it('the window passes with nothing posted, and with the watch off the close is as before', async () => {
    const watched = await repoWithConfig('quiet', 'watch_after_merge = "1m"');
    const quiet = await agentOn('Quiet merge', watched);
    await mergedAndClosed(quiet, 86, { merge: sha('e1e9e'), parent: sha('5a7e9') }, watched);
    expect(await stack.client.workflow.getHandle(quiet.name).result()).toBe('closed');
    expect(issueComments(quiet.n, watched)).toEqual([]);
    expect(statusComment(quiet.n, watched)).toContain('✅ Watched `main` after the merge of #86');
    expect(statusComment(quiet.n, watched)).toContain(': nothing broke.');

    const off = await repoWithConfig('unwatched', 'watch_after_merge = "off"');
    const closed = await agentOn('Unwatched merge', off);
    await mergedAndClosed(closed, 87, { merge: sha('f1e9e'), parent: sha('4a7e9') }, off, false);
    expect(await stack.client.workflow.getHandle(closed.name).result()).toBe('closed');
    const state = await stack.state(closed.name);
    expect(state).toMatchObject({ phase: 'closed', follow: null });
    expect(statusComment(closed.n, off)).not.toContain('Watch');
    expect(issueComments(closed.n, off)).toEqual([]);

    // The repository workflow's recording: every route of the follow-through went through it.
    if (process.env.RECORD_HISTORIES === '1') {
      const repoHandle = stack.client.workflow.getHandle(repositoryWorkflowId(stack.repo));
      await stack.waitForIdle(repositoryWorkflowId(stack.repo));
      process.env.RECORD_SUFFIX = '.follow-through-routes';
      await save('repository-follow-through', repoHandle);
    }
  }, 180_000);

  it('rejects a malformed workflow_run or push at the ingress, naming the field; nothing is routed', async () => {
    const repoId = repositoryWorkflowId(stack.repo);
    const before = await stack.signalCount(repoId);
    const run = runFailed(899, sha('a1e9e'));
    (run.workflow_run as { head_sha: unknown }).head_sha = 42;
    expect(await stack.deliver('workflow_run', run)).toMatchObject({
      status: 400,
      body: { field: 'workflow_run.head_sha', error: expect.stringContaining('malformed payload') },
    });
    const { owner, name: repo } = stack.repo;
    const push = defaultBranchPayloads.revertPush({ owner, repo, reverts: sha('a1e9e') });
    (push.commits as Array<Record<string, unknown>>)[0] = { message: ['not', 'text'] };
    expect(await stack.deliver('push', push)).toMatchObject({
      status: 400,
      body: { field: 'commits.0.message' },
    });
    expect(await stack.signalCount(repoId)).toBe(before);
  });
});

/** A repository of this stack's owner whose stored config says `shepherd` is `line`. */
async function repoWithConfig(name: string, line: string): Promise<Repo> {
  const repo = { owner: stack.repo.owner, name };
  const at = sha(`c0f${name.length}`);
  stack.github.setFile(repo.owner, name, at, '.code-factory/config.toml', `[shepherd]\n${line}\n`);
  const push = samplePayloads.push({ owner: repo.owner, repo: name, after: at });
  expect((await stack.deliver('push', push)).status).toBe(202);
  await until(async () => {
    const stored = await stack.client.workflow
      .getHandle(repositoryWorkflowId(repo))
      .query(repoConfigQuery)
      .catch(() => null);
    return stored?.sha === at;
  }, `the config of ${name} stored`);
  return repo;
}
