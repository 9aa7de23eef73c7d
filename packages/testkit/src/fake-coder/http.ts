import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FakeContext, FakeEnv } from '../http-fake';
import type { CoderState, CoderUser } from './state';

/** What every group of Coder routes gets: the app to register on and the deployment state. */
export interface CoderRouteContext {
  app: Hono<FakeEnv>;
  state: CoderState;
  /** The user the request's session token belongs to ("me"); set by the auth middleware. */
  me: (c: FakeContext) => CoderUser;
  /** Site owners may act for other users (owner_id, tokens, workspaces) and read any chat. */
  isSiteOwner: (user: CoderUser) => boolean;
  /** The user's site role: `owner`, `user-admin` (sees users, cannot act for them) or none. */
  roleOf: (user: CoderUser) => SiteRole;
}

export type SiteRole = 'owner' | 'user-admin' | 'member';

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
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** httpapi.Forbidden (coderd/httpapi/httpapi.go). */
export function forbidden(c: FakeContext): Response {
  return coderError(c, 403, 'Forbidden.', {
    detail:
      "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
  });
}

/** httpapi.RouteNotFound */
export function routeNotFound(c: FakeContext): Response {
  return coderError(c, 404, 'Route not found.');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses Coder's search query syntax (`owner:"alice" status:active free text`) into
 * key/value filters; quoted and unquoted values are both accepted.
 */
export function parseSearchQuery(q: string | undefined): {
  filters: Map<string, string>;
  /** Every `key:value` in order, repeated keys included (the map keeps the last). */
  pairs: Array<[string, string]>;
  terms: string[];
} {
  const filters = new Map<string, string>();
  const pairs: Array<[string, string]> = [];
  const terms: string[] = [];
  for (const m of (q ?? '').matchAll(/([\w-]+):(?:"([^"]*)"|(\S+))|(\S+)/g)) {
    if (m[1] !== undefined) {
      const pair: [string, string] = [m[1].toLowerCase(), m[2] ?? m[3] ?? ''];
      filters.set(pair[0], pair[1]);
      pairs.push(pair);
    } else if (m[4] !== undefined) terms.push(m[4]);
  }
  return { filters, pairs, terms };
}

export function bodyObject(c: FakeContext): Record<string, unknown> {
  const body = c.get('body');
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

export function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
