/**
 * Shepherding an agent pull request, the task's side (issue 26), in one scripted issue life on
 * the fakes: review threads counted on the status comment and the idle agent nudged once about
 * the unanswered ones whose file no commit touched since; a push that makes the pull request
 * conflict (a `pr.moved` event, as the repository workflow routes it) told to the agent once
 * per base commit and shown until a push makes it clean; a flaky CI job listed; a pull request
 * nobody reviews gets a review request once the check its base requires passed; an agent
 * waiting for a person in Coder gets its assigner mentioned; an idle agent with nothing
 * happening is released. The repository's `[shepherd]` durations are scaled down with
 * SHEPHERD_TIME_SCALE.
 */

import { STATUS_MARKER } from '@code-factory/messages';
import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads, until } from '@code-factory/testkit';
import { AGENT_LOGIN, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import { eventSignal, repoConfigQuery, stateQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { save } from '../../replay/src/record-helpers';

/** 10 min → 1.2 s, 5 min → 0.6 s, 2 h (the nudge window) → 14.4 s, 1 h idle → 7.2 s. */
const SCALE = '0.002';
const CONFIG = `
[shepherd]
review_reminder_after = "10m"
waiting_reminder_after = "5m"
thread_nudge_after = "2h"
release_after_idle = "1h"
`;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    coderTimings: { chatRunningMs: 100 },
    workerEnv: { SHEPHERD_TIME_SCALE: SCALE, STATUS_COMMENT_INTERVAL_MS: '0' },
  });
});
afterAll(async () => {
  await stack?.close();
});

function issueComments(issueNumber: number): string[] {
  return stack.github
    .comments(stack.repo.owner, stack.repo.name, issueNumber)
    .filter((c) => !c.body.startsWith(STATUS_MARKER))
    .map((c) => c.body);
}

