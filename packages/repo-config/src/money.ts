/**
 * Amounts of US dollars as people write them (`"25.00"`, `"25"`, `"$7.5"`) and as Coder counts
 * them (micro-dollars: 1 000 000 = $1). Pure, so the task workflow and the config share it.
 */

/** Dollars with at most two decimals, an optional `$`; no sign, no thousands separators. */
export const DOLLARS = /^\$?(\d{1,9})(?:\.(\d{1,2}))?$/;

/** The amount in micro-dollars, or null when `text` is not an amount of dollars. */
export function dollarsToMicros(text: string): number | null {
  const match = DOLLARS.exec(text.trim());
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents * 10_000;
}
