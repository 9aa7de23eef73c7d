/**
 * What the issue cost (issue 27, part 3): Coder reports each agent's spend (its chat's cost,
 * the whole chat tree) in the `agentUpdate` push; the issue's spend is the sum over every agent
 * it had, and its cost limit is the repository's `limits.max_cost_per_issue` unless
 * `/agent budget` set one for the issue.
 */
import type { CarriedState } from './types';

/** The issue's spend, summed over its agents (micro-dollars). */
export interface Spend {
  totalMicros: number;
  requests: number;
  unpriced: number;
}

const MAX_MERGED = 50;
/** Coder's costs are whole micro-dollars; anything past this is not a reading. */
const MAX_MICROS = 1e15;

export class IssueCosts {
  constructor(private readonly s: CarriedState) {}

  /**
   * A reading of `chatId`'s cost from signal input. A reading of another chat than the last
   * one means the agent was replaced: the old one's spend is kept in `earlier`. A chat's cost
   * only grows (Coder's data expiring must not make spend vanish). Returns true when the
   * issue's spend changed.
   */
  observe(chatId: string, raw: unknown): boolean {
    const reading = plainReading(raw);
    if (!reading) return false;
    const cost = this.s.cost;
    const current = cost.current;
    if (current && current.chatId !== chatId) {
      cost.earlier = add(cost.earlier, current);
      cost.current = null;
    }
    const before = cost.current;
    const next = {
      chatId,
      totalMicros: Math.max(reading.totalMicros, before?.totalMicros ?? 0),
      requests: Math.max(reading.requests, before?.requests ?? 0),
      unpriced: Math.max(reading.unpriced, before?.unpriced ?? 0),
    };
    cost.current = next;
    return (
      !before ||
      before.totalMicros !== next.totalMicros ||
      before.requests !== next.requests ||
      before.unpriced !== next.unpriced
    );
  }

  /** What the issue spent so far; null while Coder reported no cost for any of its agents. */
  get spent(): Spend | null {
    const { earlier, current } = this.s.cost;
    if (!current && earlier.requests === 0 && earlier.totalMicros === 0) return null;
    return current ? add(earlier, current) : { ...earlier };
  }

  /** The issue's limit: the one `/agent budget` set, else the repository's (null: none). */
  limit(repositoryLimit: number | null | undefined): number | null {
    return this.s.cost.limitMicros ?? repositoryLimit ?? null;
  }

  /** The spend reached the limit (never without a reading or without a limit). */
  over(repositoryLimit: number | null | undefined): boolean {
    const limit = this.limit(repositoryLimit);
    const spent = this.spent;
    return limit !== null && spent !== null && spent.totalMicros >= limit;
  }

  /** `/agent budget <limit>`: the issue's own limit from now on. */
  raise(limitMicros: number): void {
    this.s.cost.limitMicros = limitMicros;
  }

  /** The agent was interrupted (or could not be): nothing more to stop until it parks again. */
  stopped(): void {
    this.s.cost.stopDue = false;
  }

  get stopDue(): boolean {
    return this.s.cost.stopDue;
  }

  /** Whether the issue still has to be told it reached `limit` (once per limit). */
  tellDue(limit: number): boolean {
    return this.s.cost.toldLimitMicros !== limit;
  }

  told(limit: number): void {
    this.s.cost.toldLimitMicros = limit;
  }

  /** A merge of `url` not counted yet: counts it (true once per pull request). */
  countMerge(url: string): boolean {
    const counted = this.s.cost.mergedCounted;
    if (counted.includes(url)) return false;
    counted.push(url.slice(0, 500));
    if (counted.length > MAX_MERGED) counted.shift();
    return true;
  }
}

function add(a: Spend, b: Spend): Spend {
  return {
    totalMicros: a.totalMicros + b.totalMicros,
    requests: a.requests + b.requests,
    unpriced: a.unpriced + b.unpriced,
  };
}

const count = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_MICROS ? Math.floor(v) : null;

/** A cost from signal input, plain and bounded; null when it is not one. */
function plainReading(raw: unknown): Spend | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const totalMicros = count(r.totalMicros);
  const requests = count(r.requests);
  const unpriced = count(r.unpriced);
  if (totalMicros === null || requests === null || unpriced === null) return null;
  return { totalMicros, requests, unpriced };
}
