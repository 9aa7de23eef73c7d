/**
 * Failures a user can fix are explained once in the status comment, in plain words; the
 * workflow then waits for a retry or the close, it does not spin.
 */
import { STATUS_MARKER } from '@code-factory/messages';
import { samplePayloads } from '@code-factory/testkit';
import { AGENT_LOGIN, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import { stateQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: Stack;
beforeAll(async () => {
  // Coder Tasks, on the last Coder that has them: a task needs its template.
  stack = await startStack({
    coderRelease: '2.36',
    workerEnv: { CODER_BACKEND: 'tasks', CODER_TEMPLATE_NAME: 'no-such-template' },
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('user-fixable failures', () => {
  it('explains a missing template once and waits without spinning', async () => {
    const { owner, name } = stack.repo;
    const number = 7101;
    const res = await stack.deliver(
      'issues',
      samplePayloads.issueAssigned({
        owner,
        repo: name,
        issueNumber: number,
        sender: LEAD.login,
        senderId: LEAD.id,
        assignee: AGENT_LOGIN,
      }),
    );
    expect(res.status).toBe(202);
    const handle = stack.client.workflow.getHandle(stack.taskName(number));
    const deadline = Date.now() + 20_000;
    let phase = '';
    while (phase !== 'failed' && Date.now() < deadline) {
      phase = (await handle.query(stateQuery)).phase;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(phase).toBe('failed');
    const status = stack.github
      .comments(owner, name, number)
      .filter((c) => c.body.startsWith(STATUS_MARKER));
    expect(status).toHaveLength(1);
    expect(status[0]?.body).toContain('`no-such-template` does not exist');

    // Not spinning: no further template look-ups while it waits.
    const lookups = () => stack.coder.callsTo('GET', /\/templates\/no-such-template$/).length;
    const before = lookups();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(lookups()).toBe(before);
    expect(before).toBe(1);

    await stack.deliver(
      'issues',
      samplePayloads.issueClosed({ owner, repo: name, issueNumber: number }),
    );
    expect(await handle.result()).toBe('closed');
  });
});
