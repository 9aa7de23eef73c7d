/**
 * Coder down is a state, not a failure: which failed calls mean "Coder is not answering", and
 * how often a task waiting for Coder tries again. Pure code (no workflow APIs), unit-tested in
 * `coder-down.test.ts`; the task workflow (`task-steps.ts`, patch `coder-down-waits`) acts on it.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { ErrorTypes } from './activities';

/** The first try after Coder stopped answering; each further one waits twice as long... */
export const CODER_PROBE_FIRST_MS = 30_000;
/** ...up to this long, however long the outage. */
export const CODER_PROBE_MAX_MS = 5 * 60_000;

/**
 * How long a task waiting for Coder waits before its next try, after `failedProbes` tries that
 * found Coder still down (0 for the wait that follows the failure itself): 30 s, 1 min, 2 min,
 * 4 min, then every 5 min, each spread by ±20 % with `random` (in [0, 1); the workflow's
 * deterministic `Math.random()`), so the tasks an outage stopped together do not all knock at
 * once when Coder comes back. `random` 0.5 is the exact schedule.
 */
export function coderProbeDelay(
  failedProbes: number,
  random = 0.5,
  firstMs = CODER_PROBE_FIRST_MS,
): number {
  const n = Math.max(0, Math.min(Math.floor(failedProbes), 20));
  const spread = 0.8 + 0.4 * Math.min(Math.max(random, 0), 1);
  // The cap keeps the default's ratio: ten times the first wait.
  const max = firstMs * (CODER_PROBE_MAX_MS / CODER_PROBE_FIRST_MS);
  return Math.round(Math.min(firstMs * 2 ** n, max) * spread);
}

/** Bounds on the worker's CODER_PROBE_INTERVAL_MS as a failure carries it. */
const PROBE_FIRST_MIN_MS = 100;
const PROBE_FIRST_MAX_MS = 60 * 60_000;

/**
 * The first wait the worker asked for (`CODER_PROBE_INTERVAL_MS`, carried in the failure's
 * details), or the default when the failure has none or a value out of bounds.
 */
export function probeFirstMsOf(err: unknown): number {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure)) return CODER_PROBE_FIRST_MS;
  const first = (cause.details?.[0] as { probeFirstMs?: unknown } | undefined)?.probeFirstMs;
  return typeof first === 'number' &&
    Number.isFinite(first) &&
    first >= PROBE_FIRST_MIN_MS &&
    first <= PROBE_FIRST_MAX_MS
    ? first
    : CODER_PROBE_FIRST_MS;
}

/**
 * Activities that call only Coder: when one of them times out (no answer at all, not even an
 * error) Coder is not answering. `waitForAgentReady` is left out: its 3-hour deadline is the
 * agent never coming up, which a person must look at.
 */
const CODER_CALLS: ReadonlySet<string> = new Set([
  'resolveCoderIdentity',
  'startAgent',
  'deliverToAgent',
]);

/**
 * True when a failed step failed because Coder did not answer (network error, 5xx, 429; the
 * worker types these `CoderUnavailableError`) after the activity's own retries, or a Coder
 * call timed out. Everything else (user-fixable, 4xx, an agent that went away, GitHub down)
 * is not: those stay failures a person looks at.
 */
export function isCoderUnavailable(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.type === ErrorTypes.coderUnavailable;
  if (err instanceof ActivityFailure && cause instanceof TimeoutFailure) {
    return CODER_CALLS.has(err.activityType);
  }
  return false;
}
