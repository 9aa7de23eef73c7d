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

/** Resources and their actions, from apikey_scopes_gen.go. */
const CATALOG: Record<string, string> = {
  ai_gateway_key: 'create delete read update',
  ai_model_price: 'read update',
  ai_provider: 'create delete read update',
  ai_seat: 'create read',
  aibridge_interception: 'create read update',
  api_key: 'create delete read update',
  assign_org_role: 'assign create delete read unassign update',
  assign_role: 'assign read unassign',
  audit_log: 'create read',
  boundary_log: 'create delete read',
  boundary_usage: 'delete read update',
  chat: 'create delete read share update',
  chat_automation: 'create delete read update',
  chat_model_config: 'create delete read share update',
  chat_project: 'create delete read update',
  chat_project_memory: 'create delete read',
  connection_log: 'read update',
  crypto_key: 'create delete read update',
  debug_info: 'read',
  deployment_config: 'read update',
  deployment_stats: 'read',
  file: 'create read',
  group: 'create delete read update',
  group_member: 'read',
  idpsync_settings: 'read update',
  inbox_notification: 'create read update',
  license: 'create delete read',
  mcp_server_config: 'create delete read share update',
  notification_message: 'create delete read update',
  notification_preference: 'read update',
  notification_template: 'read update',
  oauth2_app: 'create delete read update',
  oauth2_app_code_token: 'create delete read',
  oauth2_app_secret: 'create delete read update',
  organization: 'create delete read update',
  organization_member: 'create delete read update',
  organization_skill: 'create delete read share update',
  prebuilt_workspace: 'delete update',
  provisioner_daemon: 'create delete read update',
  provisioner_jobs: 'create read update',
  replicas: 'read',
  system: 'create delete read update',
  tailnet_coordinator: 'create delete read update',
  template: 'create delete read update use view_insights',
  usage_event: 'create read update',
  user: 'create delete read read_personal update update_personal',
  user_secret: 'create delete read update',
  user_skill: 'create delete read update',
  webpush_subscription: 'create delete read',
  workspace:
    'application_connect create create_agent delete delete_agent read share ssh start stop update update_agent',
  workspace_agent_devcontainers: 'create',
  workspace_agent_resource_monitor: 'create read update',
  workspace_build_orchestration: 'create delete read update',
  workspace_dormant:
    'application_connect create create_agent delete delete_agent read share ssh start stop update update_agent',
  workspace_proxy: 'create delete read update',
};

/** Composite scopes (and legacy names) and the low-level scopes they stand for (approximate). */
const COMPOSITES: Record<string, readonly string[]> = {
  all: ['*'],
  'coder:all': ['*'],
  application_connect: ['workspace:application_connect'],
  'coder:application_connect': ['workspace:application_connect'],
  'coder:apikeys.manage_self': ['api_key:*'],
  'coder:templates.author': ['template:*', 'file:*'],
  'coder:templates.build': ['template:read', 'file:*'],
  'coder:workspaces.access': ['workspace:read', 'workspace:ssh', 'workspace:application_connect'],
  'coder:workspaces.create': [
    'workspace:create',
    'workspace:read',
    'workspace:update',
    'template:read',
    'template:use',
    'organization:read',
  ],
  'coder:workspaces.delete': ['workspace:read', 'workspace:delete'],
  'coder:workspaces.operate': [
    'workspace:read',
    'workspace:update',
    'workspace:start',
    'workspace:stop',
  ],
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
  return internal ? isKnownScope(name) : PUBLIC_LOW_LEVEL.has(name);
}

export function isKnownScope(name: string): boolean {
  if (Object.hasOwn(COMPOSITES, name)) return true;
  const at = name.indexOf(':');
  if (at <= 0) return false;
  const actions = CATALOG[name.slice(0, at)];
  const action = name.slice(at + 1);
  return actions !== undefined && (action === '*' || actions.split(' ').includes(action));
}

/** Whether keys with `scopes` may do `required` (`resource:action`). */
export function scopesAllow(scopes: readonly string[], required: string): boolean {
  const [resource] = required.split(':');
  const grants = scopes.flatMap((s) => COMPOSITES[s] ?? [s]);
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