describe('shepherding a pull request to a merge', () => {
  it('counts threads, nudges once, tells a conflict once, lists flakes, and reminds people', async () => {
    const { owner, name } = stack.repo;
    const sha = '3'.repeat(40);
    stack.github.setFile(owner, name, sha, '.code-factory/config.toml', CONFIG);
    await stack.deliver('push', samplePayloads.push({ owner, repo: name, after: sha }));
    const repoWorkflow = stack.client.workflow.getHandle(repositoryWorkflowId(stack.repo));
    await until(async () => (await repoWorkflow.query(repoConfigQuery)).sha === sha, 'config');

    const number = 8801;
    const task = await stack.assign(number, 'Shepherd me');
    await stack.waitForPhase(task, ['ready'], 90_000);
    const chat = await until(() => stack.coder.chatByLabel('code-factory/task', task), 'chat');
    const texts = () => stack.agentTexts(task) ?? [];
    const pull = 88;
    const prUrl = `https://github.com/${owner}/${name}/pull/${pull}`;
    stack.github.addPullRequest({
      owner,
      repo: name,
      number: pull,
      author: AGENT_LOGIN,
      headSha: 'a'.repeat(40),
      headRef: 'agent/shepherd-me',
    });
    // The base requires `test`, still running on the head: the review reminder waits for it.
    stack.github.protectBranch(owner, name, 'main', { requiredChecks: ['test'] });
    stack.github.addCheckRun(owner, name, {
      headSha: 'a'.repeat(40),
      name: 'test',
      status: 'in_progress',
    });
    // The review came an hour ago; since then the agent pushed a change to src/config.ts only.
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const reviewed = ago(3_600_000);
    stack.github.addCommit(owner, name, {
      sha: 'e'.repeat(40),
      files: ['src/app.ts', 'src/util.ts', 'src/config.ts'],
      committedAt: ago(7_200_000),
    });
    stack.github.addCommit(owner, name, {
      sha: 'a'.repeat(40),
      parents: ['e'.repeat(40)],
      files: ['src/config.ts'],
    });
    const first = stack.github.addReviewThread(owner, name, pull, {
      path: 'src/app.ts',
      line: 12,
      author: LEAD.login,
      body: 'Please handle the empty case.\nIt crashes today.',
      createdAt: reviewed,
    });
    stack.github.addReviewThread(owner, name, pull, {
      path: 'src/util.ts',
      line: 3,
      author: LEAD.login,
      body: 'Name this after what it returns.',
      createdAt: reviewed,
    });
    const configThread = stack.github.addReviewThread(owner, name, pull, {
      path: 'src/config.ts',
      line: 7,
      author: LEAD.login,
      body: 'Read this from the environment.',
      createdAt: reviewed,
    });
    stack.github.addReviewThread(owner, name, pull, {
      path: 'README.md',
      line: 1,
      author: LEAD.login,
      body: 'Typo.',
      resolved: true,
      createdAt: reviewed,
    });

    // The agent opened its pull request and goes idle: the ledger is read, the agent nudged
    // about the threads nobody answered whose file no commit touched since (not src/config.ts).
    stack.coder.setChatStatus(chat.id, 'running');
    stack.coder.setChatDiff(chat.id, { pull_request_url: prUrl });
    stack.coder.setChatStatus(chat.id, 'waiting');
    await stack.statusSays(number, '- Review threads: 3 open, 1 resolved');
    const nudge = await until(
      () =>
        texts().find((t) =>
          t.includes('review thread(s) on your pull request are still unanswered'),
        ),
      'the nudge',
    );
    expect(nudge).toContain('- src/app.ts:12 (@octo-lead): Please handle the empty case.');
    expect(nudge).toContain('- src/util.ts:3 (@octo-lead): Name this after what it returns.');
    expect(nudge).not.toContain('README.md');
    expect(nudge).not.toContain('src/config.ts');
    // GitHub was asked per file, from the pull request's head, since the threads were opened.
    const looked = stack.github.callsTo('GET', /\/commits$/).map((c) => c.query);
    expect(looked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sha: 'a'.repeat(40), path: 'src/config.ts' }),
        expect.objectContaining({ sha: 'a'.repeat(40), path: 'src/app.ts' }),
      ]),
    );

    // Busy and idle again, one thread resolved and one outdated (its line changed) meanwhile:
    // recounted, and no second nudge about threads the agent was told of within the window.
    stack.github.resolveReviewThread(first);
    stack.github.outdateReviewThread(configThread);
    stack.coder.setChatStatus(chat.id, 'running');
    stack.coder.setChatStatus(chat.id, 'waiting');
    await stack.statusSays(number, '- Review threads: 1 open, 2 resolved');
    expect(texts().filter((t) => t.includes('still unanswered'))).toHaveLength(1);

    // The base moves and the pull request conflicts: one message per base commit.
    stack.github.setMergeability(owner, name, pull, {
      mergeable: false,
      state: 'dirty',
      pendingReads: 1,
    });
    stack.github.setComparison({
      owner,
      repo: name,
      base: '0'.repeat(40),
      head: 'a'.repeat(40),
      files: [
        { filename: 'src/app.ts', status: 'modified' },
        { filename: 'src/new.ts', status: 'added' },
      ],
      commits: [{ sha: 'a'.repeat(40), message: 'Handle the empty case' }],
    });
    const moved = (delivery: string, side: 'base' | 'head', pushed: string) => ({
      kind: 'pr.moved' as const,
      deliveryId: delivery,
      receivedAt: new Date().toISOString(),
      repository: stack.repo,
      issueNumber: number,
      installationId: 1,
      pullRequest: { number: pull, url: prUrl },
      side,
      branch: side === 'base' ? 'main' : 'agent/shepherd-me',
      sha: pushed,
      files: ['src/app.ts', 'docs/guide.md'],
    });
    const handle = stack.client.workflow.getHandle(task);
    await handle.signal(eventSignal, moved('push-1', 'base', 'b'.repeat(40)));
    await stack.statusSays(number, '- ⚠️ Merge conflict with `main`');
    const conflict = await until(
      () => texts().find((t) => t.includes('Your pull request has a merge conflict with `main`')),
      'the conflict message',
    );
    expect(conflict).toContain(`- Pull request: ${prUrl}`);
    expect(conflict).toContain('- Files changed on both sides: `src/app.ts`');
    await handle.signal(eventSignal, moved('push-2', 'base', 'c'.repeat(40)));
    await until(
      async () => (await handle.query(stateQuery)).pending.length === 0,
      'push-2 handled',
    );
    expect(texts().filter((t) => t.includes('merge conflict with'))).toHaveLength(1);

    // The agent pushes a fix: clean again, the status comment drops the conflict.
    stack.github.setMergeability(owner, name, pull, { mergeable: true, state: 'clean' });
    await handle.signal(eventSignal, moved('push-3', 'head', 'd'.repeat(40)));
    await until(() => !stack.statusComment(number).includes('Merge conflict'), 'no conflict shown');

    // A flaky job (the repository workflow's word) is listed, never sent.
    const sent = texts().length;
    await handle.signal(eventSignal, {
      kind: 'ci.flaked' as const,
      deliveryId: 'run-9-attempt-2',
      receivedAt: new Date().toISOString(),
      repository: stack.repo,
      issueNumber: number,
      installationId: 1,
      pullRequest: { number: pull, url: prUrl },
      run: {
        id: 9,
        name: 'CI',
        path: '.github/workflows/ci.yml',
        url: `${prUrl}/checks`,
        headSha: 'd'.repeat(40),
      },
      jobs: ['unit-tests'],
    });
    await stack.statusSays(number, '- CI flaked once (failed, passed when re-run): `unit-tests`');
    expect(texts()).toHaveLength(sent);

    const before = (await handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(before.currentDetails ?? '').toMatch(
      /Next reminder at .*: a review is requested|Review threads/,
    );

    // The reminder came due while the required `test` was still running: nobody was asked.
    const headChecks = new RegExp(`/commits/${'a'.repeat(40)}/check-runs$`);
    await until(
      () => stack.github.callsTo('GET', headChecks).length > 0,
      'the head checks read by the review reminder',
    );
    expect(stack.github.requestedReviewers(owner, name, pull).users).toEqual([]);
    expect(stack.github.callsTo('POST', /requested_reviewers$/)).toEqual([]);
    // `test` passes: the pull request is ready, and nobody reviews it. A review is requested
    // from the assigner, once.
    stack.github.addCheckRun(owner, name, { headSha: 'a'.repeat(40), name: 'test' });
    await until(
      () => stack.github.requestedReviewers(owner, name, pull).users.includes(LEAD.login),
      'a review request',
    );
    await until(
      () =>
        issueComments(number).some((c) => c.startsWith('👀 Requested a review from @octo-lead')),
      'the review request said on the issue',
    );
    await stack.statusSays(number, '- Review requested from @octo-lead.');

    // The agent waits for a person in Coder: its assigner is mentioned once.
    stack.coder.requireAction(chat.id);
    const waiting = await until(
      () =>
        issueComments(number).find((c) =>
          c.startsWith('@octo-lead the Coder agent has been waiting for you'),
        ),
      'the waiting reminder',
    );
    expect(waiting).toContain(`[Open in Coder](${stack.coder.url}/agents/${chat.id})`);
    // The Web UI's current details show the ledger and the next reminder due (the waiting one
    // is said, the review one too: the idle agent's release is off).
    const metadata = (await handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toContain('Review threads: 1 open, 2 resolved');

    // The scripted life, for the record: what the agent got and what the issue shows.
    console.log(
      ['messages the agent received:', ...texts().map((t, i) => `--- ${i + 1}\n${t}`)].join('\n'),
    );
    console.log(`status comment before the close:\n${stack.statusComment(number)}`);
    console.log(`other comments on the issue:\n${issueComments(number).join('\n---\n')}`);
    // The person acted; the agent idles and nothing happens for `release_after_idle`: released.
    stack.coder.setChatStatus(chat.id, 'waiting');
    expect(await handle.result()).toBe('closed');
    expect(issueComments(number).some((c) => c.startsWith('👋 Released the Coder agent'))).toBe(
      true,
    );
    await stack.statusSays(number, 'The Coder agent was released');
    expect(stack.agentLive(task)).toBe(false);
    // RECORD_HISTORIES=1 RECORD_SUFFIX=.<change id>: the replay test's recording of this life.
    if (process.env.RECORD_HISTORIES === '1') await save('task-shepherd-life', handle);
    expect(issueComments(number).filter((c) => c.includes('waiting for you'))).toHaveLength(1);
    expect(issueComments(number).filter((c) => c.includes('Requested a review'))).toHaveLength(1);
  }, 120_000);
});
