import { ExternalError, kindOfStatus, parseRetryAfter } from '@code-factory/errors';
import type { z } from 'zod';

/** GitHub asks for at least a minute when a secondary rate limit names no `retry-after`. */
const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * The parts of Octokit's `RequestError` (name `HttpError`) we read. Duck-typed because
 * `@octokit/request-error` is not our dependency, and `instanceof` breaks across copies.
 */
interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined> };
}

interface GraphqlErrorLike {
  name: 'GraphqlResponseError';
  errors: { type?: string; message?: string }[];
}

function isHttpError(err: unknown): err is HttpErrorLike {
  return (
    err instanceof Error &&
    typeof (err as Partial<HttpErrorLike>).status === 'number' &&
    (err.name === 'HttpError' || err.name === 'AbortError' || err.name === 'TimeoutError')
  );
}

function isGraphqlError(err: unknown): err is GraphqlErrorLike {
  return (
    err instanceof Error &&
    err.name === 'GraphqlResponseError' &&
    Array.isArray((err as Partial<GraphqlErrorLike>).errors)
  );
}

function header(headers: HttpErrorLike['response'], name: string): string | undefined {
  const value = headers?.headers[name];
  return value === undefined ? undefined : String(value);
}

/**
 * Any failure of a GitHub call as an `ExternalError` (docs/architecture.md#errors): network errors, 5xx, 429 and
 * rate limits are retryable (with `retryAfterMs` when GitHub said how long), 404 is
 * not_found, any other 4xx is rejected.
 */
export function toExternalError(err: unknown, action: string, now = Date.now()): ExternalError {
  if (err instanceof ExternalError) return err;
  if (isGraphqlError(err)) {
    const types = err.errors.map((e) => e.type);
    const kind = types.includes('RATE_LIMITED')
      ? 'retryable'
      : types.every((t) => t === 'NOT_FOUND')
        ? 'not_found'
        : 'rejected';
    const detail = err.errors.map((e) => e.message ?? e.type ?? 'unknown').join('; ');
    return new ExternalError(`GitHub ${action}: ${detail}`, {
      kind,
      service: 'github',
      cause: err,
    });
  }
  if (isHttpError(err)) {
    if (err.response === undefined) {
      // Octokit reports fetch failures (refused, reset, DNS, timeout) as status 500 with no response.
      return new ExternalError(`GitHub ${action}: network error: ${err.message}`, {
        kind: 'retryable',
        service: 'github',
        cause: err,
      });
    }
    const status = err.status;
    const message = `GitHub ${action}: ${status} ${err.message}`;
    const retryAfterMs = parseRetryAfter(header(err.response, 'retry-after'), now);
    const remaining = header(err.response, 'x-ratelimit-remaining');
    const reset = Number(header(err.response, 'x-ratelimit-reset'));
    const secondary = /secondary rate limit/i.test(err.message);
    if ((status === 403 || status === 429) && secondary) {
      return new ExternalError(message, {
        kind: 'retryable',
        service: 'github',
        status,
        retryAfterMs: retryAfterMs ?? SECONDARY_RATE_LIMIT_WAIT_MS,
        cause: err,
      });
    }
    if ((status === 403 || status === 429) && remaining === '0') {
      const untilReset = Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : undefined;
      return new ExternalError(message, {
        kind: 'retryable',
        service: 'github',
        status,
        retryAfterMs: retryAfterMs ?? untilReset,
        cause: err,
      });
    }
    const kind = status === 403 && retryAfterMs !== undefined ? 'retryable' : kindOfStatus(status);
    return new ExternalError(message, {
      kind,
      service: 'github',
      status,
      retryAfterMs: kind === 'retryable' ? retryAfterMs : undefined,
      cause: err,
    });
  }
  // Not an HTTP answer: a bug or a bad private key; retrying the same call will not fix it.
  const detail = err instanceof Error ? err.message : String(err);
  return new ExternalError(`GitHub ${action}: ${detail}`, {
    kind: 'rejected',
    service: 'github',
    cause: err,
  });
}

/** `data` checked against `schema`; a mismatch is a rejected `ExternalError` naming the field. */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  action: string,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
  return rejectShape(action, field, issue?.message ?? 'invalid');
}

function rejectShape(action: string, field: string, problem: string): never {
  throw new ExternalError(`GitHub ${action}: unexpected response at '${field}': ${problem}`, {
    kind: 'rejected',
    service: 'github',
  });
}

/** Runs one GitHub call; whatever it throws comes out as an `ExternalError` naming `action`. */
export async function callGitHub<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toExternalError(err, action);
  }
}

/** The HTTP status of a failed Octokit request, if it got an answer. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  const answered = (err as { response?: unknown } | null)?.response !== undefined;
  return typeof status === 'number' && answered ? status : undefined;
}
