import { describe, expect, it } from 'vitest';
import {
  agent,
  agentError,
  agentUpdate,
  assignment,
  comment,
  fresh,
  repository,
  running,
  usageLimitUpdate,
  watch,
} from '../test-fixtures';
import { IllegalTransition, type Phase, TaskLifecycle, TRANSITIONS } from '.';

describe('TaskLifecycle agent updates', () => {
  it('takes updates for its own agent only, and refuses malformed ones', () => {
    const task = running();
    expect(task.live.observe(null)).toEqual({ taken: false, reason: 'malformed update' });
    expect(
      task.live.observe({ chatId: 'chat-1', status: 'waiting', readiness: 'nope' }),
    ).toMatchObject({
      taken: false,
    });
    expect(task.live.observe({ chatId: 'other', status: 'waiting', readiness: 'ready' })).toEqual({
      taken: false,
      reason: 'update for another agent',
    });
    expect(task.live.observe({ chatId: 'chat-1', status: 'running', readiness: 'busy' })).toEqual({
      taken: true,
    });
    expect(task.state.live).toEqual({ status: 'running', readiness: 'busy' });
    expect(task.live.liveEditDue).toBe(true);
    expect(task.state.counts.agentUpdates).toBe(1);
  });

  it('keeps only plain, bounded fields and remembers the pull request', () => {
    const task = running();
    task.live.observe(
      agentUpdate('waiting', 'ready', {
        summary: 'x'.repeat(10_000),
        pullRequest: { url: 'https://github.com/acme/widgets/pull/3', number: 3, state: 'open' },
        extra: { nested: true },
      }),
    );
    expect(task.state.live?.summary).toHaveLength(2_000);
    expect(task.state.live).not.toHaveProperty('extra');
    expect(task.state.pullRequestUrl).toBe('https://github.com/acme/widgets/pull/3');
  });

  it('blocks on an error a person must fix and resumes once it is gone', () => {
    const task = running();
    task.live.observe(usageLimitUpdate());
    expect(task.live.blockingError()).toBe('A budget is spent.');
    task.failed('deliver', 'A budget is spent.', true);
    expect(task.canResumeAfterAgentError()).toBe(false);
    task.live.observe(agentUpdate('running', 'busy'));
    expect(task.live.blockingError()).toBeNull();
    expect(task.canResumeAfterAgentError()).toBe(true);
  });

  it('does not block on errors the agent gets past by itself', () => {
    const task = running();
    task.live.observe(
      agentError({ kind: 'rate_limit', message: 'slow down', retryable: true, userFixable: false }),
    );
    expect(task.live.blockingError()).toBeNull();
  });

  it('believes an operator retry after an agent error once', () => {
    const task = running();
    task.live.observe(
      agentError({ kind: 'auth', message: 'bad key', retryable: false, userFixable: true }),
    );
    task.live.forgetError();
    expect(task.live.blockingError()).toBeNull();
    expect(task.state.live).toEqual({ status: 'retrying', readiness: 'busy' });
  });

  it('carries live state across continue-as-new', () => {
    const task = running();
    task.live.observe(agentUpdate('requires_action', 'blocked'));
    const next = new TaskLifecycle(
      'gh-widgets-1',
      { owner: 'acme', name: 'widgets' },
      1,
      task.carry(),
    );
    expect(next.state.live).toEqual({ status: 'requires_action', readiness: 'blocked' });
  });
});

