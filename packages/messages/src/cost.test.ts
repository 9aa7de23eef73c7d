import { describe, expect, it } from 'vitest';
import { parseAgentCommand } from './commands';
import { budgetReachedNotice, formatCost, formatDollars } from './cost';
import { renderStatusComment } from './status-comment';

describe('cost per issue', () => {
  it('formats micro-dollars as dollars, to the cent', () => {
    expect(formatDollars(0)).toBe('$0.00');
    expect(formatDollars(1_234_567)).toBe('$1.23');
    expect(formatDollars(1_235_000)).toBe('$1.24');
    expect(formatDollars(4_999)).toBe('<$0.01');
    expect(formatDollars(1_234_500_000_000)).toBe('$1,234,500.00');
  });

  it('says what was spent, with the requests and the unpriced ones', () => {
    expect(formatCost({ totalMicros: 1_230_000, requests: 42, unpriced: 3 })).toBe(
      '$1.23 spent so far (42 requests; 3 unpriced)',
    );
    expect(formatCost({ totalMicros: 1_230_000, requests: 1, unpriced: 0 }, true)).toBe(
      '$1.23 spent in total (1 request)',
    );
  });

  it('shows the spend on the status comment, and the total once the issue is closed', () => {
    const cost = { totalMicros: 1_230_000, requests: 42, unpriced: 3 };
    const running = renderStatusComment({ state: 'running', taskName: 'gh-w-1', cost });
    expect(running).toContain('\n💰 $1.23 spent so far (42 requests; 3 unpriced)\n');
    const closed = renderStatusComment({ state: 'completed', taskName: 'gh-w-1', cost });
    expect(closed).toContain('💰 $1.23 spent in total (42 requests; 3 unpriced)');
    expect(renderStatusComment({ state: 'running', taskName: 'gh-w-1' })).not.toContain('💰');
  });

  it('pins the budget notice', () => {
    expect(
      budgetReachedNotice({ totalMicros: 25_400_000, requests: 300, unpriced: 0 }, 25_000_000),
    ).toBe(
      [
        '💸 This issue reached its cost limit: $25.40 spent so far (300 requests), limit $25.00.',
        '',
        'The agent was interrupted. New comments are kept and reach it once someone with write access raises the limit with `/agent budget <new limit>` (e.g. `/agent budget 50.00`), or writes `/agent retry` to go on until the next cost reading.',
      ].join('\n'),
    );
  });

  it('parses `/agent budget <amount>` and refuses anything else after budget', () => {
    expect(parseAgentCommand('/agent budget 50.00')).toEqual({
      command: 'budget',
      limitMicros: 50_000_000,
    });
    expect(parseAgentCommand('/Agent BUDGET $75\nit is worth it')).toEqual({
      command: 'budget',
      limitMicros: 75_000_000,
      note: 'it is worth it',
    });
    expect(parseAgentCommand('/agent budget')).toEqual({ unknown: 'budget' });
    expect(parseAgentCommand('/agent budget 0')).toEqual({ unknown: 'budget 0' });
    expect(parseAgentCommand('/agent budget lots')).toEqual({ unknown: 'budget lots' });
    expect(parseAgentCommand('/agent budget 50 please')).toEqual({ unknown: 'budget 50 please' });
  });
});
