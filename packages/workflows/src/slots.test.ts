import { describe, expect, it } from 'vitest';
import { checkAcquireSlot, checkReleaseSlot, checkStuckReminder } from './guards';
import { SlotTable } from './slots';

const T = '2026-01-01T00:00:00.000Z';

describe('SlotTable', () => {
  it('grants up to the limit, then queues first come, first served', () => {
    const table = new SlotTable();
    expect(table.acquire('a', 2, T)).toEqual({ granted: true });
    expect(table.acquire('b', 2, T)).toEqual({ granted: true });
    expect(table.acquire('c', 2, T)).toEqual({ granted: false, ahead: 0 });
    expect(table.acquire('d', 2, T)).toEqual({ granted: false, ahead: 1 });
    expect(table.takeNotices()).toEqual([]);

    table.release('b', T);
    expect(table.takeNotices()).toEqual([
      { kind: 'granted', taskId: 'c' },
      { kind: 'queue', taskId: 'd', ahead: 0 },
    ]);
    expect(table.holderIds()).toEqual(['a', 'c']);
  });

  it('answers a repeated acquire the same way and never takes two slots or places', () => {
    const table = new SlotTable();
    table.acquire('a', 1, T);
    expect(table.acquire('a', 1, T)).toEqual({ granted: true });
    expect(table.acquire('b', 1, T)).toEqual({ granted: false, ahead: 0 });
    expect(table.acquire('b', 1, T)).toEqual({ granted: false, ahead: 0 });
    expect(table.snapshot('s')).toMatchObject({
      holders: [{ taskId: 'a' }],
      queue: [{ taskId: 'b', ahead: 0 }],
    });
  });

  it('does not let a new acquire jump a waiting queue', () => {
    const table = new SlotTable();
    table.acquire('a', 1, T);
    table.acquire('b', 1, T);
    // The limit is raised by the next acquire: the waiter gets the new slot, not the asker.
    expect(table.acquire('c', 2, T)).toEqual({ granted: false, ahead: 0 });
    expect(table.takeNotices()).toEqual([{ kind: 'granted', taskId: 'b' }]);
  });

  it('never revokes a slot when the limit is lowered; it stops granting', () => {
    const table = new SlotTable();
    for (const id of ['a', 'b', 'c']) table.acquire(id, 3, T);
    expect(table.acquire('d', 1, T)).toEqual({ granted: false, ahead: 0 });
    expect(table.holderIds()).toEqual(['a', 'b', 'c']);
    table.release('a', T);
    table.release('b', T);
    expect(table.takeNotices()).toEqual([]);
    table.release('c', T);
    expect(table.takeNotices()).toEqual([{ kind: 'granted', taskId: 'd' }]);
  });

  it('releases idempotently, and a waiter that leaves moves the ones behind it', () => {
    const table = new SlotTable();
    table.acquire('a', 1, T);
    table.acquire('b', 1, T);
    table.acquire('c', 1, T);
    expect(table.release('b', T)).toBe(true);
    expect(table.release('b', T)).toBe(false);
    expect(table.release('nobody', T)).toBe(false);
    expect(table.takeNotices()).toEqual([{ kind: 'queue', taskId: 'c', ahead: 0 }]);
    expect(table.hasNotices()).toBe(false);
  });

  it('carries holders, queue and untold grants across continue-as-new', () => {
    const table = new SlotTable();
    table.acquire('a', 1, T);
    table.acquire('b', 1, T);
    table.acquire('c', 1, T);
    table.release('a', T);
    const next = new SlotTable(table.carry());
    expect(next.holderIds()).toEqual(['b']);
    expect(next.takeNotices()).toEqual([
      { kind: 'granted', taskId: 'b' },
      { kind: 'queue', taskId: 'c', ahead: 0 },
    ]);
    expect(next.acquire('c', 1, T)).toEqual({ granted: false, ahead: 0 });
  });
});

describe('slot and stuck signal guards', () => {
  it('accepts well-formed input and keeps only known fields', () => {
    expect(checkAcquireSlot({ taskId: 'gh-x-1', limit: 2, extra: 1 })).toEqual({
      ok: true,
      value: { taskId: 'gh-x-1', limit: 2 },
    });
    expect(checkReleaseSlot({ taskId: 'gh-x-1' })).toEqual({
      ok: true,
      value: { taskId: 'gh-x-1' },
    });
    expect(checkStuckReminder({ phase: 'failed', since: T })).toEqual({
      ok: true,
      value: { phase: 'failed', since: T },
    });
  });

  it('names the field and the problem of bad input', () => {
    for (const [raw, reason] of [
      [{ taskId: 'x', limit: 0 }, 'limit: expected a positive integer'],
      [{ taskId: 'x', limit: -1 }, 'limit: expected a positive integer'],
      [{ taskId: 'x', limit: 1.5 }, 'limit: expected a positive integer'],
      [{ taskId: 'x', limit: 1_000_000 }, 'limit: expected at most 100000'],
      [{ taskId: '', limit: 1 }, 'taskId: expected at least 1 character(s)'],
      [null, '(root): expected an object'],
    ] as const) {
      expect(checkAcquireSlot(raw)).toEqual({ ok: false, reason });
    }
    expect(checkReleaseSlot({})).toEqual({ ok: false, reason: 'taskId: expected a string' });
    expect(checkStuckReminder({ phase: 'failed', since: 'yesterday' })).toEqual({
      ok: false,
      reason: 'since: expected an ISO date-time',
    });
  });
});