describe('TaskLifecycle transitions', () => {
  /** A lifecycle in `phase`, reached through transitions only. */
  function inPhase(phase: Phase): TaskLifecycle {
    const task = fresh();
    if (phase === 'requested') return task;
    task.assign(assignment());
    if (phase === 'starting') return task;
    if (phase === 'queued') {
      task.queued();
      return task;
    }
    task.started({ agent });
    if (phase === 'failed') {
      task.failed('start', 'boom');
      return task;
    }
    if (phase === 'waiting-for-budget') {
      task.waitForBudget('budget spent');
      return task;
    }
    task.ready();
    if (phase === 'ready') return task;
    if (phase === 'waiting-for-coder') {
      task.waitForCoder('deliver', 'Coder down', 0, () => 30_000);
      return task;
    }
    if (phase === 'working') {
      task.forwarding();
      return task;
    }
    task.close();
    if (phase === 'closing') return task;
    if (phase === 'following') {
      task.beginFollowing(watch);
      return task;
    }
    task.closed();
    return task;
  }

  const phases = Object.keys(TRANSITIONS) as Phase[];

  it('walks the ordinary life: assign, started, ready, forwarding, forwarded, close, closed', () => {
    const task = fresh();
    task.assign(assignment());
    expect(task.phase).toBe('starting');
    task.started({ agent, ownerNote: 'n' });
    expect(task.state).toMatchObject({ agent, ownerNote: 'n' });
    task.ready();
    task.forwarding();
    expect(task.phase).toBe('working');
    task.forwarded(3);
    task.ready();
    expect(task.state.counts).toMatchObject({ forwardedMessages: 1, forwardedItems: 3 });
    expect(task.close()).toBe(0);
    task.closed();
    expect(task.phase).toBe('closed');
  });

  it.each(phases)('from %s allows exactly the moves in the table', (from) => {
    const moves: Record<Phase, (t: TaskLifecycle) => void> = {
      requested: (t) => t.skipAssignment(),
      starting: (t) => t.assign(assignment('again')),
      queued: (t) => t.queued(),
      ready: (t) => t.ready(),
      working: (t) => t.forwarding(),
      failed: (t) => t.failed('deliver', 'x'),
      'waiting-for-budget': (t) => t.waitForBudget('budget spent'),
      'waiting-for-coder': (t) => t.waitForCoder('deliver', 'Coder down', 0, () => 30_000),
      closing: (t) => t.close(),
      following: (t) => t.beginFollowing(watch),
      closed: (t) => t.closed(),
    };
    for (const to of phases) {
      const task = inPhase(from);
      const allowed =
        TRANSITIONS[from].includes(to) || (from === to && (to === 'ready' || to === 'queued'));
      const attempt = () => moves[to](task);
      if (allowed || (from === 'closing' && to === 'closing')) {
        expect(attempt, `${from} → ${to}`).not.toThrow();
      } else {
        expect(attempt, `${from} → ${to}`).toThrow(IllegalTransition);
        expect(task.phase, 'a refused move changes nothing').toBe(from);
      }
    }
  });

  it('refuses to record an agent outside start-up and to retry what did not fail', () => {
    expect(() => inPhase('ready').started({ agent })).toThrow(/started: a task cannot go/);
    expect(() => inPhase('ready').retry(true)).toThrow(IllegalTransition);
    expect(() => inPhase('closed').forwarding()).toThrow(
      'forwarding: a task cannot go from closed to working',
    );
  });

  it('skipping an assignment goes back to waiting and forgets it', () => {
    const task = fresh();
    task.assign(assignment());
    task.skipAssignment();
    expect(task.phase).toBe('requested');
    expect(task.state.assignment).toBeNull();
    expect(task.state.counts.skipped).toBe(1);
  });

  it('a retried start with re-adoption queues the assignment again and forgets the agent', () => {
    const task = inPhase('failed');
    expect(task.retry(true)).toBe('start');
    expect(task.phase).toBe('requested');
    expect(task.state.agent).toBeNull();
    expect(task.state.inbox[0]).toMatchObject({ kind: 'issue.assigned' });
    expect(task.failure).toBeNull();
  });

  it('a retried start without re-adoption (older runs) goes back to ready', () => {
    const task = inPhase('failed');
    task.retry(false);
    expect(task.phase).toBe('ready');
    expect(task.state.agent).toEqual(agent);
    expect(task.state.inbox).toHaveLength(0);
  });

  it('a retried delivery goes back to ready with the queue intact', () => {
    const task = running();
    task.enqueue(comment('c1'));
    task.failed('deliver', 'Coder said no');
    expect(task.hasWork()).toBe(false);
    expect(task.retry(true)).toBe('deliver');
    expect(task.phase).toBe('ready');
    expect(task.hasWork()).toBe(true);
  });

  it('resume after an agent error clears the failure', () => {
    const task = running();
    task.failed('deliver', 'budget', true);
    expect(task.failedOnAgentError).toBe(true);
    task.resume();
    expect(task.phase).toBe('ready');
    expect(task.failedOnAgentError).toBe(false);
    expect(task.failure).toBeNull();
  });

  it('close drops the queue and reactions, also when a continued run was already closing', () => {
    const task = running();
    task.enqueue(comment('c1'));
    task.enqueue(comment('c2'));
    task.requestClose('test');
    const next = new TaskLifecycle('gh-widgets-1', repository, 1, task.carry());
    expect(next.phase).toBe('closing');
    expect(next.closeRequested).toBe(true);
    expect(next.close()).toBe(2);
    expect(next.state.pendingReactions).toHaveLength(0);
    next.closed();
    expect(next.phase).toBe('closed');
  });

  it('exposes state read-only: writes go through transitions (checked by tsc)', () => {
    const writeBehindItsBack = (task: TaskLifecycle) => {
      // @ts-expect-error the view is read-only
      task.state.phase = 'closed';
      // @ts-expect-error nested state too
      task.state.counts.skipped++;
    };
    expect(writeBehindItsBack).toBeTypeOf('function');
  });
});

