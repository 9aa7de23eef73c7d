import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FakeContext, FakeEnv } from '../http-fake';
import type { CoderState, CoderUser } from './state';

/** What every group of Coder routes gets: the app to register on and the deployment state. */
export interface CoderRouteContext {
  app: Hono<FakeEnv>;
  state: CoderState;
  /** The user the session token belongs to ("me"). */
  me: () => CoderUser | undefined;
}

/** codersdk.Response: Coder's error body. */
export function coderError(
  c: FakeContext,
  status: ContentfulStatusCode,
  message: string,
  extra: { detail?: string; validations?: Array<{ field: string; detail: string }> } = {},
): Response {
  return c.json({ message, ...extra }, status);
}

export const NOT_FOUND_MESSAGE = 'Resource not found or you do not have access to this resource';

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses Coder's search query syntax (`owner:"alice" status:active free text`) into
 * key/value filters; quoted and unquoted values are both accepted.
 */
export function parseSearchQuery(q: string | undefined): {
  filters: Map<string, string>;
  terms: string[];
} {
  const filters = new Map<string, string>();
  const terms: string[] = [];
  for (const m of (q ?? '').matchAll(/([\w-]+):(?:"([^"]*)"|(\S+))|(\S+)/g)) {
    if (m[1] !== undefined) filters.set(m[1].toLowerCase(), m[2] ?? m[3] ?? '');
    else if (m[4] !== undefined) terms.push(m[4]);
  }
  return { filters, terms };
}

export function bodyObject(c: FakeContext): Record<string, unknown> {
  const body = c.get('body');
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
