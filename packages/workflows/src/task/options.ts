/**
 * How the task workflow calls its activities: timeouts and retries per kind of call, and
 * the proxies. Every call site adds a readable summary for the Web UI.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { ErrorTypes, type TaskActivities } from '../activities';
import type { FleetActivities } from '../fleet-definitions';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
  nonRetryableErrorTypes: [
    ErrorTypes.userFixable,
    ErrorTypes.nonRetryable,
    ErrorTypes.agentUnavailable,
  ],
};

/**
 * Just above the clients' own 30 s request deadline: an attempt lost with a crashed worker is
 * retried after this long, not after minutes.
 */
export const githubOptions = { startToCloseTimeout: '40 seconds', retry } as const;

/** Clean-up and operator calls to Coder (`stopAgent`, `interruptAgent`). */
export const coderOptions = { startToCloseTimeout: '90 seconds', retry } as const;

/**
 * A start (up to four Coder calls) or a send. Its Coder calls failing put the task in
 * `waiting-for-coder` (durable timers, the issue told), so the activity gives up after ~7 s of
 * backoff instead of minutes of it.
 */
export const coderWaitingOptions = {
  startToCloseTimeout: '90 seconds',
  retry: { ...retry, maximumAttempts: 4 },
} as const;

export type CallOptions = typeof githubOptions | typeof coderOptions | typeof coderWaitingOptions;

/** Readiness polls inside one heartbeating activity (Coder Tasks): history does not grow per poll. */
export const waitingOptions = {
  startToCloseTimeout: '3 hours',
  heartbeatTimeout: '1 minute',
  retry: { ...retry, initialInterval: '5 seconds', maximumAttempts: 3 },
} as const;

export const acts = proxyActivities<TaskActivities>(githubOptions);

/**
 * The same activities run inside the workflow task (a marker in history each), for the
 * per-comment path. Retries backing off longer than a minute become durable timers (the SDK's
 * local retry threshold).
 */
export const local = proxyLocalActivities<TaskActivities>(githubOptions);

/** Asking a slots workflow: retry-safe (idempotent per task), retried until it answers. */
export const slotActs = proxyActivities<Pick<FleetActivities, 'acquireSlot'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
