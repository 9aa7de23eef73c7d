/**
 * Records the Coder Agents histories `replay.test.ts` replays: runs whose chats Coder pushes
 * (patch `agent-status-push`) and close-never-fails. Run explicitly (see record.histories.ts):
 *
 *   RECORD_HISTORIES=1 RECORD_ONLY=agents pnpm exec vitest run --config tests/replay/vitest.record.config.ts
 */

import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads } from '@code-factory/testkit';
import { LEAD, type Stack, seedAgentReview, startStack } from '@code-factory/testkit/stack';
import {
  agentWatchWorkflowId,
  pauseSignal,
  repoConfigQuery,
  resumeSignal,
  retryUpdate,
  stateQuery,
  stuckReminderSignal,
} from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { save, until } from './record-helpers';

const RECORD = process.env.RECORD_HISTORIES === '1' && process.env.RECORD_ONLY !== 'tasks';

describe.runIf(RECORD)('record Coder Agents histories', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ coderTimings: { chatRunningMs: 100 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const issue = (issueNumber: number) => stack.issue(issueNumber);
  const send = async (event: string, payload: unknown) => {
    const res = await stack.deliver(event, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  };
  const handle = (n: number) => stack.client.workflow.getHandle(stack.taskName(n));
  const phase = (n: number, phases: string[]) =>
    until(
      async () => phases.includes((await handle(n).query(stateQuery)).phase),
      `#${n} ${phases.join('/')}`,
    );
  const forwarded = (n: number, what = 'forwarded') =>
    until(async () => (await handle(n).query(stateQuery)).counts.forwardedItems === 1, what);
  /** Closes the issue, waits until its task ends `closed` and saves its history as `name`. */
  const closeAndSave = async (n: number, name: string) => {
    await send('issues', samplePayloads.issueClosed(issue(n)));
    expect(await handle(n).result()).toBe('closed');
    await save(name, handle(n));
  };
  const chatOf = (n: number) =>
    until(() => stack.coder.chatByLabel('code-factory/task', stack.taskName(n)), `chat of #${n}`);

  it('task (agents): pushed start, live progress, a comment, busy close', async () => {
    const n = 201;
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: agents' }));
    await phase(n, ['ready']);
    const chat = await chatOf(n);
    stack.coder.requireAction(chat.id);
    stack.coder.setChatDiff(chat.id, {
      pull_request_url: `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/9`,
    });
    stack.coder.setChatStatus(chat.id, 'waiting');
    await until(
      async () => (await handle(n).query(stateQuery)).live?.pullRequest?.number === 9,
      'the pull request pushed',
    );
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(n), body: 'a comment', commentId: n * 10 }),
    );
    await forwarded(n);
    stack.coder.setChatStatus(chat.id, 'running');
    await closeAndSave(n, 'task-agents-live-close');
  });

  it('task (agents): usage limit parks the task, retry goes on, close', async () => {
    const n = 202;
    stack.coder.setUsageLimitReached(true);
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: budget' }));
    // `waiting-for-budget` with patch `fleet-controls`, `failed` before it.
    await phase(n, ['failed', 'waiting-for-budget']);
    stack.coder.setUsageLimitReached(false);
    await handle(n).executeUpdate(retryUpdate);
    await forwarded(n, 'the nudge forwarded');
    stack.github.fail({
      method: 'PATCH',
      path: /\/issues\/comments\/\d+$/,
      status: 422,
      times: 20,
    });
    await send('issues', samplePayloads.issueClosed(issue(n)));
    expect(await handle(n).result()).toBe('closed');
    stack.github.reset();
    await save('task-agents-budget-retry-close', handle(n));
  });

  it('tasks (fleet controls): a repository limit of 1, queued start, pause, commands, release', async () => {
    const [first, second] = [203, 204];
    const { owner, name } = stack.repo;
    stack.github.setFile(
      owner,
      name,
      'main',
      '.code-factory/config.toml',
      '[limits]\nmax_active_agents = 1\n',
    );
    await send(
      'issues',
      samplePayloads.issueAssigned({ ...issue(first), title: 'Replay: holder' }),
    );
    await phase(first, ['ready']);
    await send(
      'issues',
      samplePayloads.issueAssigned({ ...issue(second), title: 'Replay: queued' }),
    );
    await phase(second, ['queued']);
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(second), body: 'while queued', commentId: 2041 }),
    );
    await send('issues', samplePayloads.issueClosed(issue(first)));
    expect(await handle(first).result()).toBe('closed');
    await phase(second, ['ready']);
    await until(
      async () => (await handle(second).query(stateQuery)).counts.forwardedItems === 1,
      'the comment held while queued forwarded',
    );
    await handle(second).signal(pauseSignal, { reason: 'replay' });
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(second), body: 'while paused', commentId: 2042 }),
    );
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(second), body: '/agent status', commentId: 2043 }),
    );
    await until(
      () => stack.github.comments(owner, name, second).some((c) => c.body.includes('up to date')),
      'the status reply',
    );
    await handle(second).signal(resumeSignal);
    await until(
      async () => (await handle(second).query(stateQuery)).counts.forwardedItems === 2,
      'the comment held while paused forwarded',
    );
    const since = new Date().toISOString();
    await handle(second).signal(stuckReminderSignal, { phase: 'ready', since });
    await handle(second).signal(stuckReminderSignal, { phase: 'ready', since });
    await until(
      () => stack.github.comments(owner, name, second).some((c) => c.body.startsWith('⏰')),
      'the stuck reminder',
    );
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(second), body: '/agent release', commentId: 2044 }),
    );
    expect(await handle(second).result()).toBe('closed');
    await save('task-fleet-holder-close', handle(first));
    await save('task-fleet-queued-paused-commands-release', handle(second));
  });

  it('task (fleet controls): a review and its comments as one message', async () => {
    const n = 205;
    const reviewId = 2050;
    const review = seedAgentReview(stack.github, {
      repo: stack.repo,
      issueNumber: n,
      prNumber: 1205,
      reviewId,
      body: 'Two things.',
      comments: [
        { id: reviewId + 1, path: 'src/a.ts', line: 3, body: 'rename this', login: 'octo-lead' },
        { id: reviewId + 2, path: 'src/b.ts', line: 7, body: 'and this', login: 'octo-lead' },
      ],
    });
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: review' }));
    await phase(n, ['ready']);
    for (const c of review.comments) await send('pull_request_review_comment', c);
    await send('pull_request_review', review.review);
    await until(async () => {
      const s = await handle(n).query(stateQuery);
      return s.counts.forwardedMessages === 1 && s.pending.length === 0 && s.counts.accepted >= 4;
    }, 'the review forwarded as one message');
    await closeAndSave(n, 'task-fleet-review-one-message');
  });

  it('task (agents): the start-up run continues as new once nothing arrives, then a comment', async () => {
    const n = 206;
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: continue' }));
    await until(async () => (await handle(n).query(stateQuery)).runs >= 1, 'the continued run');
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(n), body: 'after the continue', commentId: n * 10 }),
    );
    await forwarded(n);
    await closeAndSave(n, 'task-agents-continued-comment-close');
  });

  it('tasks (agents, patch coder-down-waits): Coder down under a running agent and at an assignment', async () => {
    const running = 207;
    const assigned = 208;
    const state = (n: number) => handle(n).query(stateQuery);
    await send(
      'issues',
      samplePayloads.issueAssigned({ ...issue(running), title: 'Replay: down' }),
    );
    await phase(running, ['ready']);
    await until(async () => (await state(running)).runs >= 1, 'the continued run');
    const chat = await chatOf(running);
    // Coder answers 503 to everything until the reset below.
    stack.coder.fail({ path: /^\/api\//, status: 503, times: 1_000_000 });
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(running), body: 'held one', commentId: running * 10 }),
    );
    await phase(running, ['waiting-for-coder']);
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(running), body: 'held two', commentId: running * 11 }),
    );
    await send(
      'issues',
      samplePayloads.issueAssigned({ ...issue(assigned), title: 'Replay: assigned while down' }),
    );
    await phase(assigned, ['waiting-for-coder']);
    // The running task's first try (its timer) finds Coder still down.
    await until(
      async () => ((await state(running)).coderDown?.failedProbes ?? 0) >= 1,
      'a failed try',
      90_000,
    );
    stack.coder.reset();
    // Coder pushes a change of the chat: the running task tries at once.
    stack.coder.setChatDiff(chat.id, {
      pull_request_url: `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/207`,
    });
    await until(async () => (await state(running)).counts.forwardedItems === 2, 'delivered');
    // The assignment starts at its next try (its timer).
    await until(async () => (await state(assigned)).runs >= 1, 'started after Coder', 120_000);
    await send('issues', samplePayloads.issueClosed(issue(running)));
    await send('issues', samplePayloads.issueClosed(issue(assigned)));
    expect(await handle(running).result()).toBe('closed');
    expect(await handle(assigned).result()).toBe('closed');
    await save('task-agents-coder-down-deliver', handle(running));
    await save('task-agents-coder-down-start', handle(assigned));
  }, 300_000);

  it('task (agents, patch coder-down-waits): a send Coder refuses is explained, retried, close', async () => {
    const n = 209;
    await send('issues', samplePayloads.issueAssigned({ ...issue(n), title: 'Replay: refused' }));
    await phase(n, ['ready']);
    await until(async () => (await handle(n).query(stateQuery)).runs >= 1, 'the continued run');
    const chat = await chatOf(n);
    stack.coder.fail({
      method: 'POST',
      path: new RegExp(`^/api/v2/chats/${chat.id}/messages$`),
      status: 400,
    });
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(n), body: 'refused once', commentId: n * 10 }),
    );
    await phase(n, ['failed']);
    await handle(n).executeUpdate(retryUpdate);
    await forwarded(n, 'forwarded after the retry');
    await closeAndSave(n, 'task-agents-refused-send-explained');
  });

  it('task (agents, patch issue-cost): the spend shown, the cost limit reached, /agent budget, close', async () => {
    const n = 211;
    const { owner } = stack.repo;
    const repo = { owner, name: 'metered' };
    const sha = '2'.repeat(40);
    stack.github.setFile(
      owner,
      repo.name,
      sha,
      '.code-factory/config.toml',
      '[limits]\nmax_cost_per_issue = "1.00"\n',
    );
    stack.github.setPermission(owner, repo.name, LEAD.login, 'write', LEAD.id);
    await send('push', samplePayloads.push({ owner, repo: repo.name, after: sha }));
    await until(
      async () =>
        (await stack.client.workflow.getHandle(repositoryWorkflowId(repo)).query(repoConfigQuery))
          .sha === sha,
      'the config stored',
    );
    const where = { ...issue(n), repo: repo.name, title: 'Replay: cost' };
    await send('issues', samplePayloads.issueAssigned(where));
    const workflowId = stack.taskName(n, repo);
    const h = stack.client.workflow.getHandle(workflowId);
    await until(async () => (await h.query(stateQuery)).phase === 'ready', 'ready');
    const chat = await until(
      () => stack.coder.chatByLabel('code-factory/task', workflowId),
      'chat',
    );
    await until(
      () => stack.coder.chats().find((c) => c.id === chat.id)?.status === 'waiting',
      'turn over',
    );
    stack.coder.setChatCost(chat.id, { totalCostMicros: 1_500_000, requestCount: 12 });
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...where, body: 'go on', commentId: n * 10 }),
    );
    await until(
      async () => (await h.query(stateQuery)).phase === 'waiting-for-budget',
      'over budget',
    );
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...where, body: 'held', commentId: n * 10 + 1 }),
    );
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...where, body: '/agent budget 5.00', commentId: n * 10 + 2 }),
    );
    await until(
      async () => (await h.query(stateQuery)).counts.forwardedMessages >= 2,
      'held comment delivered',
    );
    await send('issues', samplePayloads.issueClosed(where));
    expect(await h.result()).toBe('closed');
    await save('task-cost-budget', h);
  });

  it('agent watch workflow (still running)', async () => {
    await save(
      'agent-watch-following',
      stack.client.workflow.getHandle(agentWatchWorkflowId(stack.taskQueue)),
    );
  });
});
