import { describe, expect, it } from 'vitest';
import type { AgentRef } from './activities';
import { TaskLifecycle } from './state';

const agent: AgentRef = {
  backend: 'agents',
  id: 'chat-1',
  owner: 'dev',
  name: 'gh-widgets-1',
  url: 'https://c/agents/chat-1',
  pushed: true,
};

function running(): TaskLifecycle {
  const task = new TaskLifecycle('gh-widgets-1', { owner: 'acme', name: 'widgets' }, 1);
  task.state.agent = agent;
  task.setPhase('ready');
  return task;
}

describe('TaskLifecycle agent updates', () => {
  it('takes updates for its own agent only, and refuses malformed ones', () => {
    const task = running();
    expect(task.observe(null)).toEqual({ taken: false, reason: 'malformed update' });
    expect(task.observe({ chatId: 'chat-1', status: 'waiting', readiness: 'nope' })).toMatchObject({
      taken: false,
    });
    expect(task.observe({ chatId: 'other', status: 'waiting', readiness: 'ready' })).toEqual({
      taken: false,
      reason: 'update for another agent',
    });
    expect(task.observe({ chatId: 'chat-1', status: 'running', readiness: 'busy' })).toEqual({
      taken: true,
    });
    expect(task.state.live).toEqual({ status: 'running', readiness: 'busy' });
    expect(task.state.liveDirty).toBe(true);
    expect(task.state.counts.agentUpdates).toBe(1);
  });

  it('keeps only plain, bounded fields and remembers the pull request', () => {
    const task = running();
    task.observe({
      chatId: 'chat-1',
      status: 'waiting',
      readiness: 'ready',
      summary: 'x'.repeat(10_000),
      pullRequest: { url: 'https://github.com/acme/widgets/pull/3', number: 3, state: 'open' },
      extra: { nested: true },
    });
    expect(task.state.live?.summary).toHaveLength(2_000);
    expect(task.state.live).not.toHaveProperty('extra');
    expect(task.state.pullRequestUrl).toBe('https://github.com/acme/widgets/pull/3');
  });

  it('blocks on an error a person must fix and resumes once it is gone', () => {
    const task = running();
    task.observe({
      chatId: 'chat-1',
      status: 'error',
      readiness: 'error',
      error: {
        kind: 'usage_limit',
        message: 'quota',
        retryable: false,
        userFixable: true,
        explanation: 'A budget is spent.',
      },
    });
    expect(task.blockingError()).toBe('A budget is spent.');
    task.fail('deliver', 'A budget is spent.', true);
    expect(task.canResumeAfterAgentError()).toBe(false);
    task.observe({ chatId: 'chat-1', status: 'running', readiness: 'busy' });
    expect(task.blockingError()).toBeNull();
    expect(task.canResumeAfterAgentError()).toBe(true);
  });

  it('does not block on errors the agent gets past by itself', () => {
    const task = running();
    task.observe({
      chatId: 'chat-1',
      status: 'error',
      readiness: 'error',
      error: { kind: 'rate_limit', message: 'slow down', retryable: true, userFixable: false },
    });
    expect(task.blockingError()).toBeNull();
  });

  it('believes an operator retry after an agent error once', () => {
    const task = running();
    task.observe({
      chatId: 'chat-1',
      status: 'error',
      readiness: 'error',
      error: { kind: 'auth', message: 'bad key', retryable: false, userFixable: true },
    });
    task.retryAfterAgentError();
    expect(task.blockingError()).toBeNull();
    expect(task.state.live).toEqual({ status: 'retrying', readiness: 'busy' });
  });

  it('carries live state across continue-as-new', () => {
    const task = running();
    task.observe({ chatId: 'chat-1', status: 'requires_action', readiness: 'blocked' });
    const next = new TaskLifecycle(
      'gh-widgets-1',
      { owner: 'acme', name: 'widgets' },
      1,
      task.carry(),
    );
    expect(next.state.live).toEqual({ status: 'requires_action', readiness: 'blocked' });
  });
});
