/**
 * Input held for approval, the decisions (state/held.ts): an untrusted comment is held (never
 * a command, a start or a forward), approved all or one by link into its place by arrival,
 * denied, bounded, carried across continue-as-new; the old branch drops it.
 */
import { describe, expect, it } from 'vitest';
import { comment, fresh, running } from '../test-fixtures';
import { MAX_HELD } from './held';
import { TaskLifecycle } from './lifecycle';

const at = (second: number) => `2026-11-24T12:00:${String(second).padStart(2, '0')}Z`;

/** A comment that arrived at `second`, by `login`, from outside the trust list or not. */
function from(deliveryId: string, second: number, login = 'dev', untrusted = false) {
  const n = Number(deliveryId.replace(/\D/g, ''));
  return {
    ...comment(deliveryId),
    receivedAt: at(second),
    createdAt: at(second),
    author: { login, id: 100 + n },
    body: `comment ${deliveryId}`,
    commentId: n,
    url: `https://github.com/acme/widgets/issues/1#issuecomment-${n}`,
    ...(untrusted ? { untrusted: true, authorAssociation: 'NONE' } : {}),
  };
}

function holding(): TaskLifecycle {
  const task = running();
  task.holdsUntrusted = true;
  return task;
}

const inboxIds = (task: TaskLifecycle) => task.state.inbox.map((i) => i.deliveryId);

describe('comments from outside the trust list', () => {
  it('are held, not queued, not taken as commands, and counted per author', () => {
    const task = holding();
    expect(task.accept(from('d1', 1, 'mallory', true)).outcome).toBe('held');
    expect(task.accept({ ...from('d2', 2, 'mallory', true), body: '/agent release' }).outcome).toBe(
      'held',
    );
    expect(task.accept(from('d3', 3, 'eve', true)).outcome).toBe('held');
    expect(task.state.inbox).toEqual([]);
    expect(task.state.commands).toEqual([]);
    expect(task.state.pendingReactions).toEqual([]);
    expect(task.held.facts()).toEqual({
      authors: [
        { login: 'mallory', count: 2 },
        { login: 'eve', count: 1 },
      ],
      dropped: 0,
    });
    // The query shows who waits, never the bodies.
    expect(task.snapshot().held).toEqual([
      expect.objectContaining({ author: 'mallory', deliveryId: 'd1' }),
      expect.objectContaining({ author: 'mallory', deliveryId: 'd2' }),
      expect.objectContaining({ author: 'eve', deliveryId: 'd3' }),
    ]);
    expect(JSON.stringify(task.snapshot())).not.toContain('comment d1');
  });

  it('an edit of a held comment replaces it where it stands', () => {
    const task = holding();
    task.accept(from('d1', 1, 'mallory', true));
    task.accept({ ...from('d2', 2, 'mallory', true), commentId: 1, body: 'edited', edited: true });
    expect(task.held.count).toBe(1);
    expect(task.state.held[0]?.comment.body).toBe('edited');
  });

  it('start nothing and are dropped where no agent runs or was asked for', () => {
    const task = fresh();
    task.holdsUntrusted = true;
    expect(task.accept({ ...from('d1', 1, 'mallory', true), mention: undefined }).outcome).toBe(
      'untrusted',
    );
    expect(task.state.inbox).toEqual([]);
    expect(task.held.count).toBe(0);
    expect(task.state.counts.skipped).toBe(1);
  });

  it('are dropped by a run before change held-input (as the ingress did then)', () => {
    const task = running();
    expect(task.accept(from('d1', 1, 'mallory', true)).outcome).toBe('untrusted');
    expect(task.held.count).toBe(0);
    expect(task.state.inbox).toEqual([]);
  });
});

