import {
  ActivityFailure,
  ApplicationFailure,
  RetryState,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ErrorTypes } from './activities';
import {
  CODER_PROBE_FIRST_MS,
  CODER_PROBE_MAX_MS,
  coderProbeDelay,
  isCoderUnavailable,
  probeFirstMsOf,
} from './coder-down';

/** A failed activity as the workflow sees it once the activity's retries are spent. */
function activityFailed(activityType: string, cause: Error): ActivityFailure {
  return new ActivityFailure(
    'Activity task failed',
    activityType,
    '1',
    RetryState.MAXIMUM_ATTEMPTS_REACHED,
    'worker',
    cause,
  );
}

const typed = (type: string, nonRetryable = false) =>
  ApplicationFailure.create({ type, message: 'x', nonRetryable });

describe('isCoderUnavailable: which failed steps mean "waiting for Coder"', () => {
  it("counts Coder's retryable errors (network, 5xx, 429) once the retries are spent", () => {
    for (const activity of ['deliverToAgent', 'startAgent', 'resolveCoderIdentity']) {
      expect(isCoderUnavailable(activityFailed(activity, typed(ErrorTypes.coderUnavailable)))).toBe(
        true,
      );
    }
    // A failure raised in the workflow itself with that type counts too.
    expect(isCoderUnavailable(typed(ErrorTypes.coderUnavailable))).toBe(true);
  });

  it('counts a Coder call that timed out without any answer', () => {
    const timeout = new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE);
    expect(isCoderUnavailable(activityFailed('deliverToAgent', timeout))).toBe(true);
    expect(isCoderUnavailable(activityFailed('startAgent', timeout))).toBe(true);
  });

  it('leaves out what a person must fix, and GitHub being down', () => {
    for (const type of [
      ErrorTypes.userFixable,
      ErrorTypes.nonRetryable,
      ErrorTypes.agentUnavailable,
      // GitHub's transient failures keep the plain type: the task fails as before.
      'RetryableError',
    ]) {
      expect(isCoderUnavailable(activityFailed('deliverToAgent', typed(type, true))), type).toBe(
        false,
      );
    }
    const timeout = new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE);
    // The readiness wait's deadline is an agent that never came up, not Coder being down.
    expect(isCoderUnavailable(activityFailed('waitForAgentReady', timeout))).toBe(false);
    expect(isCoderUnavailable(activityFailed('upsertStatusComment', timeout))).toBe(false);
    expect(isCoderUnavailable(new Error('bug'))).toBe(false);
    expect(isCoderUnavailable(undefined)).toBe(false);
  });
});

describe('coderProbeDelay', () => {
  it('waits 30 s, then twice as long each time, at most 5 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => coderProbeDelay(n))).toEqual([
      30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000,
    ]);
    expect(coderProbeDelay(0)).toBe(CODER_PROBE_FIRST_MS);
    expect(coderProbeDelay(1_000)).toBe(CODER_PROBE_MAX_MS);
    expect(coderProbeDelay(-1)).toBe(CODER_PROBE_FIRST_MS);
  });

  it('starts from the worker’s CODER_PROBE_INTERVAL_MS, carried on the failure, and caps at ten times it', () => {
    const carrying = (probeFirstMs: unknown) =>
      activityFailed(
        'deliverToAgent',
        ApplicationFailure.create({
          type: ErrorTypes.coderUnavailable,
          message: 'x',
          details: [{ service: 'coder', probeFirstMs }],
        }),
      );
    expect(probeFirstMsOf(carrying(2_000))).toBe(2_000);
    expect([0, 1, 4, 9].map((n) => coderProbeDelay(n, 0.5, 2_000))).toEqual([
      2_000, 4_000, 20_000, 20_000,
    ]);
    // Missing, malformed or out of bounds: the default.
    for (const bad of [undefined, 'soon', -1, 50, Number.NaN, 7_200_000]) {
      expect(probeFirstMsOf(carrying(bad))).toBe(CODER_PROBE_FIRST_MS);
    }
    expect(probeFirstMsOf(typed(ErrorTypes.coderUnavailable))).toBe(CODER_PROBE_FIRST_MS);
    expect(probeFirstMsOf(new Error('plain'))).toBe(CODER_PROBE_FIRST_MS);
  });

  it('spreads each wait by ±20 % so the tasks of one outage do not all try at once', () => {
    expect(coderProbeDelay(0, 0)).toBe(24_000);
    expect(coderProbeDelay(0, 0.999_999)).toBe(36_000);
    expect(coderProbeDelay(10, 0)).toBe(240_000);
    expect(coderProbeDelay(10, 1)).toBe(360_000);
  });
});
