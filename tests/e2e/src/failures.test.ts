/**
 * Failures a user can fix are explained once in the status comment, in plain words; the
 * workflow then waits for a retry or the close, it does not spin.
 */
import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { suiteStack } from './suite-stack';

// Coder Tasks, on the last Coder that has them: a task needs its template.
const stack = suiteStack({
  coderRelease: '2.36',
  workerEnv: { CODER_BACKEND: 'tasks', CODER_TEMPLATE_NAME: 'no-such-template' },
});

describe('user-fixable failures', () => {
  it('explains a missing template once and waits without spinning', async () => {
    const { owner, name } = stack.repo;
    const number = 7101;
    const res = await stack.deliver('issues', samplePayloads.issueAssigned(stack.issue(number)));
    expect(res.status).toBe(202);
    await stack.waitForPhase(stack.taskName(number), ['failed']);
    const status = stack.statusComments(number);
    expect(status).toHaveLength(1);
    expect(status[0]?.body).toContain('`no-such-template` does not exist');

    // Not spinning: once it has handled a later event and has nothing in flight, there was
    // one template look-up and nothing retries it.
    const lookups = () => stack.coder.callsTo('GET', /\/templates\/no-such-template$/).length;
    const workflowId = stack.taskName(number);
    const { recentDeliveryCount } = await stack.state(workflowId);
    const later = await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({ owner, repo: name, issueNumber: number, body: 'any news?' }),
    );
    expect(later.status).toBe(202);
    await stack.waitFor(workflowId, (s) => s.recentDeliveryCount > recentDeliveryCount);
    await stack.waitForIdle(workflowId);
    expect(lookups()).toBe(1);

    await stack.deliver(
      'issues',
      samplePayloads.issueClosed({ owner, repo: name, issueNumber: number }),
    );
    expect(await stack.client.workflow.getHandle(stack.taskName(number)).result()).toBe('closed');
  });
});