describe('TaskLifecycle fleet controls', () => {
  const withBody = (deliveryId: string, body: string, edited = false) => ({
    ...comment(deliveryId),
    body,
    edited,
  });

  it('holds /agent commands for the control lane instead of the agent', () => {
    const task = running();
    expect(task.accept(withBody('d1', '/agent stop')).outcome).toBe('command');
    expect(task.accept(withBody('d2', '/agent stop please')).outcome).toBe('command');
    expect(task.accept(withBody('d3', '> /agent stop')).outcome).toBe('accepted');
    expect(task.accept(withBody('d4', '```\n/agent stop\n```')).outcome).toBe('accepted');
    expect(task.accept(withBody('d5', '/agent release', true)).outcome).toBe('command');
    expect(task.accept(withBody('d1', '/agent stop')).outcome).toBe('duplicate');
    expect(task.state.inbox.map((i) => i.deliveryId)).toEqual(['d3', 'd4']);
    // The edited one (d5) acts never; the others in order, then nothing.
    expect(task.fleet.nextCommand()?.parsed).toEqual({ command: 'stop' });
    expect(task.fleet.nextCommand()?.parsed).toEqual({ unknown: 'stop please' });
    expect(task.fleet.nextCommand()).toBeUndefined();
  });

  it('replies to a flood of commands once per kind per window', () => {
    const task = running();
    const t0 = Date.parse('2026-11-24T12:00:00Z');
    expect(task.fleet.replyDue({ command: 'status' }, t0)).toBe(true);
    expect(task.fleet.replyDue({ command: 'status' }, t0 + 1_000)).toBe(false);
    expect(task.fleet.replyDue({ command: 'stop' }, t0 + 1_000)).toBe(true);
    expect(task.fleet.replyDue({ unknown: 'x' }, t0 + 1_000)).toBe(true);
    expect(task.fleet.replyDue({ unknown: 'y' }, t0 + 2_000)).toBe(false);
    expect(task.fleet.replyDue({ command: 'status' }, t0 + 11 * 60_000)).toBe(true);
  });

  it('pausing holds the queue, resuming lets it go in order; both are idempotent', () => {
    const task = running();
    task.live.commentWritten(11);
    expect(task.live.refreshDue).toBe(false);
    expect(task.fleet.pause()).toBe(true);
    expect(task.fleet.pause()).toBe(false);
    task.accept(comment('d1'));
    task.accept(comment('d2'));
    expect(task.hasWork()).toBe(false);
    // The comment does not say paused yet: one refresh is due, until it is written.
    expect(task.live.refreshDue).toBe(true);
    task.live.refreshed();
    expect(task.live.refreshDue).toBe(false);
    expect(task.fleet.unpause()).toBe(true);
    expect(task.live.refreshDue).toBe(true);
    expect(task.fleet.unpause()).toBe(false);
    expect(task.hasWork()).toBe(true);
    expect(task.inbox.takeDeliverableRun(5).map((i) => i.deliveryId)).toEqual(['d1', 'd2']);
    expect(task.carry().paused).toBe(false);
  });

  it('queues a start for a slot: grants are final, positions only go down', () => {
    const task = fresh();
    task.assign(assignment());
    task.fleet.slotAsked('repo');
    task.fleet.slotAnswered('repo', { granted: false, ahead: 3 });
    task.queued();
    expect(task.phase).toBe('queued');
    task.fleet.slotAnswered('repo', { granted: false, ahead: 5 });
    expect(task.fleet.slotOf('repo')).toEqual({ scope: 'repo', granted: false, ahead: 3 });
    task.fleet.slotAnswered('repo', { granted: false, ahead: 1 });
    task.fleet.slotAnswered('repo', { granted: true });
    task.fleet.slotAnswered('repo', { granted: false, ahead: 2 });
    expect(task.fleet.slotOf('repo')).toEqual({ scope: 'repo', granted: true, ahead: null });
    // A notice for a scope it never asked for is ignored.
    task.fleet.slotAnswered('other', { granted: true });
    expect(task.fleet.slotOf('other')).toBeUndefined();
    task.dequeued();
    expect(task.phase).toBe('starting');
    task.fleet.slotAsked('installation');
    expect(task.fleet.releaseSlots()).toEqual(['repo', 'installation']);
    expect(task.fleet.releaseSlots()).toEqual([]);
  });

  it('a queued start can be closed or fail, and cannot skip to ready', () => {
    const task = fresh();
    task.assign(assignment());
    task.queued();
    expect(() => task.ready()).toThrow(IllegalTransition);
    task.close();
    expect(task.phase).toBe('closing');
  });

  it('reminds once per stuck period, and only while the task is still in that phase', () => {
    const task = fresh();
    task.assign(assignment());
    task.failed('start', 'boom');
    expect(task.stuck('starting', '2026-11-24T10:00:00Z')).toBe(false);
    expect(task.stuck('failed', '2026-11-24T10:00:00Z')).toBe(true);
    expect(task.stuck('failed', '2026-11-24T10:00:00Z')).toBe(false);
    expect(task.fleet.takeReminder()).toEqual({ phase: 'failed', since: '2026-11-24T10:00:00Z' });
    expect(task.fleet.takeReminder()).toBeNull();
    // A new stuck period (the phase began again later) gets its own reminder.
    expect(task.stuck('failed', '2026-11-24T11:00:00Z')).toBe(true);
  });

  it('parks on a spent budget, holds what comes, and goes on when Coder clears it or on retry', () => {
    const task = running();
    task.live.observe(
      agentError({ kind: 'usage_limit', message: 'limit', retryable: false, userFixable: true }),
    );
    expect(task.live.budgetExhausted()).toBe(true);
    task.waitForBudget('budget spent');
    expect(task.phase).toBe('waiting-for-budget');
    expect(task.parked).toBe(true);
    task.accept(comment('d1'));
    expect(task.hasWork()).toBe(false);
    expect(task.canResumeAfterAgentError()).toBe(false);
    task.live.observe(agentUpdate('waiting', 'ready'));
    expect(task.canResumeAfterAgentError()).toBe(true);
    task.resume();
    expect(task.phase).toBe('ready');
    expect(task.hasWork()).toBe(true);
    task.waitForBudget('spent again');
    expect(task.retry(false)).toBe('deliver');
    expect(task.phase).toBe('ready');
  });

  it('waits for Coder with the work in order, tries again later and later, and goes on', () => {
    const task = running();
    task.accept(comment('d1'));
    const run = task.inbox.takeDeliverableRun(20);
    task.forwarding();
    // The send failed because Coder did not answer: the items go back to the head.
    task.inbox.requeueFront(run);
    const delay = (n: number) => 30_000 * 2 ** n;
    expect(task.waitForCoder('deliver', 'Coder answered 503', 1_000, delay)).toBe(true);
    expect(task.phase).toBe('waiting-for-coder');
    expect(task.parked).toBe(true);
    expect(task.live.liveEditDue).toBe(true);
    expect(task.state.coderDown).toEqual({
      step: 'deliver',
      since: new Date(1_000).toISOString(),
      failedProbes: 0,
      nextProbeAt: 31_000,
    });
    // Held, in order, behind the first.
    task.accept(comment('d2'));
    expect(task.hasWork()).toBe(false);
    expect(task.snapshot().pending.map((p) => p.deliveryId)).toEqual(['d1', 'd2']);
    // A try: back to the step, and Coder still down: not news, and the next wait is longer.
    expect(task.retry(true)).toBe('deliver');
    expect(task.phase).toBe('ready');
    task.forwarding();
    expect(task.waitForCoder('deliver', 'still 503', 40_000, delay)).toBe(false);
    expect(task.state.coderDown).toMatchObject({ failedProbes: 1, nextProbeAt: 100_000 });
    // Never `failed` for this, and the outage survives continue-as-new.
    const carried = new TaskLifecycle('gh-widgets-1', repository, 1, task.carry());
    expect(carried.phase).toBe('waiting-for-coder');
    expect(carried.state.coderDown?.failedProbes).toBe(1);
    carried.retry(true);
    expect(carried.coderAnswered()).toBe(true);
    expect(carried.state.coderDown).toBeNull();
    expect(carried.live.liveEditDue).toBe(true);
    expect(carried.coderAnswered()).toBe(false);
    expect(carried.hasWork()).toBe(true);
  });

  it('a start that waits for Coder queues its assignment again on the next try', () => {
    const task = fresh();
    task.assign(assignment());
    expect(task.waitForCoder('start', 'ECONNREFUSED', 0, () => 30_000)).toBe(true);
    expect(task.failure?.step).toBe('start');
    task.accept(comment('d1'));
    expect(task.retry(true)).toBe('start');
    expect(task.phase).toBe('requested');
    expect(task.snapshot().pending.map((p) => p.kind)).toEqual([
      'issue.assigned',
      'comment.posted',
    ]);
  });

  it('drops review comments its review carried, queued or arriving later', () => {
    const task = running();
    const rc = (deliveryId: string, commentId: number) => ({
      ...comment(deliveryId),
      source: 'review_comment' as const,
      commentId,
    });
    task.accept(rc('r1', 71));
    task.accept(comment('c1'));
    task.accept(rc('r2', 72));
    task.inbox.reviewCommentsSent([71, 72, 73]);
    expect(task.state.inbox.map((i) => i.deliveryId)).toEqual(['c1']);
    expect(task.accept(rc('r3', 73)).outcome).toBe('folded');
    expect(task.inbox.reviewCommentSent(72)).toBe(true);
    expect(task.inbox.reviewCommentSent(74)).toBe(false);
  });
});

