/**
 * End to end: signed webhooks into the running ingress, a real worker and Temporal dev
 * server, fake Coder and GitHub. What the fakes saw is the assertion.
 */
import { STATUS_MARKER } from '@code-factory/messages';
import { samplePayloads, until } from '@code-factory/testkit';
import { CODER_USER } from '@code-factory/testkit/stack';
import { stateQuery } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { suiteStack } from './suite-stack';

// Coder Tasks, on the last Coder that has them.
const stack = suiteStack({ coderRelease: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } });

const issue = (issueNumber: number) => stack.issue(issueNumber);

describe('end to end: assign → Coder task → close', () => {
  it('creates the task from a signed assignment and deletes it on close', async () => {
    const number = 4201;
    const name = stack.taskName(number);
    const sentAt = Date.now();
    const assigned = await stack.deliver(
      'issues',
      samplePayloads.issueAssigned({ ...issue(number), title: 'Add a greeting' }),
    );
    expect(assigned.status).toBe(202);
    expect(assigned.body).toMatchObject({ workflowId: name });

    const create = await until(
      () =>
        stack.coder
          .callsTo('POST', new RegExp(`^/api/v2/tasks/${CODER_USER}$`))
          .find((c) => (c.body as { name?: string }).name === name),
      'the task creation',
    );
    const webhookToCreateMs = create.at - sentAt;
    console.log(`webhook → Coder create: ${webhookToCreateMs} ms`);
    expect(create.body).toMatchObject({
      name,
      input: `https://github.com/${stack.repo.owner}/${stack.repo.name}/issues/${number}`,
    });

    const handle = stack.client.workflow.getHandle(name);
    await until(async () => (await handle.query(stateQuery)).phase === 'ready', 'ready');
    const comments = stack.github.comments(stack.repo.owner, stack.repo.name, number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body.startsWith(STATUS_MARKER)).toBe(true);
    expect(comments[0]?.body).toContain('working on this issue');

    // Once the agent runs the task continues as new (patch continue-after-start): the first
    // run keeps the static summary, every run's current details name the issue.
    await until(async () => (await handle.query(stateQuery)).runs === 1, 'continued as new');
    const summary = `${stack.repo.owner}/${stack.repo.name}#${number}: Add a greeting`;
    const description = await stack.client.workflow
      .getHandle(name, (await handle.describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined)
      .describe();
    expect(description.status.name).toBe('CONTINUED_AS_NEW');
    expect(await description.staticSummary()).toBe(summary);
    const metadata = (await handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toContain(summary.replace(':', '**:'));

    const closed = await stack.deliver('issues', samplePayloads.issueClosed(issue(number)));
    expect(closed.status).toBe(202);
    expect(await handle.result()).toBe('closed');
    expect(stack.coder.callsTo('DELETE', new RegExp(`^/api/v2/tasks/${CODER_USER}/`))).toHaveLength(
      1,
    );
    expect(stack.coder.taskByName(name)).toBeUndefined();
    expect(stack.github.comments(stack.repo.owner, stack.repo.name, number)[0]?.body).toContain(
      'cleaned up',
    );
  });

  it('does not start anything for a close or a comment on an issue without a task', async () => {
    const number = 4202;
    const closed = await stack.deliver('issues', samplePayloads.issueClosed(issue(number)));
    expect(closed.status).toBe(200);
    const comment = await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(number), body: 'hello?' }),
    );
    expect(comment.status).toBe(200);
    expect(comment.body).toMatchObject({ skipped: 'no active task for this issue' });
    // The ingress answers after its hand-off: nothing can start later for these deliveries.
    expect(await stack.workflowExists(stack.taskName(number))).toBe(false);
  });

  it('ignores an assignment to someone other than the agent', async () => {
    const res = await stack.deliver(
      'issues',
      samplePayloads.issueAssigned({ ...issue(4203), assignee: 'someone-else', assigneeId: 9 }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ skipped: 'assignee is not the agent' });
    expect(await stack.workflowExists(stack.taskName(4203))).toBe(false);
  });
});
