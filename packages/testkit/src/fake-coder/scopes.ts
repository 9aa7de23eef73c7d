/**
 * API key scopes, enforced coarsely.
 * - Names: codersdk/apikey_scopes_gen.go (`<resource>:<action>`, `<resource>:*`, the composite
 *   `coder:*` scopes, legacy `all` / `application_connect`).
 * - Which a token may ask for: postToken (coderd/apikey.go) checks each requested name with
 *   rbac.IsExternalScope (coderd/rbac/scopes_catalog.go at 00bbef6b: the curated
 *   `externalLowLevel` set, the `coder:*` composites, `coder:all`, `coder:application_connect`
 *   and the two aliases) and answers 400 "Failed to create API key." with detail
 *   `invalid or unsupported API key scope: "<name>"`; no scopes means `coder:all`. That set has no
 *   `chat:*` scope at all, so Coder will not mint a chat-only key; `internalScopes: true` lets a
 *   test mint any catalog scope to exercise the enforcement below.
 * - Enforcement: each route needs one `<resource>:<action>` (requiredScope below, our reading of
 *   which RBAC object each handler authorizes); a key whose scopes do not cover it gets 403
 *   httpapi.Forbidden. Real Coder decides per object through RBAC, so some reads there end in
 *   404 instead; the fake does not model that.
 */

/** Resources and their actions, from apikey_scopes_gen.go, by the actions they have. */
const CATALOG = new Map(
  Object.entries({
    'create delete read update':
      'ai_gateway_key ai_provider api_key chat_automation chat_project crypto_key group ' +
      'notification_message oauth2_app oauth2_app_secret organization organization_member ' +
      'provisioner_daemon system tailnet_coordinator user_secret user_skill ' +
      'workspace_build_orchestration workspace_proxy',
    'read update':
      'ai_model_price connection_log deployment_config idpsync_settings ' +
      'notification_preference notification_template',
    'create read': 'ai_seat audit_log file',
    'create read update':
      'aibridge_interception inbox_notification provisioner_jobs usage_event ' +
      'workspace_agent_resource_monitor',
    'assign create delete read unassign update': 'assign_org_role',
    'assign read unassign': 'assign_role',
    'create delete read':
      'boundary_log chat_project_memory license oauth2_app_code_token webpush_subscription',
    'delete read update': 'boundary_usage',
    'create delete read share update':
      'chat chat_model_config mcp_server_config organization_skill',
    read: 'debug_info deployment_stats group_member replicas',
    'delete update': 'prebuilt_workspace',
    'create delete read update use view_insights': 'template',
    'create delete read read_personal update update_personal': 'user',
    'application_connect create create_agent delete delete_agent read share ssh start stop update update_agent':
      'workspace workspace_dormant',
    create: 'workspace_agent_devcontainers',
  }).flatMap(([actions, resources]) =>
    resources.split(' ').map((resource) => [resource, actions.split(' ')] as const),
  ),
);

/** Composite scopes (and legacy names) and the low-level scopes they stand for (approximate). */
const COMPOSITES: Record<string, string> = {
  all: '*',
  'coder:all': '*',
  application_connect: 'workspace:application_connect',
  'coder:application_connect': 'workspace:application_connect',
  'coder:apikeys.manage_self': 'api_key:*',
  'coder:templates.author': 'template:* file:*',
  'coder:templates.build': 'template:read file:*',
  'coder:workspaces.access': 'workspace:read workspace:ssh workspace:application_connect',
  'coder:workspaces.create':
    'workspace:create workspace:read workspace:update template:read template:use organization:read',
  'coder:workspaces.delete': 'workspace:read workspace:delete',
  'coder:workspaces.operate': 'workspace:read workspace:update workspace:start workspace:stop',
};

export const DEFAULT_SCOPES: readonly string[] = ['coder:all'];

