/**
 * What every authenticated request cost: a ledger per token (the configured service token and
 * each minted key) and Coder's per-user rate limit.
 *
 * Rate limit: coderd/httpmw/ratelimit.go RateLimit(--api-rate-limit, default 512, per minute):
 * go-chi/httprate keyed by the API key's *user* (not the key) together with
 * httprate.KeyByEndpoint (the URL path), so each user has a budget per path; an Owner sending
 * `X-Coder-Bypass-Ratelimit: true` is not limited. Counted as go-chi/httprate limiter.go does:
 * windows aligned to the clock, the previous one weighted in; `Retry-After` is the window in
 * seconds (RFC 6585), not the time left.
 */

export interface RateLimit {
  requests: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 512, windowMs: 60_000 };
export const BYPASS_RATELIMIT_HEADER = 'X-Coder-Bypass-Ratelimit';

/** One authenticated request as the ledger keeps it. */
export interface TokenRequest {
  /** `service` for the configured token, else the minted key's id. */
  token: string;
  userId: string;
  method: string;
  path: string;
  at: number;
  /** Refused by the rate limit. */
  limited: boolean;
}

export interface RequestFilter {
  token?: string;
  userId?: string;
  method?: string;
  path?: string | RegExp;
  /** Count only requests the rate limit refused (true) or let through (false). */
  limited?: boolean;
}

export class RequestLedger {
  readonly #log: TokenRequest[] = [];
  readonly #windows = new Map<string, { start: number; current: number; previous: number }>();

  constructor(
    public limit: RateLimit | false,
    private readonly now: () => number,
  ) {}

  /**
   * Records a request and applies the limit. Returns the headers httprate would set, and
   * whether the request is refused.
   */
  admit(
    entry: Omit<TokenRequest, 'at' | 'limited'>,
    bypass: boolean,
  ): { limited: boolean; headers: Record<string, string> } {
    const at = this.now();
    const record: TokenRequest = { ...entry, at, limited: false };
    this.#log.push(record);
    const limit = this.limit;
    if (!limit || bypass) return { limited: false, headers: {} };
    const key = `${entry.userId} ${entry.path}`;
    const length = limit.windowMs;
    const start = Math.floor(at / length) * length;
    let window = this.#windows.get(key);
    if (!window) {
      window = { start, current: 0, previous: 0 };
      this.#windows.set(key, window);
    } else if (window.start !== start) {
      window.previous = window.start === start - length ? window.current : 0;
      window.current = 0;
      window.start = start;
    }
    const rate = Math.round((window.previous * (length - (at - start))) / length + window.current);
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(limit.requests),
      'X-RateLimit-Reset': String(Math.floor((start + length) / 1000)),
    };
    if (rate + 1 > limit.requests) {
      record.limited = true;
      headers['X-RateLimit-Remaining'] = String(Math.max(0, limit.requests - rate));
      headers['Retry-After'] = String(Math.floor(length / 1000));
      return { limited: true, headers };
    }
    window.current += 1;
    headers['X-RateLimit-Remaining'] = String(limit.requests - rate - 1);
    return { limited: false, headers };
  }

  count(filter: RequestFilter = {}): number {
    return this.#log.filter((r) => matches(r, filter)).length;
  }

  /** Forgets the counts and the limit windows (reset()). */
  clear(): void {
    this.#log.length = 0;
    this.#windows.clear();
  }
}

function matches(r: TokenRequest, f: RequestFilter): boolean {
  if (f.token !== undefined && r.token !== f.token) return false;
  if (f.userId !== undefined && r.userId !== f.userId) return false;
  if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
  if (f.limited !== undefined && r.limited !== f.limited) return false;
  if (f.path instanceof RegExp) return f.path.test(r.path);
  return f.path === undefined || r.path === f.path;
}

/** A Go time.Duration as String() prints whole seconds: `1m0s`, `720h0m0s`, `30s`. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
