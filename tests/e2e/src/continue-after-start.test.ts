/**
 * Patch `continue-after-start`: once the agent runs, the task continues as new, so a worker
 * that evicted it replays a short continued run instead of the whole start-up. Nothing is
 * lost on the way: the comment that follows reaches the agent once, the Web UI's current
 * details still name the issue, and both runs replay against the current bundle.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import { AGENT_LOGIN, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import { workflowsPath } from '@code-factory/worker';
import { stateQuery } from '@code-factory/workflows';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('continue-as-new after start-up', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ coderTimings: { chatRunningMs: 20 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const issue = (issueNumber: number) => ({
    owner: stack.repo.owner,
    repo: stack.repo.name,
    issueNumber,
    sender: LEAD.login,
    senderId: LEAD.id,
    assignee: AGENT_LOGIN,
    title: 'Greet in French',
  });

  it('starts the agent in one run and goes on in a short one', async () => {
    const n = 81;
    const name = stack.taskName(n);
    const handle = stack.client.workflow.getHandle(name);
    const state = () => handle.query(stateQuery);
    const assigned = await stack.deliver('issues', samplePayloads.issueAssigned(issue(n)));
    expect(assigned.status).toBe(202);
    await until(async () => {
      const s = await state();
      return s.phase === 'ready' && s.runs === 1;
    }, 'ready in the continued run');

    const runs: { runId: string; status: string }[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${name}'` })) {
      runs.push({ runId: wf.runId, status: wf.status.name });
    }
    expect(runs).toHaveLength(2);
    const first = runs.find((r) => r.status === 'CONTINUED_AS_NEW');
    expect(first).toBeDefined();
    const startUp = await stack.client.workflow.getHandle(name, first?.runId).fetchHistory();
    const scheduled = (startUp.events ?? []).flatMap((e) => {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return type ? [type] : [];
    });
    expect(scheduled).toContain('startAgent');

    const continued = await handle.fetchHistory();
    const length = continued.events?.length ?? 0;
    console.log(`start-up run: ${startUp.events?.length} events; continued run: ${length}`);
    expect(length).toBeLessThan(20);

    // The static summary stays with the first run; the details name the issue on every run.
    const metadata = (await handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toContain(
      `${stack.repo.owner}/${stack.repo.name}#${n}**: Greet in French`,
    );

    await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(n), body: 'and in Breton', commentId: 8_100 }),
    );
    await until(async () => (await state()).counts.forwardedItems === 1, 'comment forwarded');
    const chat = await until(
      () => stack.coder.chatByLabel('code-factory/task', name),
      `chat of ${name}`,
    );
    const texts = stack.coder.chatMessages(chat.id).map((m) => m.text);
    expect(texts.filter((t) => t.includes('and in Breton'))).toHaveLength(1);
    const s = await state();
    expect(s.runs).toBe(1);
    expect(s.counts.duplicates).toBe(0);

    const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle: bundle }, startUp, name);
    await Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), name);

    await stack.deliver('issues', samplePayloads.issueClosed(issue(n)));
    expect(await handle.result()).toBe('closed');
  });
});
