/**
 * A small JSON client for Coder's REST API: session-token auth, a deadline per request,
 * and every failure turned into an `ExternalError` with a kind (see @code-factory/errors).
 */
import { ExternalError, kindOfStatus, parseRetryAfter } from '@code-factory/errors';
import type { z } from 'zod';

export interface CoderHttpOptions {
  url: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * Shared by every client of one deployment (the service's and each owner's): a 429 from
   * Coder holds them all back together. Default: a gate of this client and its `withToken`s.
   */
  gate?: RateGate;
}

/** Longest a 429 holds requests back when Coder names no `Retry-After`, or names a long one. */
const DEFAULT_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/**
 * Coder limits requests per user (coderd's `--api-rate-limit`, 512 a minute by default) and
 * answers 429 past it. The limit is the deployment's, and the product's many callers (sends,
 * lists, the stream holder) spend it together, so one 429 slows every caller down together:
 * requests wait until the time Coder named (`Retry-After`) instead of each retrying alone.
 */
export class RateGate {
  private pausedUntil = 0;
  /** 429s seen, for logs and tests. */
  limited = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Coder answered 429: hold every request back for `retryAfterMs` (bounded). */
  limit(retryAfterMs: number | undefined): void {
    this.limited++;
    const wait = Math.min(Math.max(retryAfterMs ?? DEFAULT_BACKOFF_MS, 0), MAX_BACKOFF_MS);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + wait);
  }

  /** How long a request must still wait (ms). */
  remainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  async pass(): Promise<void> {
    for (let wait = this.remainingMs(); wait > 0; wait = this.remainingMs()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export interface CoderResponse {
  status: number;
  body: unknown;
}

export class CoderHttp {
  readonly baseUrl: string;
  /** The session token; also what a WebSocket to Coder authenticates with. */
  readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  readonly gate: RateGate;

  constructor(private readonly options: CoderHttpOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.gate = options.gate ?? new RateGate();
  }

  /** The same client acting as another user (a token minted for that user); same rate gate. */
  withToken(token: string): CoderHttp {
    return new CoderHttp({ ...this.options, token, gate: this.gate });
  }

  /** Sends a request; statuses in `accept` are returned, every other one is thrown. */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; accept?: number[] } = {},
  ): Promise<CoderResponse> {
    await this.gate.pass();
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: {
          'Coder-Session-Token': this.token,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new ExternalError(
        `Coder ${method} ${routeOf(path)} failed: ${describeNetworkError(cause)}`,
        {
          kind: 'retryable',
          service: 'coder',
          cause,
        },
      );
    }
    const text = await response.text().catch(() => '');
    const body = parseJson(text);
    if (response.ok || options.accept?.includes(response.status)) {
      return { status: response.status, body };
    }
    const message = coderMessage(body) ?? response.statusText;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (response.status === 429) this.gate.limit(retryAfterMs);
    throw new ExternalError(
      `Coder ${method} ${routeOf(path)} answered ${response.status}: ${message}`,
      {
        kind: kindOfStatus(response.status),
        service: 'coder',
        status: response.status,
        retryAfterMs,
      },
    );
  }

  /** GET/POST and validate the body's shape (only the fields we read). */
  async json<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, { body });
    return parseShape(schema, response.body, `${method} ${routeOf(path)}`);
  }
}

export function parseShape<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ExternalError(
    `Coder ${what} returned an unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    { kind: 'rejected', service: 'coder' },
  );
}

/** Coder errors are `{ message, detail? }`. */
export function coderMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body) {
    const { message, detail } = body as { message?: unknown; detail?: unknown };
    if (typeof message === 'string') {
      return typeof detail === 'string' && detail ? `${message} (${detail})` : message;
    }
  }
  return undefined;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}

/** The path without query values (they may carry user ids); good enough for logs. */
function routeOf(path: string): string {
  return path.split('?')[0] ?? path;
}

function describeNetworkError(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.name === 'TimeoutError') return 'timed out';
    const code = (cause.cause as { code?: string } | undefined)?.code;
    return code ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
