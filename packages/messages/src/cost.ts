/**
 * What an issue cost, in the words the status comment and the budget notice use. Amounts are
 * micro-dollars (Coder's `total_cost_micros`: 1 000 000 = $1).
 */
import { dollarsToMicros } from '@code-factory/repo-config/money';

export { dollarsToMicros };

/** An issue's spend: summed over every agent it had. */
export interface CostView {
  totalMicros: number;
  requests: number;
  /** Requests Coder could not price (a model without a price): the total leaves them out. */
  unpriced: number;
}

/** `$1.23` (rounded to the cent; below a cent but not nothing: `<$0.01`). */
export function formatDollars(micros: number): string {
  if (micros > 0 && micros < 5_000) return '<$0.01';
  const cents = Math.round(micros / 10_000);
  const dollars = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, '0');
  return `$${String(dollars).replace(/\B(?=(\d{3})+$)/g, ',')}.${rest}`;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `$1.23 spent so far (42 requests; 3 unpriced)`, or `... in total` once the issue is done. */
export function formatCost(cost: CostView, done = false): string {
  const counts = [plural(cost.requests, 'request')];
  if (cost.unpriced > 0) counts.push(`${cost.unpriced} unpriced`);
  return `${formatDollars(cost.totalMicros)} spent ${done ? 'in total' : 'so far'} (${counts.join('; ')})`;
}

/** The one comment that says the issue reached its cost limit. */
export function budgetReachedNotice(cost: CostView, limitMicros: number): string {
  return [
    `💸 This issue reached its cost limit: ${formatCost(cost)}, limit ${formatDollars(limitMicros)}.`,
    '',
    'The agent was interrupted. New comments are kept and reach it once someone with write access raises the limit with `/agent budget <new limit>` (e.g. `/agent budget 50.00`), or writes `/agent retry` to go on until the next cost reading.',
  ].join('\n');
}

/** The status comment's explanation while the issue waits over its cost limit. */
export function overBudgetProblem(limitMicros: number): string {
  return `The issue reached its cost limit of ${formatDollars(limitMicros)}: the agent was interrupted. New comments are kept until the limit is raised with \`/agent budget <new limit>\`.`;
}
