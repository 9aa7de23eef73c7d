import { describe, expect, it } from 'vitest';
import { agent, repository, watch } from '../test-fixtures';
import { emptyState, UnreadableCarriedState, upgradeCarried } from './carried';
import { TaskLifecycle } from './lifecycle';
import { CARRIED_VERSION } from './types';

/** What a run before 1.0 carried: optional fields, worker settings and flags as copies. */
const version0 = {
  phase: 'failed',
  backend: 'agents',
  agent,
  assignment: null,
  statusCommentId: 41,
  inbox: [],
  pendingReactions: [],
  recentDeliveries: ['d1', 'd2'],
  counts: {
    accepted: 2,
    duplicates: 0,
    rejected: 0,
    forwardedMessages: 1,
    forwardedItems: 1,
    skipped: 0,
  },
  lastError: 'The usage limit was reached.',
  failedStep: 'deliver',
  pullRequestUrl: null,
  runs: 3,
  live: { status: 'error', readiness: 'error' },
  liveDirty: true,
  liveShownAt: 1_000,
  statusCommentIntervalMs: 5_000,
  historyLimit: 400,
  budgetRetryIntervalMs: 60_000,
  failedOnAgentError: true,
  paused: true,
  statusRefresh: true,
  commands: [],
};

describe('carried state versions', () => {
  it('version 3 is read as it is, with nothing missing', () => {
    const carried = { ...emptyState(), phase: 'following' as const, runs: 2, agent, follow: watch };
    expect(upgradeCarried(carried)).toEqual(carried);
    expect(upgradeCarried(carried)).not.toBe(carried);
    expect(emptyState().version).toBe(CARRIED_VERSION);
    expect(CARRIED_VERSION).toBe(3);
  });

  // follow-through
  it('version 2 becomes version 3: no merge watched, no follow-up for a new agent', () => {
    const {
      follow: _f,
      followUp: _u,
      ...v2
    } = {
      ...emptyState(),
      version: 2,
      phase: 'ready' as const,
      runs: 5,
      agent,
    };
    const upgraded = upgradeCarried(v2);
    expect(upgraded).toEqual({ ...emptyState(), phase: 'ready', runs: 5, agent });
    expect(upgraded).toMatchObject({ version: 3, follow: null, followUp: null, followed: [] });
    const task = new TaskLifecycle('gh-widgets-1', repository, 1, v2);
    expect(task.follow.watch).toBeNull();
    expect(task.follow.followUp).toBeNull();
  });
  // end follow-through

  it('version 1 becomes the current version: the held input fields start empty, the rest is kept', () => {
    // held input
    const {
      held: _h,
      heldDropped: _d,
      heldShown: _s,
      follow: _f,
      followUp: _u,
      followed: _w,
      ...v1
    } = {
      ...emptyState(),
      version: 1,
      phase: 'ready' as const,
      runs: 4,
      agent,
      recentDeliveries: ['d1'],
    };
    const upgraded = upgradeCarried(v1);
    expect(upgraded).toEqual({
      ...emptyState(),
      phase: 'ready',
      runs: 4,
      agent,
      recentDeliveries: ['d1'],
    });
    expect(upgraded).toMatchObject({ version: 3, held: [], heldDropped: 0, heldShown: '' });
    const task = new TaskLifecycle('gh-widgets-1', repository, 1, v1);
    expect(task.held.count).toBe(0);
    expect(task.heldRefreshDue).toBe(false);
    // end held input
  });

  // cost
  it('version 1 becomes the current version: nothing spent yet, the repository’s cost limit', () => {
    const { cost: _cost, ...v1 } = { ...emptyState(), phase: 'ready' as const, runs: 4, agent };
    const upgraded = upgradeCarried({ ...v1, version: 1 });
    expect(upgraded.version).toBe(3);
    expect(upgraded).toMatchObject({ phase: 'ready', runs: 4, agent });
    expect(upgraded.cost).toEqual({
      earlier: { totalMicros: 0, requests: 0, unpriced: 0 },
      current: null,
      limitMicros: null,
      stopDue: false,
      toldLimitMicros: null,
      mergedCounted: [],
    });
  });
  // end cost

  it('version 0 (before 1.0) becomes the current version: settings dropped, flags folded into records', () => {
    const upgraded = upgradeCarried(version0);
    expect(upgraded.version).toBe(CARRIED_VERSION);
    expect(upgraded).toMatchObject({
      phase: 'failed',
      agent,
      runs: 3,
      recentDeliveries: ['d1', 'd2'],
      failure: { step: 'deliver', message: 'The usage limit was reached.', cause: 'agent' },
      // A live edit was due and a refresh too (paused, the comment not saying so yet).
      statusComment: { id: 41, revision: 1, shownRevision: 0, shownAt: 1_000, shownPaused: false },
      paused: true,
      // Fields it never had get their empty values; counts it never kept start at zero.
      slots: [],
      sentReviewComments: [],
      coderDown: null,
      earlyUpdate: null,
    });
    expect(upgraded.counts).toMatchObject({ accepted: 2, cleanupFailures: 0, agentUpdates: 0 });
    for (const gone of [
      'statusCommentId',
      'lastError',
      'failedStep',
      'failedOnAgentError',
      'liveDirty',
      'liveShownAt',
      'statusRefresh',
      'statusCommentIntervalMs',
      'historyLimit',
      'budgetRetryIntervalMs',
    ]) {
      expect(upgraded).not.toHaveProperty(gone);
    }
    // The lifecycle reads it: parked on an agent error, a live edit and a refresh due.
    const task = new TaskLifecycle('gh-widgets-1', repository, 1, version0);
    expect(task.failedOnAgentError).toBe(true);
    expect(task.live.liveEditDue).toBe(true);
    expect(task.live.refreshDue).toBe(true);
  });

  it('version 0 waiting for Coder keeps the cause', () => {
    const upgraded = upgradeCarried({
      ...version0,
      phase: 'waiting-for-coder',
      failedOnAgentError: false,
      coderDown: {
        step: 'deliver',
        since: '2026-12-01T00:00:00Z',
        failedProbes: 2,
        nextProbeAt: 9,
      },
    });
    expect(upgraded.failure?.cause).toBe('coder');
    expect(upgraded.coderDown?.failedProbes).toBe(2);
  });

  it('refuses what no version describes, saying why', () => {
    expect(() => upgradeCarried(null)).toThrow(UnreadableCarriedState);
    expect(() => upgradeCarried([])).toThrow(/not an object/);
    expect(() => upgradeCarried({ version: 1 })).toThrow(/no phase/);
    expect(() => upgradeCarried({ ...emptyState(), version: 4 })).toThrow(/version 4 .* 0 to 3/);
  });
});