describe('/agent approve and /agent deny', () => {
  it('approve (all): each goes before what arrived after it, approved by who said so', () => {
    const task = holding();
    task.accept(from('d1', 1, 'mallory', true));
    task.accept(from('d3', 3, 'eve', true));
    task.enqueue(from('d2', 2));
    task.enqueue(from('d4', 4));
    expect(task.approve('lead')).toEqual([
      { author: 'mallory', url: 'https://github.com/acme/widgets/issues/1#issuecomment-1' },
      { author: 'eve', url: 'https://github.com/acme/widgets/issues/1#issuecomment-3' },
    ]);
    expect(inboxIds(task)).toEqual(['d1', 'd2', 'd3', 'd4']);
    const first = task.state.inbox[0];
    expect(first?.kind === 'comment.posted' && first.approval).toEqual({
      by: 'lead',
      overtaken: 0,
    });
    // They get their 👀 when they go out, like any comment.
    expect(task.state.pendingReactions.map((r) => r.commentId).sort()).toEqual([1, 2, 3, 4]);
    expect(task.held.count).toBe(0);
  });

  it('approve <link>: only that one, link written with another host case or a trailing slash', () => {
    const task = holding();
    task.accept(from('d1', 1, 'mallory', true));
    task.accept(from('d2', 2, 'eve', true));
    const approved = task.approve(
      'lead',
      'https://GitHub.com/acme/widgets/issues/1#issuecomment-2/',
    );
    expect(approved.map((a) => a.author)).toEqual(['eve']);
    expect(inboxIds(task)).toEqual(['d2']);
    expect(task.held.facts().authors).toEqual([{ login: 'mallory', count: 1 }]);
    expect(task.approve('lead', 'https://github.com/acme/widgets/issues/1#issuecomment-9')).toEqual(
      [],
    );
  });

  it('says how many forwarded updates were written after an item approved late', () => {
    const task = holding();
    task.enqueue(from('d1', 1));
    task.accept(from('d2', 2, 'mallory', true));
    // d1 waited before it (not overtaking it); d3 and d4 came after it and went out first.
    task.enqueue(from('d3', 3));
    task.enqueue(from('d4', 4));
    task.inbox.takeDeliverableRun(20);
    task.forwarded(3);
    task.enqueue(from('d5', 5));
    task.approve('lead');
    expect(inboxIds(task)).toEqual(['d2', 'd5']);
    const head = task.state.inbox[0];
    expect(head?.kind === 'comment.posted' && head.approval).toEqual({ by: 'lead', overtaken: 2 });
  });

  it('deny (all or one) drops them and says whose they were', () => {
    const task = holding();
    task.accept(from('d1', 1, 'mallory', true));
    task.accept(from('d2', 2, 'eve', true));
    expect(task.held.deny('https://github.com/acme/widgets/issues/1#issuecomment-1')).toEqual([
      { author: 'mallory', url: 'https://github.com/acme/widgets/issues/1#issuecomment-1' },
    ]);
    expect(task.held.deny().map((d) => d.author)).toEqual(['eve']);
    expect(task.held.deny()).toEqual([]);
    expect(task.state.inbox).toEqual([]);
  });

  it('keeps at most MAX_HELD, dropping the oldest first and counting them', () => {
    const task = holding();
    for (let i = 1; i <= MAX_HELD + 3; i++) task.accept(from(`d${i}`, i % 60, 'spammer', true));
    expect(task.held.count).toBe(MAX_HELD);
    expect(task.state.held[0]?.comment.deliveryId).toBe('d4');
    expect(task.held.facts()).toEqual({
      authors: [{ login: 'spammer', count: MAX_HELD }],
      dropped: 3,
    });
  });

  it('the status comment is due for a refresh while it does not show them as they are', () => {
    const task = holding();
    task.live.commentWritten(5);
    expect(task.heldRefreshDue).toBe(false);
    task.accept(from('d1', 1, 'mallory', true));
    expect(task.heldRefreshDue).toBe(true);
    task.held.shown();
    expect(task.heldRefreshDue).toBe(false);
    task.held.deny();
    expect(task.heldRefreshDue).toBe(true);
  });

  it('survive continue-as-new, and a close drops them', () => {
    const task = holding();
    task.accept(from('d1', 1, 'mallory', true));
    for (let i = 2; i <= MAX_HELD + 1; i++) task.accept(from(`d${i}`, i, 'spammer', true));
    const next = new TaskLifecycle('gh-widgets-1', task.repository, 1, task.carry());
    next.holdsUntrusted = true;
    expect(next.held.count).toBe(MAX_HELD);
    expect(next.held.facts().dropped).toBe(1);
    expect(next.approve('lead').length).toBe(MAX_HELD);
    next.accept(from('d99', 59, 'mallory', true));
    next.close();
    expect(next.held.count).toBe(0);
  });
});
