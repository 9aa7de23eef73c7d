/**
 * Cost per issue (issue 27, part 3), through the running ingress and worker: the status comment
 * shows what the issue spent as the fake Coder's ledger says (read when a turn ends), and the
 * total once it closes; a repository's `limits.max_cost_per_issue` stops the agent when
 * reached, tells the issue once and holds new comments until `/agent budget 50.00`.
 */

import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads, until } from '@code-factory/testkit';
import { LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import { repoConfigQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueOf, type Repo } from './repo-issue';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ coderTimings: { chatRunningMs: 150 } });
});
afterAll(async () => {
  await stack?.close();
});

let nextCommentId = 97_000;
const comment = (number: number, body: string, repo: Repo = stack.repo) =>
  stack.deliverAccepted(
    'issue_comment',
    samplePayloads.issueComment({ ...issueOf(repo, number), body, commentId: nextCommentId++ }),
  );

const comments = (number: number, repo: Repo = stack.repo) =>
  stack.github.comments(repo.owner, repo.name, number);
const sentTo = (chatId: string) => stack.coder.chatMessages(chatId).map((m) => m.text);

describe('cost per issue', () => {
  it('the status comment shows what Coder says the issue cost, and the total at close', async () => {
    const number = 7301;
    const name = await stack.assign(number, 'Costly');
    await stack.waitForPhase(name, ['ready']);
    const chat = await stack.chatOf(name);
    await until(
      () => stack.coder.chats().find((c) => c.id === chat.id)?.status === 'waiting',
      'first turn over',
    );
    // The ledger: what Coder reports for the chat.
    stack.coder.setChatCost(chat.id, {
      totalCostMicros: 1_234_567,
      requestCount: 42,
      unpricedRequestCount: 3,
    });
    await comment(number, 'Please also handle the empty case.');
    await stack
      .statusSays(number, '💰 $1.23 spent so far (42 requests; 3 unpriced)')
      .catch((err: Error) => {
        // Failed once in CI: whether the cost was read at all, and whether a stream was up.
        const reads = stack.coder.requestCount({ path: new RegExp(`/chats/${chat.id}/cost$`) });
        const streams = stack.coder.watchConnections();
        throw new Error(`${err.message}\n(cost reads: ${reads}; watch streams: ${streams})`);
      });
    const state = await stack.state(name);
    expect(state.cost.current).toMatchObject({ chatId: chat.id, totalMicros: 1_234_567 });

    const closed = await stack.deliver(
      'issues',
      samplePayloads.issueClosed({
        owner: stack.repo.owner,
        repo: stack.repo.name,
        issueNumber: number,
      }),
    );
    expect(closed.status).toBe(202);
    await stack.statusSays(number, '💰 $1.23 spent in total (42 requests; 3 unpriced)');
    expect(stack.statusComment(number)).toContain('This issue is closed');
    // Read when turns ended, never polled: a handful of reads for two turns.
    expect(
      stack.coder.requestCount({ path: new RegExp(`/chats/${chat.id}/cost$`) }),
    ).toBeLessThanOrEqual(3);
  });

  it('a reached budget interrupts the agent and holds comments until /agent budget 50.00', async () => {
    const repo = { owner: stack.repo.owner, name: 'metered' };
    const sha = '7'.repeat(40);
    stack.github.setFile(
      repo.owner,
      repo.name,
      sha,
      '.code-factory/config.toml',
      '[limits]\nmax_cost_per_issue = "25.00"\n',
    );
    stack.github.setPermission(repo.owner, repo.name, LEAD.login, 'write', LEAD.id);
    const pushed = await stack.deliver(
      'push',
      samplePayloads.push({ owner: repo.owner, repo: repo.name, after: sha }),
    );
    expect(pushed.status).toBe(202);
    await until(async () => {
      const state = await stack.client.workflow
        .getHandle(repositoryWorkflowId(repo))
        .query(repoConfigQuery);
      return state.sha === sha;
    }, 'the config stored');
    const number = 7302;
    const name = await stack.assign(number, 'Metered', repo);
    await stack.waitForPhase(name, ['ready']);
    const chat = await stack.chatOf(name);
    await until(
      () => stack.coder.chats().find((c) => c.id === chat.id)?.status === 'waiting',
      'first turn over',
    );
    stack.coder.setChatCost(chat.id, { totalCostMicros: 25_400_000, requestCount: 300 });
    await comment(number, 'Refactor the parser.', repo);
    await stack.waitForPhase(name, ['waiting-for-budget']);
    const notices = () =>
      comments(number, repo).filter((c) =>
        c.body.startsWith('💸 This issue reached its cost limit'),
      );
    await until(() => notices().length === 1, 'the budget notice');
    expect(notices()[0]?.body).toContain('$25.40 spent so far (300 requests), limit $25.00');
    await stack.statusSays(number, 'reached its cost limit', repo);
    await until(
      () =>
        stack.coder.requestCount({
          method: 'POST',
          path: new RegExp(`/chats/${chat.id}/interrupt$`),
        }) >= 1,
      'the agent interrupted',
    );

    // Held: nothing reaches the agent while the issue is over its limit.
    await comment(number, 'Also rename the module.', repo);
    await new Promise((r) => setTimeout(r, 800));
    expect(sentTo(chat.id).some((t) => t.includes('Also rename the module.'))).toBe(false);
    expect((await stack.state(name)).pending.length).toBe(1);

    await comment(number, '/agent budget 50.00', repo);
    await until(
      () => sentTo(chat.id).some((t) => t.includes('Also rename the module.')),
      'the held comment delivered',
    );
    expect(notices()).toHaveLength(1);
    expect((await stack.state(name)).cost.limitMicros).toBe(50_000_000);
  });
});

describe('cost per issue on Coder Tasks', () => {
  let tasks: Stack;
  beforeAll(async () => {
    tasks = await startStack({ coderRelease: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } });
  });
  afterAll(async () => {
    await tasks?.close();
  });

  it('shows no cost and never blocks: Coder Tasks report none', async () => {
    const number = 7303;
    const name = await tasks.assign(number, 'No cost data');
    await tasks.waitForPhase(name, ['ready']);
    const { owner, name: repo } = tasks.repo;
    const res = await tasks.deliver(
      'issue_comment',
      samplePayloads.issueComment({
        owner,
        repo,
        issueNumber: number,
        body: 'go',
        commentId: 97_999,
      }),
    );
    expect(res.status).toBe(202);
    await until(
      async () => (await tasks.state(name)).counts.forwardedItems === 1,
      'the comment forwarded',
    );
    const status = () => tasks.statusComment(number);
    expect(status()).not.toContain('💰');
    expect((await tasks.state(name)).cost.current).toBeNull();
    expect(tasks.coder.requestCount({ path: /\/cost$/ })).toBe(0);
    const closed = await tasks.deliver(
      'issues',
      samplePayloads.issueClosed({ owner, repo, issueNumber: number }),
    );
    expect(closed.status).toBe(202);
    await until(() => status().includes('This issue is closed'), 'closed');
    expect(status()).not.toContain('💰');
  });
});
