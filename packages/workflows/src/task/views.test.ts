import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { expect, it, describe as suite } from 'vitest';
import { ErrorTypes } from '../activities';
import type { TaskLifecycle } from '../state';
import { agent, agentUpdate, assignment, fresh, usageLimitUpdate } from '../test-fixtures';
import { describe } from './describe';
import {
  activityOf,
  agentErrorFailure,
  applicationFailureOf,
  coderDownView,
  liveView,
} from './views';

function running(): TaskLifecycle {
  const task = fresh();
  task.assign(assignment());
  task.started({ agent, ownerNote: 'Runs as the service.' });
  task.ready();
  return task;
}

suite('the status comment of a running agent', () => {
  it('shows what Coder pushed: activity, pull requests, summary, the owner note', () => {
    const task = running();
    task.live.observe(
      agentUpdate('running', 'busy', {
        pullRequest: { url: 'https://github.com/acme/widgets/pull/3', number: 3 },
        summary: 'Wrote the fix.',
      }),
    );
    expect(liveView(task, agent)).toEqual({
      state: 'running',
      agentUrl: agent.url,
      activity: 'working',
      pullRequest: { url: 'https://github.com/acme/widgets/pull/3', number: 3 },
      summary: 'Wrote the fix.',
      note: 'Runs as the service.',
    });
  });

  it('says stalled, with the problem, on an error a person must fix; paused wins', () => {
    const task = running();
    task.live.observe(usageLimitUpdate('The budget is spent.'));
    expect(liveView(task, agent)).toMatchObject({ state: 'stalled', activity: 'error' });
    expect(liveView(task, agent).problem).toMatch(/^The budget is spent\. The comments are kept/);
    task.fleet.pause();
    expect(liveView(task, agent).state).toBe('paused');
  });

  it("names Coder's activity words", () => {
    expect(activityOf('ready')).toBe('idle');
    expect(activityOf('blocked')).toBe('waiting-for-you');
    expect(activityOf('gone')).toBe('error');
    expect(activityOf('busy', 'queued_for_capacity')).toBe('queued-in-coder');
    expect(activityOf('starting')).toBe('working');
  });

  it('while Coder is down: the note for the step that waits', () => {
    const task = running();
    task.forwarding();
    task.waitForCoder('deliver', 'connection refused', 0, () => 30_000);
    expect(coderDownView(task, agent)).toMatchObject({
      state: 'waiting-for-coder',
      agentUrl: agent.url,
    });
    expect(describe(task)).toContain(
      'Waiting for Coder since 1970-01-01T00:00:00.000Z (step: deliver): connection refused',
    );
    expect(describe(task)).toContain('Next try at 1970-01-01T00:00:30.000Z');
  });
});

suite('failures the steps explain', () => {
  it('an agent error is user-fixable and final; an activity failure is read through', () => {
    const failure = agentErrorFailure('Fix the key.');
    expect(failure).toMatchObject({ type: ErrorTypes.userFixable, nonRetryable: true });
    const wrapped = new ActivityFailure(
      'a',
      'deliverToAgent',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      undefined,
      failure,
    );
    expect(applicationFailureOf(wrapped)).toBe(failure);
    expect(applicationFailureOf(failure)).toBe(failure);
    expect(applicationFailureOf(new Error('x'))).toBeUndefined();
    expect(applicationFailureOf(ApplicationFailure.retryable('r'))?.nonRetryable).toBe(false);
  });

  it('the details say what failed and how to retry', () => {
    const task = running();
    task.forwarding();
    task.failed('deliver', 'GitHub said no.');
    expect(describe(task)).toContain('**acme/widgets#1**: Fix it · phase **failed**');
    expect(describe(task)).toContain('Failed step: deliver. GitHub said no.');
    expect(describe(task)).toContain('Retry with the `retry` update');
  });
});

suite('comments held for approval', () => {
  it('the status comment and the Web UI say who waits', () => {
    const task = running();
    task.holdsUntrusted = true;
    expect(liveView(task, agent)).not.toHaveProperty('held');
    const base = {
      kind: 'comment.posted' as const,
      receivedAt: '2026-11-24T12:00:00Z',
      repository: { owner: 'acme', name: 'widgets' },
      issueNumber: 1,
      installationId: 7,
      source: 'issue_comment' as const,
      body: 'hi',
      edited: false,
      createdAt: '2026-11-24T12:00:00Z',
      untrusted: true,
    };
    for (const [n, login] of [
      [1, 'mallory'],
      [2, 'mallory'],
      [3, 'eve'],
    ] as const) {
      task.accept({
        ...base,
        deliveryId: `d${n}`,
        commentId: n,
        author: { login, id: n },
        url: `https://github.com/acme/widgets/issues/1#issuecomment-${n}`,
      });
    }
    expect(liveView(task, agent).held).toEqual({
      authors: [
        { login: 'mallory', count: 2 },
        { login: 'eve', count: 1 },
      ],
      dropped: 0,
    });
    expect(coderDownView(task, agent).held?.authors).toHaveLength(2);
    expect(describe(task)).toContain(
      'Waiting for approval: 3 comment(s) from @mallory, @eve (`/agent approve` or `/agent deny` on the issue)',
    );
  });
});
