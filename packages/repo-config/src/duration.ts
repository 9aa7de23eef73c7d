/**
 * Durations in `.code-factory/config.toml` (`[shepherd]`): a whole number and one unit,
 * `s`, `m`, `h`, `d` or `w` (`30m`, `24h`, `14d`), read as milliseconds. `"0"` and `"off"`
 * mean "never" where a key allows turning it off.
 */
const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const MINUTE_MS = UNIT_MS.m as number;
export const DAY_MS = UNIT_MS.d as number;

export type DurationReading = { ms: number } | { off: true } | { problem: string };

/** Shown after a value that is not a duration. */
export const DURATION_HINT = 'must be a duration like 30m, 24h or 14d (units s, m, h, d, w)';

/**
 * Reads a duration and checks its range. `allowOff`: `"0"` and `"off"` are accepted and
 * read as off; otherwise they are errors naming the smallest value.
 */
export function readDuration(
  value: string,
  range: { minMs: number; maxMs: number; allowOff: boolean },
): DurationReading {
  const text = value.trim().toLowerCase();
  if (text === 'off' || text === '0') {
    return range.allowOff
      ? { off: true }
      : { problem: `cannot be turned off; the smallest value is ${formatDuration(range.minMs)}` };
  }
  const match = /^(\d+)\s*([a-z]+)$/.exec(text);
  if (!match?.[1] || !match[2]) return { problem: DURATION_HINT };
  const unit = UNIT_MS[match[2]];
  if (unit === undefined) {
    return { problem: `has an unknown unit: ${DURATION_HINT}` };
  }
  const ms = Number(match[1]) * unit;
  const off = range.allowOff ? ' (or "off")' : '';
  if (ms < range.minMs) return { problem: `must be at least ${formatDuration(range.minMs)}${off}` };
  if (ms > range.maxMs) return { problem: `must be at most ${formatDuration(range.maxMs)}${off}` };
  return { ms };
}

/** The largest whole unit: 1800000 → `30m`, 86400000 → `1d`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
