/**
 * API tokens: the key ledger's HTTP side. Follows coderd/apikey.go and codersdk/apikey.go:
 * - `POST /api/v2/users/{user}/keys/tokens` CreateTokenRequest `{ lifetime (ns), token_name,
 *   scope? (deprecated), scopes?, allow_list? }` → 201 GenerateAPIKeyResponse `{ key }`.
 *   No scopes: `coder:all`; legacy `scope: "all"` / `"application_connect"` map to the coder:
 *   composites; a name that is not public (scopes.ts; no `chat:*` is) → 400 "Failed to create
 *   API key." (detail names it). Lifetime 0
 *   or absent: the default token lifetime; below 0 or above the maximum → 400 "Failed to
 *   validate create API key request." (detail `lifetime must be positive number greater than 0`
 *   / `lifetime must be less than 720h0m0s`). A name the user already has → 409
 *   `A token with name "x" already exists.` (validation on `name`).
 * - `GET /api/v2/users/{user}/keys/tokens` → codersdk.APIKeyWithOwner[] (`include_all=true`:
 *   every user's, filtered to what the caller may read; expired ones only with
 *   `include_expired=true`); `GET .../keys/tokens/{name}` and `GET .../keys/{id}` → APIKey.
 * - `DELETE /api/v2/users/{user}/keys/{keyid}` → 204, unknown → 404 httpapi.ResourceNotFound;
 *   `PUT .../keys/{keyid}/expire` → 204 (expires it now, keeps the record).
 * - Acting for another user: a site owner may; a user admin gets 403 httpapi.Forbidden; a
 *   plain member gets 404 "Resource not found or you do not have access to this resource"
 *   (RBAC hides other users' keys from members).
 */
import type { FakeContext } from '../http-fake';
import {
  bodyObject,
  type CoderRouteContext,
  coderError,
  forbidden,
  iso,
  NOT_FOUND_MESSAGE,
  stringField,
} from './http';
import { goDuration } from './requests';
import { DEFAULT_SCOPES, isRequestableScope } from './scopes';
import type { CoderApiToken, CoderUser } from './state';

