/**
 * Turns client errors into Temporal failures the workflow branches on (by type, never by
 * message). Retryable errors keep Temporal's backoff, or the server's Retry-After.
 */
import { AgentUnavailableError } from '@code-factory/coder';
import { isExternalError } from '@code-factory/errors';
import { ErrorTypes } from '@code-factory/workflows';
import { ApplicationFailure } from '@temporalio/common';

export interface FailureOptions {
  /** CODER_PROBE_INTERVAL_MS, carried on Coder-unavailable failures for the workflow. */
  coderProbeMs?: number;
}

export function toFailure(err: unknown, options: FailureOptions = {}): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof AgentUnavailableError) {
    return ApplicationFailure.create({
      type: ErrorTypes.agentUnavailable,
      message: err.message,
      nonRetryable: true,
    });
  }
  if (!isExternalError(err)) return err;
  switch (err.kind) {
    case 'user_fixable':
      return ApplicationFailure.create({
        type: ErrorTypes.userFixable,
        message: err.userMessage ?? err.message,
        nonRetryable: true,
        details: [{ service: err.service, status: err.status ?? null, cause: err.message }],
      });
    case 'rejected':
    case 'not_found':
      return ApplicationFailure.create({
        type: ErrorTypes.nonRetryable,
        message: err.message,
        nonRetryable: true,
        details: [{ service: err.service, status: err.status ?? null }],
      });
    case 'retryable':
      return ApplicationFailure.create({
        // Coder down is a state the task waits out (`waiting-for-coder`), not a failure.
        type: err.service === 'coder' ? ErrorTypes.coderUnavailable : 'RetryableError',
        message: err.message,
        ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
        // The worker's CODER_PROBE_INTERVAL_MS: how soon a task waiting for Coder tries again
        // (the workflow cannot read the environment).
        ...(err.service === 'coder' && options.coderProbeMs !== undefined
          ? { details: [{ service: 'coder', probeFirstMs: options.coderProbeMs }] }
          : {}),
      });
    default:
      // A kind this mapping does not know (a newer client, a cast): keep the error, so
      // Temporal retries it and its message shows, rather than throwing `undefined`.
      return err;
  }
}

/** Wraps each activity so every thrown error is mapped once, in one place. */
export function withFailureMapping<
  T extends Record<string, (...args: never[]) => Promise<unknown>>,
>(activities: T, options: FailureOptions = {}): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const mapped = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err, options);
      }
    };
    // Keep the activity's name: it is what the Web UI and the CLI show.
    Object.defineProperty(mapped, 'name', { value: name });
    wrapped[name] = mapped;
  }
  return wrapped as T;
}