describe('TaskLifecycle triggers (a comment that mentions the agent)', () => {
  const mentioning = (deliveryId: string) => ({
    ...comment(deliveryId),
    authorAssociation: 'MEMBER',
    mention: {
      line: '@agent please fix it',
      issue: { title: 'Fix it', url: 'https://github.com/acme/widgets/issues/1' },
    },
  });

  it('asks for a start when no task runs: a mention trigger, the author the requester', () => {
    const task = fresh();
    const result = task.accept(mentioning('c-1'));
    expect(result).toMatchObject({ outcome: 'accepted', item: { kind: 'issue.assigned' } });
    expect(task.state.inbox).toEqual([
      {
        ...assignment('c-1'),
        sender: { login: 'dev', id: 3 },
        trigger: 'mention',
        mention: {
          line: '@agent please fix it',
          url: 'https://github.com/acme/widgets/issues/1#issuecomment-1',
          association: 'MEMBER',
        },
      },
    ]);
    expect(task.state.pendingReactions).toEqual([]);
  });

  it('is a comment like any other when an agent runs, or a start waits or is under way', () => {
    const runningTask = running();
    runningTask.accept(mentioning('c-2'));
    expect(runningTask.state.inbox.map((i) => i.kind)).toEqual(['comment.posted']);

    const waiting = fresh();
    waiting.accept(assignment('a-1'));
    waiting.accept(mentioning('c-3'));
    expect(waiting.state.inbox.map((i) => i.kind)).toEqual(['issue.assigned', 'comment.posted']);

    const starting = fresh();
    starting.assign(assignment('a-2'));
    starting.accept(mentioning('c-4'));
    expect(starting.state.inbox.map((i) => i.kind)).toEqual(['comment.posted']);
  });

  it('a redelivered mention asks once', () => {
    const task = fresh();
    task.accept(mentioning('c-5'));
    expect(task.accept(mentioning('c-5'))).toEqual({ outcome: 'duplicate' });
    expect(task.state.inbox).toHaveLength(1);
  });
});
