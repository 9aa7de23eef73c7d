import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads } from '@code-factory/testkit';
import { AGENT_LOGIN, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import {
  repoConfigQuery,
  retryUpdate,
  sendMessageUpdate,
  stateQuery,
  TASK_WORKFLOW_TYPE,
  type TaskSnapshot,
  type TaskWorkflowInput,
} from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { save, until } from './record-helpers';

const RECORD = process.env.RECORD_HISTORIES === '1' && process.env.RECORD_ONLY !== 'agents';

describe.runIf(RECORD)('record workflow histories', () => {
  let stack: Stack;
  beforeAll(async () => {
    // These recordings are of Coder Tasks runs (the shapes recorded before chats were pushed);
    // the Coder Agents path is recorded by record-agents.histories.ts.
    stack = await startStack({ coderRelease: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const issue = (issueNumber: number, sender = LEAD) => stack.issue(issueNumber, sender);
  const send = async (event: string, payload: unknown, expected = 202) => {
    const res = await stack.deliver(event, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(expected);
  };
  const taskHandle = (n: number) => stack.client.workflow.getHandle(stack.taskName(n));
  const state = (n: number): Promise<TaskSnapshot> => taskHandle(n).query(stateQuery);
  const phase = (n: number, phases: string[]) =>
    until(async () => phases.includes((await state(n)).phase), `#${n} ${phases.join('/')}`);
  const forwarded = (n: number, items: number) =>
    until(async () => {
      const s = await state(n);
      return s.counts.forwardedItems >= items && s.pending.length === 0;
    }, `#${n}: ${items} forwarded`);
  const close = async (n: number) => {
    await send('issues', samplePayloads.issueClosed(issue(n)));
    expect(await taskHandle(n).result()).toBe('closed');
  };

  it('task: assign → ready → close', async () => {
    const n = 101;
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: basic' }));
    await phase(n, ['ready']);
    await close(n);
    await save('task-assign-ready-close', taskHandle(n));
  });

  it('task: assign, comments batched while starting, close', async () => {
    const n = 102;
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: batch' }));
    for (const [i, body] of ['first comment', 'second comment', 'third comment'].entries()) {
      await send(
        'issue_comment',
        samplePayloads.issueComment({ ...issue(n), body, commentId: n * 10 + i }),
      );
    }
    await forwarded(n, 3);
    await close(n);
    await save('task-comments-batched', taskHandle(n));
  });

  it('task: failed start (no Coder user linked), then close', async () => {
    const n = 103;
    const unlinked = { login: 'unlinked-dev', id: 3003 };
    stack.github.setPermission(
      stack.repo.owner,
      stack.repo.name,
      unlinked.login,
      'write',
      unlinked.id,
    );
    await send('issues', samplePayloads.issueAssigned(issue(n, unlinked)));
    await phase(n, ['failed']);
    await close(n);
    await save('task-failed-start-close', taskHandle(n));
  });

  it('task: failed start, retry update after the user links Coder, close', async () => {
    const n = 104;
    const late = { login: 'late-linker', id: 3004 };
    stack.github.setPermission(stack.repo.owner, stack.repo.name, late.login, 'write', late.id);
    await send('issues', samplePayloads.issueAssigned(issue(n, late)));
    await phase(n, ['failed']);
    stack.coder.addUser({ username: 'late-linker-dev', githubUserId: late.id });
    expect(await taskHandle(n).executeUpdate(retryUpdate)).toEqual({ retrying: 'start' });
    await phase(n, ['ready']);
    await close(n);
    await save('task-retry-after-error', taskHandle(n));
  });

  it('task: operator sendMessage update', async () => {
    const n = 105;
    await send('issues', samplePayloads.issueAssigned(issue(n)));
    await phase(n, ['ready']);
    await taskHandle(n).executeUpdate(sendMessageUpdate, {
      args: [{ text: 'Operator: please rebase on main.', author: 'ops' }],
    });
    await forwarded(n, 1);
    await close(n);
    await save('task-operator-message', taskHandle(n));
  });

  it('task: continue-as-new (first run and continued run)', async () => {
    const n = 106;
    const input: TaskWorkflowInput = {
      taskName: stack.taskName(n),
      repository: { owner: stack.repo.owner, name: stack.repo.name },
      issueNumber: n,
      maxHistoryEvents: 60,
    };
    const started = await stack.client.workflow.start(TASK_WORKFLOW_TYPE, {
      workflowId: stack.taskName(n),
      taskQueue: stack.taskQueue,
      args: [input],
    });
    const firstRunId = started.firstExecutionRunId;
    await send('issues', samplePayloads.issueAssigned(issue(n)));
    await phase(n, ['ready']);
    let comments = 0;
    const comment = async () => {
      comments++;
      await send(
        'issue_comment',
        samplePayloads.issueComment({
          ...issue(n),
          body: `comment ${comments}`,
          commentId: n * 100 + comments,
        }),
      );
      await forwarded(n, comments);
    };
    const currentRun = async () => (await taskHandle(n).describe()).runId;
    while ((await currentRun()) === firstRunId) {
      if (comments > 20) throw new Error('no continue-as-new after 20 comments');
      await comment();
    }
    await comment();
    await close(n);
    await save(
      'task-continue-as-new-first-run',
      stack.client.workflow.getHandle(stack.taskName(n), firstRunId),
    );
    await save('task-continue-as-new-last-run', taskHandle(n));
  });

  it('repository: config push, PR review comment, CI triage, pushes and merge-queue exits routed', async () => {
    const { owner, name } = stack.repo;
    const n = 107;
    const pr = 1107;
    const headSha = 'feed'.padEnd(40, '0');
    const configSha = '1'.repeat(40);
    // A second issue's pull request takes the shepherd's other events (flake, pushes, dequeues).
    const other = 108;
    const otherPr = 1108;
    const otherSha = 'beef'.padEnd(40, '0');
    const groupSha = 'e7'.padEnd(40, '0');
    // A repository with a config starts its tasks from the config-aware template.
    stack.coder.addTemplate({ name: 'task-template-config' });
    stack.github.setFile(
      owner,
      name,
      configSha,
      '.code-factory/config.toml',
      '[sandbox]\nsize = "large"\n',
    );
    stack.github.addPullRequest({
      owner,
      repo: name,
      number: pr,
      author: AGENT_LOGIN,
      headSha,
      headRef: `agent/${n}`,
    });
    stack.github.linkIssue(owner, name, pr, n);
    stack.github.addPullRequest({
      owner,
      repo: name,
      number: otherPr,
      author: AGENT_LOGIN,
      headSha: otherSha,
      headRef: `agent/${other}`,
      headOwner: owner,
    });
    stack.github.linkIssue(owner, name, otherPr, other);
    const failing = (runId: number, sha: string) =>
      stack.github.addWorkflowRun({
        owner,
        repo: name,
        runId,
        headSha: sha,
        jobs: [
          { id: runId * 10 + 1, name: 'unit tests', conclusion: 'failure', log: 'FAIL a.test.ts' },
        ],
      });
    failing(n * 10, headSha);
    failing(other * 10, otherSha);
    failing(other * 10 + 1, groupSha);
    const completed = (runId: number, sha: string, runAttempt: number, conclusion = 'failure') =>
      samplePayloads.workflowRunCompleted({
        owner,
        repo: name,
        runId,
        headSha: sha,
        pullRequests: [],
        runAttempt,
        conclusion: conclusion as 'failure' | 'success',
      });
    const reran = (runId: number) =>
      until(
        async () => stack.github.runAttempt(owner, name, runId).runAttempt === 2,
        `re-run ${runId}`,
      );

    // Pushed to the default branch: the config is stored, then its pull requests are found.
    await send('push', samplePayloads.push({ owner, repo: name, after: configSha }));
    const repoHandle = stack.client.workflow.getHandle(repositoryWorkflowId(stack.repo));
    await until(async () => (await repoHandle.query(repoConfigQuery)).sha === configSha, 'config');

    await send('issues', samplePayloads.issueAssigned(issue(n)));
    await send('issues', samplePayloads.issueAssigned(issue(other)));
    await phase(n, ['ready']);
    await phase(other, ['ready']);
    await send(
      'pull_request_review_comment',
      samplePayloads.reviewComment({
        owner,
        repo: name,
        prNumber: pr,
        headSha,
        body: 'rename this',
        path: 'src/a.ts',
        line: 3,
      }),
    );
    await forwarded(n, 1);
    // Failed, re-run, failed again: told once with both attempts.
    await send('workflow_run', completed(n * 10, headSha, 1));
    await reran(n * 10);
    stack.github.completeRerun(owner, name, n * 10, { 'unit tests': 'failure' });
    await send('workflow_run', completed(n * 10, headSha, 2));
    await forwarded(n, 2);

    // Failed, re-run, passed: a flake.
    await send('workflow_run', completed(other * 10, otherSha, 1));
    await reran(other * 10);
    stack.github.completeRerun(owner, name, other * 10);
    await send('workflow_run', completed(other * 10, otherSha, 2, 'success'));
    await until(async () => (await state(other)).shepherd.flakes.length === 1, 'the flake');
    // A push to the pull request's own branch, then its merge-queue exit (group, then reason).
    await send(
      'push',
      samplePayloads.push({ owner, repo: name, ref: `refs/heads/agent/${other}`, after: otherSha }),
    );
    await send(
      'merge_group',
      samplePayloads.mergeGroup({
        owner,
        repo: name,
        action: 'destroyed',
        reason: 'dequeued',
        prNumber: otherPr,
        headSha: groupSha,
      }),
    );
    await forwarded(other, 1);
    await send(
      'pull_request',
      samplePayloads.pullRequestDequeued({
        owner,
        repo: name,
        prNumber: otherPr,
        reason: 'CI_FAILURE',
      }),
    );
    await stack.waitForIdle(repositoryWorkflowId(stack.repo));
    await stack.waitForIdle(stack.taskName(other));
    // The repository workflow never completes: its history is recorded while it runs.
    await save('repository-config-and-routing', repoHandle);
    await close(other);
    await close(n);
    await save('task-pr-review-and-ci', taskHandle(n));
  });
});
