import { describe, expect, it } from 'vitest';
import { emptyState } from './carried';
import { IssueCosts } from './cost';

const reading = (totalMicros: number, requests = 1, unpriced = 0) => ({
  totalMicros,
  requests,
  unpriced,
});

describe('the cost of an issue', () => {
  it('has no spend until Coder reports one, and ignores what is not a reading', () => {
    const costs = new IssueCosts(emptyState());
    expect(costs.spent).toBeNull();
    for (const bad of [
      null,
      'x',
      { totalMicros: -1, requests: 1, unpriced: 0 },
      { totalMicros: 1 },
    ]) {
      expect(costs.observe('chat-1', bad)).toBe(false);
    }
    expect(costs.spent).toBeNull();
    expect(costs.over(1)).toBe(false);
  });

  it('sums every agent the issue had: a replaced agent’s spend is kept', () => {
    const costs = new IssueCosts(emptyState());
    expect(costs.observe('chat-1', reading(1_000_000, 10, 1))).toBe(true);
    expect(costs.observe('chat-1', reading(2_000_000, 20, 1))).toBe(true);
    expect(costs.observe('chat-1', reading(2_000_000, 20, 1))).toBe(false);
    // Released and started again: a new chat.
    expect(costs.observe('chat-2', reading(500_000, 3))).toBe(true);
    expect(costs.spent).toEqual({ totalMicros: 2_500_000, requests: 23, unpriced: 1 });
  });

  it('never lets a chat’s spend shrink (Coder’s cost data expires)', () => {
    const costs = new IssueCosts(emptyState());
    costs.observe('chat-1', reading(3_000_000, 30));
    expect(costs.observe('chat-1', reading(1_000_000, 5))).toBe(false);
    expect(costs.spent?.totalMicros).toBe(3_000_000);
  });

  it('is over its limit when the spend reaches it; /agent budget sets the issue’s own', () => {
    const costs = new IssueCosts(emptyState());
    expect(costs.limit(25_000_000)).toBe(25_000_000);
    costs.observe('chat-1', reading(25_000_000));
    expect(costs.over(25_000_000)).toBe(true);
    expect(costs.over(null)).toBe(false);
    expect(costs.tellDue(25_000_000)).toBe(true);
    costs.told(25_000_000);
    expect(costs.tellDue(25_000_000)).toBe(false);
    costs.raise(50_000_000);
    expect(costs.limit(25_000_000)).toBe(50_000_000);
    expect(costs.over(25_000_000)).toBe(false);
    expect(costs.tellDue(50_000_000)).toBe(true);
  });

  it('counts each merged pull request once', () => {
    const costs = new IssueCosts(emptyState());
    expect(costs.countMerge('https://github.com/a/b/pull/1')).toBe(true);
    expect(costs.countMerge('https://github.com/a/b/pull/1')).toBe(false);
  });
});
