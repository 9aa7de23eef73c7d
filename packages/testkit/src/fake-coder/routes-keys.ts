/**
 * API tokens: the key ledger's HTTP side. Follows coderd/apikey.go and codersdk/apikey.go:
 * - Create: no scopes means `coder:all`; legacy `scope: "all"` / `"application_connect"` map to
 *   the coder: composites; a name that is not public (scopes.ts; no `chat:*` is) is refused.
 *   Lifetime 0 or absent: the default token lifetime.
 * - List: `include_all=true` lists every user's, filtered to what the caller may read.
 * - Not served, as the product calls none of them: `GET .../keys/tokens/{name}`,
 *   `GET .../keys/{id}`, `PUT .../keys/{id}/expire`.
 * - Acting for another user: a site owner may; a user admin gets 403 httpapi.Forbidden; a
 *   plain member gets 404 (RBAC hides other users' keys from members).
 */
import { bodyOf, type FakeContext } from '../http-fake';
import { type CoderRouteContext, coderError, forbidden, iso, notFound, stringField } from './http';
import { goDuration } from './requests';
import { DEFAULT_SCOPES, isRequestableScope } from './scopes';
import type { CoderApiToken, CoderUser } from './state';

export interface KeyRouteOptions {
  /** Lifetime of a token minted with `lifetime: 0` (Sessions.DefaultTokenDuration). */
  defaultLifetimeMs: number;
  /** Sessions.MaximumTokenDuration; undefined: no maximum. */
  maxLifetimeMs?: number;
  /** Accept any catalog scope, not only the public ones (a test-only leniency). */
  internalScopes?: boolean;
}