export interface KeyRouteOptions {
  /** Lifetime of a token minted with `lifetime: 0` (Sessions.DefaultTokenDuration). */
  defaultLifetimeMs: number;
  /** Longest lifetime allowed (Sessions.MaximumTokenDuration); undefined: no maximum. */
  maxLifetimeMs?: number;
  /** Accept any catalog scope, not only the public ones (a test-only leniency). */
  internalScopes?: boolean;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function registerKeyRoutes(ctx: CoderRouteContext, opts: KeyRouteOptions): void {
  const { app, state, me } = ctx;

  /** The `{user}` of the path if the caller may manage that user's keys, else the refusal. */
  const target = (c: FakeContext): CoderUser | Response => {
    const caller = me(c);
    const user = state.findUser(c.req.param('user') ?? '', caller);
    if (!user) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const refused = refuseOther(c, ctx, caller, user);
    return refused ?? user;
  };

  app.post('/api/v2/users/:user/keys/tokens', (c) => {
    const user = target(c);
    if (user instanceof Response) return user;
    const body = bodyObject(c);
    const scopes = requestedScopes(body, opts.internalScopes ?? false);
    if ('invalid' in scopes) {
      return coderError(c, 400, 'Failed to create API key.', { detail: scopes.invalid });
    }
    const allowList = requestedAllowList(body.allow_list);
    if ('invalid' in allowList) {
      return coderError(c, 400, 'Failed to create API key.', { detail: allowList.invalid });
    }
    const lifetime = body.lifetime ?? 0;
    if (typeof lifetime !== 'number' || !Number.isFinite(lifetime)) {
      return coderError(c, 400, 'Request body must be valid JSON.', {
        detail: 'lifetime: a duration in nanoseconds',
      });
    }
    let lifetimeMs = opts.defaultLifetimeMs;
    if (lifetime !== 0) {
      lifetimeMs = lifetime / 1e6;
      const detail =
        lifetime < 0
          ? 'lifetime must be positive number greater than 0'
          : opts.maxLifetimeMs !== undefined && lifetimeMs > opts.maxLifetimeMs
            ? `lifetime must be less than ${goDuration(opts.maxLifetimeMs)}`
            : undefined;
      if (detail) {
        return coderError(c, 400, 'Failed to validate create API key request.', { detail });
      }
    }
    const tokenName = stringField(body.token_name) || `token-${state.tokens.size + 1}`;
    const taken = [...state.tokens.values()].some(
      (t) => t.userId === user.id && t.tokenName === tokenName && t.revokedAt === undefined,
    );
    if (taken) {
      return coderError(c, 409, `A token with name "${tokenName}" already exists.`, {
        validations: [
          { field: 'name', detail: 'This value is already in use and should be unique.' },
        ],
      });
    }
    const token = state.mintToken({
      user,
      tokenName,
      scopes: scopes.scopes,
      allowList: allowList.entries,
      lifetimeMs,
    });
    return c.json({ key: token.key }, 201);
  });

  app.get('/api/v2/users/:user/keys/tokens', (c) => {
    const caller = me(c);
    const includeAll = c.req.query('include_all') === 'true';
    const includeExpired = c.req.query('include_expired') === 'true';
    const user = target(c);
    if (user instanceof Response) return user;
    const readable = (t: CoderApiToken) => t.userId === caller.id || ctx.roleOf(caller) === 'owner';
    const keys = [...state.tokens.values()]
      .filter((t) => (includeAll ? readable(t) : t.userId === user.id))
      .filter((t) => t.revokedAt === undefined)
      .filter((t) => includeExpired || t.expiresAt > state.now());
    return c.json(
      keys.map((t) => ({
        ...apiKeyJson(t, state.now()),
        username: state.users.get(t.userId)?.username ?? '',
      })),
    );
  });

  app.get('/api/v2/users/:user/keys/tokens/:name', (c) => {
    const user = target(c);
    if (user instanceof Response) return user;
    const name = c.req.param('name');
    const key = [...state.tokens.values()].find(
      (t) => t.userId === user.id && t.tokenName === name && t.revokedAt === undefined,
    );
    if (!key) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(apiKeyJson(key, state.now()));
  });

  /** The key of `{keyid}` if it exists and the caller may manage it. */
  const keyOf = (c: FakeContext): CoderApiToken | Response => {
    const user = target(c);
    if (user instanceof Response) return user;
    const key = state.tokenById(c.req.param('keyid') ?? '');
    const caller = me(c);
    if (!key || key.revokedAt !== undefined) return coderError(c, 404, NOT_FOUND_MESSAGE);
    if (key.userId !== caller.id && ctx.roleOf(caller) !== 'owner') {
      return coderError(c, 404, NOT_FOUND_MESSAGE);
    }
    return key;
  };

  app.get('/api/v2/users/:user/keys/:keyid', (c) => {
    const key = keyOf(c);
    if (key instanceof Response) return key;
    return c.json(apiKeyJson(key, state.now()));
  });

  app.delete('/api/v2/users/:user/keys/:keyid', (c) => {
    const key = keyOf(c);
    if (key instanceof Response) return key;
    key.revokedAt = state.now();
    return c.body(null, 204);
  });

  app.put('/api/v2/users/:user/keys/:keyid/expire', (c) => {
    const key = keyOf(c);
    if (key instanceof Response) return key;
    key.expiresAt = Math.min(key.expiresAt, state.now());
    return c.body(null, 204);
  });
}

/**
 * Refusal for acting on another user's keys (or workspaces): none for oneself or a site owner;
 * 403 for a user admin (may see users, not act for them); 404 for a plain member.
 */
export function refuseOther(
  c: FakeContext,
  ctx: Pick<CoderRouteContext, 'roleOf'>,
  caller: CoderUser,
  user: CoderUser,
): Response | undefined {
  if (user.id === caller.id) return undefined;
  const role = ctx.roleOf(caller);
  if (role === 'owner') return undefined;
  if (role === 'user-admin') return forbidden(c);
  return coderError(c, 404, NOT_FOUND_MESSAGE);
}

function requestedScopes(
  body: Record<string, unknown>,
  internal: boolean,
): { scopes: string[] } | { invalid: string } {
  const list = body.scopes;
  if (Array.isArray(list) && list.length > 0) {
    for (const s of list) {
      if (typeof s !== 'string' || !isRequestableScope(s, internal)) {
        return { invalid: `invalid or unsupported API key scope: ${JSON.stringify(s)}` };
      }
    }
    return { scopes: list as string[] };
  }
  const legacy = body.scope;
  if (typeof legacy === 'string' && legacy !== '') {
    if (legacy === 'all') return { scopes: ['coder:all'] };
    if (legacy === 'application_connect') return { scopes: ['coder:application_connect'] };
    if (!isRequestableScope(legacy, internal)) {
      return { invalid: `invalid or unsupported API key scope: ${JSON.stringify(legacy)}` };
    }
    return { scopes: [legacy] };
  }
  return { scopes: [...DEFAULT_SCOPES] };
}

/** codersdk.APIAllowListTarget[] `{ type, id }`; absent: everything (`*:*`). */
function requestedAllowList(
  value: unknown,
): { entries: Array<{ type: string; id: string }> } | { invalid: string } {
  if (value === undefined || value === null) return { entries: [{ type: '*', id: '*' }] };
  if (!Array.isArray(value)) return { invalid: 'allow_list must be an array' };
  const entries: Array<{ type: string; id: string }> = [];
  for (const entry of value) {
    const { type, id } = (entry ?? {}) as { type?: unknown; id?: unknown };
    if (typeof type !== 'string' || !type || typeof id !== 'string' || !id) {
      return { invalid: `invalid allow_list entry: ${JSON.stringify(entry)}` };
    }
    entries.push({ type, id });
  }
  return { entries };
}

/** codersdk.APIKey */
export function apiKeyJson(t: CoderApiToken, now: number) {
  const scopes = t.scopes;
  return {
    id: t.id,
    user_id: t.userId,
    last_used: t.lastUsedAt === undefined ? ZERO_TIME : iso(t.lastUsedAt),
    expires_at: iso(t.expiresAt),
    created_at: iso(t.createdAt),
    updated_at: iso(Math.min(now, Math.max(t.createdAt, t.lastUsedAt ?? 0))),
    login_type: 'token',
    // Deprecated single scope: what the legacy names map back to.
    scope: scopes.includes('coder:all')
      ? 'all'
      : scopes.includes('coder:application_connect')
        ? 'application_connect'
        : '',
    scopes: [...scopes],
    token_name: t.tokenName,
    lifetime_seconds: Math.round((t.expiresAt - t.createdAt) / 1000),
    allow_list: t.allowList.map((e) => ({ ...e })),
  };
}
