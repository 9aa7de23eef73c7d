/**
 * The shepherd's producers through the running ingress, repository workflow and worker (issue
 * 26, points 1 and 2): a failed run is re-run before the agent hears of it, so a flake never
 * reaches it and one that fails twice reaches it once with both attempts; a push to the base
 * branch that makes the pull request conflict reaches it once, as one message, and a push to
 * its own branch that fixes it clears the conflict; a pull request leaving the merge queue
 * reaches it with GitHub's reason, or with its merge group's failed checks.
 *
 * The worker's runtime serves Prometheus metrics here, so the flake counter is read as an
 * operator would read it.
 */
import { createServer } from 'node:net';
import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads, until } from '@code-factory/testkit';
import { AGENT_LOGIN, type Stack, startStack } from '@code-factory/testkit/stack';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failAndRerun } from './ci-runs';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('shepherd: CI triage, pushes and merge-queue exits', () => {
  let stack: Stack;
  let metricsUrl: string;
  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    // Installed before the stack's worker, which then uses this runtime (and its metrics).
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
    });
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const repo = () => ({ owner: stack.repo.owner, repo: stack.repo.name });
  const send = async (event: string, payload: unknown) => {
    const res = await stack.deliver(event, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  };

  /** An assigned issue whose agent runs, and the agent's pull request for it. */
  async function agentAtWork(n: number, pull: { headSha: string; baseSha?: string }) {
    const pr = n + 1000;
    stack.github.addPullRequest({
      ...repo(),
      number: pr,
      author: AGENT_LOGIN,
      headOwner: stack.repo.owner,
      headRef: `agent/${n}`,
      ...pull,
    });
    stack.github.linkIssue(stack.repo.owner, stack.repo.name, pr, n);
    const name = await stack.assign(n, `Shepherd ${n}`);
    await stack.waitForPhase(name, ['ready']);
    return {
      name,
      pr,
      prUrl: `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/${pr}`,
    };
  }

  /** Once the repository workflow and the task have nothing in flight, what the agent got. */
  async function settled(name: string): Promise<string[]> {
    await stack.waitForIdle(repositoryWorkflowId(stack.repo));
    await stack.waitForIdle(name);
    return (stack.agentTexts(name) ?? []).slice(1); // the brief first
  }

  function failingRun(runId: number, headSha: string, log: string) {
    stack.github.addWorkflowRun({
      ...repo(),
      runId,
      headSha,
      headBranch: 'agent',
      jobs: [
        { id: runId * 10 + 1, name: 'lint', conclusion: 'success', log: 'ok' },
        { id: runId * 10 + 2, name: 'unit-tests', conclusion: 'failure', log },
      ],
    });
  }

  const completed = (runId: number, headSha: string) =>
    samplePayloads.workflowRunCompleted({ ...repo(), runId, headSha });

  it('re-runs a failed run first: a flake never reaches the agent and is on the task’s ledger', async () => {
    const headSha = 'f1a4e'.padEnd(40, '0');
    const { name } = await agentAtWork(2601, { headSha });
    failingRun(26010, headSha, 'FAIL src/clock.test.ts\nError: timed out after 5000 ms');

    await failAndRerun(stack, { runId: 26010, headSha });

    const state = await stack.waitFor(name, (s) => s.shepherd.flakes.length > 0);
    expect(state.shepherd.flakes).toEqual([{ job: 'unit-tests', workflow: 'CI', runId: 26010 }]);
    expect(await settled(name)).toEqual([]);
    // Counted once per job, with the labels an operator filters on.
    const metrics = await until(async () => {
      const text = await (await fetch(metricsUrl)).text();
      return text.includes('code_factory_ci_flakes_total{') ? text : undefined;
    }, 'the flake counter exported');
    const line = metrics
      .split('\n')
      .find((l) => l.startsWith('code_factory_ci_flakes_total{') && l.includes('unit-tests'));
    expect(line).toContain(`repository="${stack.repo.owner}/${stack.repo.name}"`);
    expect(line).toContain('workflow="CI"');
    expect(line).toMatch(/ 1$/);
  });

  it('tells the agent once, with both attempts, when the re-run fails too', async () => {
    const headSha = 'fa11ed'.padEnd(40, '0');
    const { name } = await agentAtWork(2602, { headSha });
    failingRun(26020, headSha, 'FAIL src/parse.test.ts\nError: expected 2 to be 3');

    await failAndRerun(stack, { runId: 26020, headSha }, { 'unit-tests': 'failure' });

    await stack.waitFor(name, (s) => s.counts.forwardedItems === 1 && s.pending.length === 0);
    const texts = await settled(name);
    expect(texts).toHaveLength(1);
    const [message = ''] = texts;
    expect(message).toContain('## CI failed on your pull request');
    expect(message).toContain('- Attempts: 2 (the failed jobs were re-run 1 time(s)');
    expect(message.indexOf('### Attempt 1')).toBeLessThan(message.indexOf('### Attempt 2'));
    expect(message.match(/Error: expected 2 to be 3/g)).toHaveLength(2);
    expect(message).not.toContain('#### lint');
    expect((await stack.state(name)).shepherd.flakes).toEqual([]);
  });

  it('tells the agent at once when GitHub refuses the re-run', async () => {
    const headSha = 'de9ied'.padEnd(40, '0');
    const { name } = await agentAtWork(2606, { headSha });
    failingRun(26060, headSha, 'FAIL src/io.test.ts');
    // The App without `actions: write`: GitHub answers 403.
    stack.github.fail({ method: 'POST', path: /\/rerun-failed-jobs$/, status: 403, times: 1 });
    await send('workflow_run', completed(26060, headSha));
    await stack.waitFor(name, (s) => s.counts.forwardedItems === 1 && s.pending.length === 0);
    const texts = await settled(name);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('FAIL src/io.test.ts');
    expect(texts[0]).not.toContain('### Attempt');
    expect(stack.github.runAttempt(stack.repo.owner, stack.repo.name, 26060).runAttempt).toBe(1);
  });

  it('tells the agent of a conflict a base push made once, and forgets it after its own push', async () => {
    const headSha = 'c0f1c7'.padEnd(40, '0');
    const baseSha = 'ba5e'.padEnd(40, '0');
    const { name, pr } = await agentAtWork(2603, { headSha, baseSha });
    stack.github.setMergeability(stack.repo.owner, stack.repo.name, pr, {
      mergeable: false,
      state: 'dirty',
      pendingReads: 1,
    });
    stack.github.setComparison({
      ...repo(),
      base: baseSha,
      head: headSha,
      files: [
        { filename: 'src/widget.ts', status: 'modified' },
        { filename: 'README.md', status: 'modified' },
      ],
      commits: [{ sha: headSha, message: 'Fix the widget' }],
    });
    const basePush = () =>
      samplePayloads.push({ ...repo(), after: baseSha, modified: ['src/widget.ts'] });

    await send('push', basePush());
    await stack.waitFor(name, (s) => s.shepherd.conflict !== null && s.counts.forwardedItems === 1);
    // The same base commit again (another delivery): nothing new for the agent.
    await send('push', basePush());
    const texts = await settled(name);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('merge conflict with `main`');
    expect(texts[0]).toContain('Files changed on both sides: `src/widget.ts`');

    // The agent merges main into its branch: the push to its branch clears the conflict.
    stack.github.setMergeability(stack.repo.owner, stack.repo.name, pr, {
      mergeable: true,
      state: 'clean',
    });
    await send(
      'push',
      samplePayloads.push({
        ...repo(),
        ref: 'refs/heads/agent/2603',
        after: 'fee1'.padEnd(40, '0'),
      }),
    );
    const clean = await stack.waitFor(name, (s) => s.shepherd.conflict === null);
    expect(clean.counts.forwardedItems).toBe(1);
  });

  it('tells the agent why its pull request left the merge queue', async () => {
    const { name, pr } = await agentAtWork(2604, { headSha: 'de0'.padEnd(40, '0') });
    await send(
      'pull_request',
      samplePayloads.pullRequestDequeued({ ...repo(), prNumber: pr, reason: 'MERGE_CONFLICT' }),
    );
    await stack.waitFor(name, (s) => s.counts.forwardedItems === 1 && s.pending.length === 0);
    const texts = await settled(name);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('## Your pull request left the merge queue without merging');
    expect(texts[0]).toContain('- Reason: MERGE_CONFLICT');
  });

  it("sends a merge group's failed checks, and one message for the two webhooks of one exit", async () => {
    const { name, pr } = await agentAtWork(2605, { headSha: 'de1'.padEnd(40, '0') });
    const group = 'e7'.padEnd(40, '0');
    stack.github.addWorkflowRun({
      ...repo(),
      runId: 26050,
      headSha: group,
      headBranch: `gh-readonly-queue/main/pr-${pr}-${'0'.repeat(40)}`,
      event: 'merge_group',
      jobs: [{ id: 260501, name: 'e2e', conclusion: 'failure', log: 'e2e: checkout flow broke' }],
    });
    await send(
      'merge_group',
      samplePayloads.mergeGroup({
        ...repo(),
        action: 'destroyed',
        reason: 'dequeued',
        prNumber: pr,
        headSha: group,
      }),
    );
    await stack.waitFor(name, (s) => s.counts.forwardedItems === 1 && s.pending.length === 0);
    await send(
      'pull_request',
      samplePayloads.pullRequestDequeued({ ...repo(), prNumber: pr, reason: 'CI_FAILURE' }),
    );
    const texts = await settled(name);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("- Reason: the merge group's checks failed");
    expect(texts[0]).toContain('### CI / e2e');
    expect(texts[0]).toContain('e2e: checkout flow broke');
  });
});
