/**
 * Errors as values with a kind. Clients of Coder and GitHub throw `ExternalError`; the
 * worker's activities turn it into a Temporal failure the workflow can branch on:
 *  - `retryable`: network, 5xx, 429, secondary rate limits (with `retryAfterMs` when the
 *    server said how long to wait);
 *  - `not_found`: the thing is not there (callers decide whether that is fine);
 *  - `rejected`: a 4xx that retrying cannot fix;
 *  - `user_fixable`: a problem the author or the repo owners can fix; `userMessage`
 *    is the plain-words sentence the status comment shows.
 */

export type ErrorKind = 'retryable' | 'not_found' | 'rejected' | 'user_fixable';

export interface ExternalErrorInit {
  kind: ErrorKind;
  service: 'coder' | 'github';
  status?: number;
  retryAfterMs?: number;
  userMessage?: string;
  cause?: unknown;
}

export class ExternalError extends Error {
  override name = 'ExternalError';
  readonly kind: ErrorKind;
  readonly service: 'coder' | 'github';
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly userMessage: string | undefined;

  constructor(message: string, init: ExternalErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.service = init.service;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.userMessage = init.userMessage;
  }
}

export function isExternalError(err: unknown, kind?: ErrorKind): err is ExternalError {
  return err instanceof ExternalError && (kind === undefined || err.kind === kind);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The kind of an HTTP failure status, as docs/architecture.md#errors sorts them. */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retryable';
  return 'rejected';
}
