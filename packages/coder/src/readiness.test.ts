import { describe, expect, it } from 'vitest';
import type { AgentBackend, AgentHandle, AgentStatus, Readiness } from './backend';
import { AgentUnavailableError, waitUntilReady } from './readiness';

const agent: AgentHandle = {
  backend: 'tasks',
  id: 't1',
  owner: 'dev',
  name: 'gh-w-1',
  url: 'http://c/t1',
};
const timings = { pollMs: 10, startupTimeoutMs: 100, errorGraceMs: 30 };

/** A scripted backend: each status() call returns the next readiness (the last repeats). */
function scripted(states: Readiness[], queuesWhileBusy = false) {
  let i = 0;
  const resumes: number[] = [];
  const backend: AgentBackend = {
    kind: 'tasks',
    queuesWhileBusy,
    resolveOwner: async () => ({ owner: 'dev' }),
    ensureAgent: async () => ({ agent, adopted: false }),
    status: async (): Promise<AgentStatus> => {
      const readiness = states[Math.min(i, states.length - 1)] ?? 'gone';
      i++;
      return { readiness, detail: readiness };
    },
    resume: async () => {
      resumes.push(i);
    },
    send: async () => ({ queued: false }),
    close: async () => ({ existed: true }),
  };
  return { backend, resumes, polls: () => i };
}

function clock() {
  let now = 0;
  return {
    hooks: {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
      onPoll: () => {},
    },
  };
}

describe('waitUntilReady', () => {
  it('waits through start-up and busy until ready', async () => {
    const { backend, polls } = scripted(['starting', 'starting', 'busy', 'ready']);
    const status = await waitUntilReady(backend, agent, timings, clock().hooks);
    expect(status.readiness).toBe('ready');
    expect(polls()).toBe(4);
  });

  it('resumes a paused agent once, then waits', async () => {
    const { backend, resumes } = scripted(['paused', 'paused', 'starting', 'ready']);
    await waitUntilReady(backend, agent, timings, clock().hooks);
    expect(resumes).toHaveLength(1);
  });

  it('fails when the agent is paused again after resuming', async () => {
    const { backend } = scripted(['paused', 'starting', 'paused']);
    await expect(waitUntilReady(backend, agent, timings, clock().hooks)).rejects.toThrow(
      /paused again/,
    );
  });

  it('tolerates errors within the grace period', async () => {
    const { backend } = scripted(['error', 'error', 'ready']);
    const status = await waitUntilReady(backend, agent, timings, clock().hooks);
    expect(status.readiness).toBe('ready');
  });

  it('fails when the error outlasts the grace period', async () => {
    const { backend } = scripted(['error']);
    await expect(waitUntilReady(backend, agent, timings, clock().hooks)).rejects.toBeInstanceOf(
      AgentUnavailableError,
    );
  });

  it('fails when start-up takes too long', async () => {
    const { backend } = scripted(['starting']);
    await expect(waitUntilReady(backend, agent, timings, clock().hooks)).rejects.toThrow(
      /did not become ready/,
    );
  });

  it('fails when the agent is gone', async () => {
    const { backend } = scripted(['gone']);
    await expect(waitUntilReady(backend, agent, timings, clock().hooks)).rejects.toThrow(
      /no longer exists/,
    );
  });

  it('does not wait for a busy agent when the backend queues messages', async () => {
    const { backend, polls } = scripted(['busy'], true);
    const status = await waitUntilReady(backend, agent, timings, clock().hooks);
    expect(status.readiness).toBe('busy');
    expect(polls()).toBe(1);
  });

  it('stops at once on a chat error a person must fix, with the explanation', async () => {
    const { backend } = scripted(['error'], true);
    backend.status = async () => ({
      readiness: 'error',
      detail: 'error (usage_limit): quota',
      error: {
        kind: 'usage_limit',
        message: 'quota',
        retryable: false,
        userFixable: true,
        explanation: 'A budget is spent.',
      },
    });
    const err = await waitUntilReady(backend, agent, timings, clock().hooks).catch((e) => e);
    expect(err).toMatchObject({ kind: 'user_fixable', userMessage: 'A budget is spent.' });
  });

  it('does not wait on other chat errors: the next message restarts the agent', async () => {
    const { backend, polls } = scripted(['error'], true);
    expect((await waitUntilReady(backend, agent, timings, clock().hooks)).readiness).toBe('error');
    expect(polls()).toBe(1);
  });
});