export function registerKeyRoutes(ctx: CoderRouteContext, opts: KeyRouteOptions): void {
  const { app, state, me, roleOf } = ctx;
  const isOwner = (user: CoderUser) => roleOf(user) === 'owner';

  /** The `{user}` of the path if the caller may manage that user's keys, else the refusal. */
  const target = (c: FakeContext): CoderUser | Response => {
    const caller = me(c);
    const user = state.findUser(c.req.param('user') ?? '', caller);
    if (!user) return notFound(c);
    if (user.id === caller.id || isOwner(caller)) return user;
    return roleOf(caller) === 'user-admin' ? forbidden(c) : notFound(c);
  };
  /** The user's keys that are not deleted. */
  const keysOf = (user: CoderUser | undefined) =>
    [...state.tokens.values()].filter(
      (t) => (!user || t.userId === user.id) && t.revokedAt === undefined,
    );

  app.post('/api/v2/users/:user/keys/tokens', (c) => {
    const user = target(c);
    if (user instanceof Response) return user;
    const body = bodyOf(c);
    const scopes = requestedScopes(body, opts.internalScopes ?? false);
    const allowList = requestedAllowList(body.allow_list);
    for (const refused of [scopes, allowList]) {
      if (typeof refused === 'string') {
        return coderError(c, 400, 'Failed to create API key.', { detail: refused });
      }
    }
    const lifetime = body.lifetime ?? 0;
    if (typeof lifetime !== 'number' || !Number.isFinite(lifetime)) {
      return coderError(c, 400, 'Request body must be valid JSON.', {
        detail: 'lifetime: a duration in nanoseconds',
      });
    }
    const lifetimeMs = lifetime === 0 ? opts.defaultLifetimeMs : lifetime / 1e6;
    const detail =
      lifetime === 0
        ? undefined
        : lifetime < 0
          ? 'lifetime must be positive number greater than 0'
          : opts.maxLifetimeMs !== undefined && lifetimeMs > opts.maxLifetimeMs
            ? `lifetime must be less than ${goDuration(opts.maxLifetimeMs)}`
            : undefined;
    if (detail) return coderError(c, 400, 'Failed to validate create API key request.', { detail });
    const tokenName = stringField(body.token_name) || `token-${state.tokens.size + 1}`;
    if (keysOf(user).some((t) => t.tokenName === tokenName)) {
      return coderError(c, 409, `A token with name "${tokenName}" already exists.`, {
        validations: [
          { field: 'name', detail: 'This value is already in use and should be unique.' },
        ],
      });
    }
    const token = state.mintToken({
      userId: user.id,
      tokenName,
      scopes: scopes as string[],
      allowList: allowList as CoderApiToken['allowList'],
      lifetimeMs,
    });
    return c.json({ key: token.key }, 201);
  });

  app.get('/api/v2/users/:user/keys/tokens', (c) => {
    const caller = me(c);
    const user = target(c);
    if (user instanceof Response) return user;
    const all = c.req.query('include_all') === 'true';
    const expired = c.req.query('include_expired') === 'true';
    const keys = keysOf(all ? undefined : user)
      .filter((t) => t.userId === caller.id || isOwner(caller))
      .filter((t) => expired || t.expiresAt > state.now())
      .map((t) => ({ ...apiKeyJson(t), username: state.users.get(t.userId)?.username ?? '' }));
    return c.json(keys);
  });

  app.delete('/api/v2/users/:user/keys/:keyid', (c) => {
    const user = target(c);
    if (user instanceof Response) return user;
    const key = keysOf(undefined).find((t) => t.id === c.req.param('keyid'));
    const caller = me(c);
    if (!key || (key.userId !== caller.id && !isOwner(caller))) return notFound(c);
    key.revokedAt = state.now();
    return c.body(null, 204);
  });

  /** codersdk.APIKey */
  function apiKeyJson(t: CoderApiToken) {
    return {
      id: t.id,
      user_id: t.userId,
      last_used: t.lastUsedAt === undefined ? '0001-01-01T00:00:00Z' : iso(t.lastUsedAt),
      expires_at: iso(t.expiresAt),
      created_at: iso(t.createdAt),
      updated_at: iso(Math.min(state.now(), Math.max(t.createdAt, t.lastUsedAt ?? 0))),
      login_type: 'token',
      // Deprecated single scope: what the legacy names map back to.
      scope: t.scopes.includes('coder:all')
        ? 'all'
        : t.scopes.includes('coder:application_connect')
          ? 'application_connect'
          : '',
      scopes: [...t.scopes],
      token_name: t.tokenName,
      lifetime_seconds: Math.round((t.expiresAt - t.createdAt) / 1000),
      allow_list: t.allowList.map((e) => ({ ...e })),
    };
  }
}

/** The scopes asked for, or why they are refused. */
function requestedScopes(body: Record<string, unknown>, internal: boolean): string[] | string {
  const legacy = { all: 'coder:all', application_connect: 'coder:application_connect' };
  const list = Array.isArray(body.scopes) && body.scopes.length > 0 ? body.scopes : undefined;
  const asked: unknown[] =
    list ??
    (typeof body.scope === 'string' && body.scope !== '' ? [body.scope] : [...DEFAULT_SCOPES]);
  const scopes = list ? asked : asked.map((s) => legacy[s as keyof typeof legacy] ?? s);
  const bad = scopes.find((s) => typeof s !== 'string' || !isRequestableScope(s, internal));
  return bad === undefined
    ? (scopes as string[])
    : `invalid or unsupported API key scope: ${JSON.stringify(bad)}`;
}

/** codersdk.APIAllowListTarget[] `{ type, id }`; absent: everything (`*:*`), or why refused. */
function requestedAllowList(value: unknown): Array<{ type: string; id: string }> | string {
  if (value === undefined || value === null) return [{ type: '*', id: '*' }];
  if (!Array.isArray(value)) return 'allow_list must be an array';
  const bad = value.find(
    (e) => !e || typeof e.type !== 'string' || !e.type || typeof e.id !== 'string' || !e.id,
  );
  return bad === undefined
    ? value.map(({ type, id }) => ({ type, id }))
    : `invalid allow_list entry: ${JSON.stringify(bad)}`;
}
