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
  roleOf: (user: CoderUser) => SiteRole;
}

/** A site role: `owner`, `user-admin` (sees users, cannot act for them) or none. */
export type SiteRole = 'owner' | 'user-admin' | 'member';
type Validation = { field: string; detail: string };

/** codersdk.Response: Coder's error body. */
export function coderError(
  c: FakeContext,
  status: ContentfulStatusCode,
  message: string,
  extra: { detail?: string; validations?: Validation[] } = {},
): Response {
  return c.json({ message, ...extra }, status);
}

/** A 400 whose `validations` name one field. */
export const invalid = (c: FakeContext, message: string, field: string, detail: string) =>
  coderError(c, 400, message, { validations: [{ field, detail }] });

export const NOT_FOUND_MESSAGE = 'Resource not found or you do not have access to this resource';
/** httpapi.ResourceNotFound */
export const notFound = (c: FakeContext) => coderError(c, 404, NOT_FOUND_MESSAGE);
/** httpapi.RouteNotFound */
export const routeNotFound = (c: FakeContext) => coderError(c, 404, 'Route not found.');
/** httpapi.Forbidden (coderd/httpapi/httpapi.go). */
export const forbidden = (c: FakeContext) =>
  coderError(c, 403, 'Forbidden.', {
    detail:
      "You don't have permission to view this content. If you believe this is a mistake, please contact your administrator or try signing in with different credentials.",
  });

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * What creating a workspace or a task checks first: the preset (one of the template's) and the
 * name (codersdk.NameValid: at most 32 alphanumerics or dashes). A refusal, or undefined.
 */
export function presetOrNameRefused(
  c: FakeContext,
  template: { presets: Array<{ ID: string }> },
  presetId: string | null,
  name: string,
  what: 'workspace' | 'task',
): Response | undefined {
  if (presetId && !template.presets.some((p) => p.ID === presetId)) {
    const field = 'template_version_preset_id';
    return invalid(c, 'Template version preset not found.', field, 'unknown preset');
  }
  if (name.length > 32 || !/^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/.test(name)) {
    const detail = 'Must be at most 32 alphanumeric characters or dashes.';
    return invalid(c, `Invalid ${what} name.`, 'name', detail);
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Coder's search query syntax (`owner:"alice" status:active free text`): every `key:value`
 * in order (quoted or not), the last value per key, and the bare terms.
 */
export function parseSearchQuery(q: string | undefined) {
  const pairs: Array<[string, string]> = [];
  const terms: string[] = [];
  for (const m of (q ?? '').matchAll(/([\w-]+):(?:"([^"]*)"|(\S+))|(\S+)/g)) {
    if (m[1] !== undefined) pairs.push([m[1].toLowerCase(), m[2] ?? m[3] ?? '']);
    else if (m[4] !== undefined) terms.push(m[4]);
  }
  return { filters: new Map(pairs), pairs, terms };
}

export const stringField = (value: unknown) => (typeof value === 'string' ? value : '');