/** rbac externalLowLevel (scopes_catalog.go at 00bbef6b): what users may request. */
const PUBLIC_LOW_LEVEL = new Set(
  [
    'workspace:read workspace:create workspace:update workspace:delete workspace:ssh',
    'workspace:start workspace:stop workspace:application_connect workspace:*',
    'template:read template:create template:update template:delete template:use template:*',
    'api_key:read api_key:create api_key:update api_key:delete api_key:*',
    'chat_model_config:read chat_model_config:share',
    'file:read file:create file:*',
    'inbox_notification:read inbox_notification:update',
    'user:read user:read_personal user:update_personal user:*',
    'user_secret:read user_secret:create user_secret:update user_secret:delete user_secret:*',
    'user_skill:read user_skill:create user_skill:update user_skill:delete user_skill:*',
    'organization_skill:read organization_skill:create organization_skill:update',
    'organization_skill:delete organization_skill:share organization_skill:*',
    'organization:read organization:update organization:delete organization:*',
  ].flatMap((line) => line.split(' ')),
);

/** rbac.IsExternalScope: what postToken accepts (unless `internal`: any catalog scope). */
export function isRequestableScope(name: string, internal = false): boolean {
  if (Object.hasOwn(COMPOSITES, name)) return true;
  if (!internal) return PUBLIC_LOW_LEVEL.has(name);
  const at = name.indexOf(':');
  const action = name.slice(at + 1);
  const actions = at > 0 ? CATALOG.get(name.slice(0, at)) : undefined;
  return actions !== undefined && (action === '*' || actions.includes(action));
}

/** Whether keys with `scopes` may do `required` (`resource:action`). */
export function scopesAllow(scopes: readonly string[], required: string): boolean {
  const [resource] = required.split(':');
  const grants = scopes.flatMap((s) => COMPOSITES[s]?.split(' ') ?? [s]);
  return grants.some((g) => g === '*' || g === required || g === `${resource}:*`);
}

const CHATS = /^\/api\/(?:v2|experimental)\/chats(?:\/|$)/;
const PROJECTS = /^\/api\/experimental\/chats\/projects(?:\/|$)/;
const KEYS = /^\/api\/v2\/users\/[^/]+\/keys(?:\/|$)/;

/** The scope a request needs; undefined: not checked (unauthenticated or unmodelled). */
export function requiredScope(method: string, path: string): string | undefined {
  const read = method === 'GET' || method === 'HEAD';
  if (PROJECTS.test(path)) return read ? 'chat_project:read' : 'chat_project:create';
  if (CHATS.test(path)) {
    if (read) return 'chat:read';
    if (method === 'DELETE') return 'chat:delete';
    // Creating is POST on the collection itself; messages, interrupt and PATCH update a chat.
    return method === 'POST' && /^\/api\/(?:v2|experimental)\/chats\/?$/.test(path)
      ? 'chat:create'
      : 'chat:update';
  }
  if (KEYS.test(path)) {
    if (read) return 'api_key:read';
    if (method === 'DELETE') return 'api_key:delete';
    return method === 'PUT' ? 'api_key:update' : 'api_key:create';
  }
  if (/^\/api\/v2\/users\/[^/]+\/workspaces$/.test(path) && method === 'POST') {
    return 'workspace:create';
  }
  if (/^\/api\/v2\/workspaces\/[^/]+\/builds$/.test(path)) {
    return read ? 'workspace:read' : 'workspace:update';
  }
  if (/^\/api\/v2\/(?:workspaces|users\/[^/]+\/workspace)\b/.test(path)) return 'workspace:read';
  if (/^\/api\/v2\/tasks\b/.test(path)) {
    if (read) return 'workspace:read';
    return method === 'DELETE' ? 'workspace:delete' : 'workspace:create';
  }
  if (/^\/api\/v2\/users(?:\/|$)/.test(path)) return read ? 'user:read' : 'user:update';
  if (/^\/api\/v2\/(?:templateversions|organizations\/[^/]+\/templates)\b/.test(path)) {
    return 'template:read';
  }
  if (/^\/api\/v2\/organizations\b/.test(path)) return 'organization:read';
  return undefined;
}
