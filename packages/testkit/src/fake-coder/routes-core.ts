/**
 * Users, organizations, templates, presets and API tokens: what creating an agent resolves.
 * - buildinfo: codersdk/buildinfo.go BuildInfoResponse (external_url, version) plus the fields
 *   current servers add; unauthenticated (registered before apiKey middleware in coderd.go).
 * - tokens: routes-keys.ts.
 * - roles: codersdk.User.roles lists the site roles (`owner`, `user-admin`). A plain member's
 *   RBAC (rbac/roles.go: users are readable by their owner, site-wide only by owners and user
 *   admins) hides every other user: `GET /users` lists only themselves, `GET /users/{other}` is
 *   404 httpapi.ResourceNotFound.
 */
import {
  type CoderRouteContext,
  coderError,
  iso,
  NOT_FOUND_MESSAGE,
  parseSearchQuery,
  type SiteRole,
} from './http';
import type { CoderOrganization, CoderState, CoderTemplate, CoderUser } from './state';

export function registerCoreRoutes(
  { app, state, me, roleOf }: CoderRouteContext,
  version: string,
): void {
  const renderUser = (u: CoderUser) => userJson(state, u, roleOf(u));

  app.get('/api/v2/buildinfo', (c) =>
    c.json({
      external_url: 'https://github.com/coder/coder',
      version,
      dashboard_url: new URL(c.req.url).origin,
      workspace_proxy: false,
      agent_api_version: '2.0',
      deployment_id: 'fake-coder',
    }),
  );

  const seesEveryone = (u: CoderUser) => roleOf(u) !== 'member';

  app.get('/api/v2/users', (c) => {
    const caller = me(c);
    const { filters, terms } = parseSearchQuery(c.req.query('q'));
    let users = [...state.users.values()].filter((u) => u.id === caller.id || seesEveryone(caller));
    const githubId = filters.get('github_com_user_id');
    if (githubId !== undefined) users = users.filter((u) => String(u.githubUserId) === githubId);
    const username = filters.get('username');
    if (username !== undefined) users = users.filter((u) => u.username === username);
    for (const term of terms) {
      users = users.filter((u) => u.username.includes(term) || u.email.includes(term));
    }
    return c.json({ users: users.map(renderUser), count: users.length });
  });

  app.get('/api/v2/users/:user', (c) => {
    const caller = me(c);
    const user = state.findUser(c.req.param('user'), caller);
    if (!user || (user.id !== caller.id && !seesEveryone(caller))) {
      return coderError(c, 404, NOT_FOUND_MESSAGE);
    }
    return c.json(renderUser(user));
  });

  app.get('/api/v2/organizations/:org', (c) => {
    const org = state.findOrganization(c.req.param('org'));
    if (!org) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(organizationJson(org));
  });

  app.get('/api/v2/organizations/:org/templates/:name', (c) => {
    const org = state.findOrganization(c.req.param('org'));
    const name = c.req.param('name');
    const template = [...state.templates.values()].find(
      (t) => t.organizationId === org?.id && t.name === name,
    );
    if (!org || !template) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(templateJson(org, template));
  });

  app.get('/api/v2/templateversions/:id/presets', (c) => {
    const template = state.templateByVersion(c.req.param('id'));
    if (!template) return coderError(c, 404, NOT_FOUND_MESSAGE);
    // codersdk.Preset has no json tags, hence the Go field names.
    return c.json(
      template.presets.map((p) => ({
        ID: p.ID,
        Name: p.Name,
        Parameters: [],
        Default: p.Default,
        DesiredPrebuildInstances: null,
        Description: '',
        Icon: '',
      })),
    );
  });
}

const ROLE_NAMES: Record<SiteRole, Array<{ name: string; display_name: string }>> = {
  owner: [{ name: 'owner', display_name: 'Owner' }],
  'user-admin': [{ name: 'user-admin', display_name: 'User Admin' }],
  member: [],
};

export function userJson(state: CoderState, u: CoderUser, role: SiteRole) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    name: u.name,
    avatar_url: '',
    created_at: iso(u.createdAt),
    updated_at: iso(u.createdAt),
    last_seen_at: iso(u.createdAt),
    status: 'active',
    login_type: 'github',
    theme_preference: '',
    organization_ids: u.organizationIds.filter((id) => state.orgs.has(id)),
    roles: ROLE_NAMES[role].map((r) => ({ ...r })),
  };
}

export function organizationJson(org: CoderOrganization) {
  return {
    id: org.id,
    name: org.name,
    display_name: org.displayName,
    description: '',
    icon: '',
    created_at: iso(org.createdAt),
    updated_at: iso(org.createdAt),
    is_default: org.isDefault,
  };
}

export function templateJson(org: CoderOrganization, t: CoderTemplate) {
  return {
    id: t.id,
    created_at: iso(t.createdAt),
    updated_at: iso(t.createdAt),
    organization_id: org.id,
    organization_name: org.name,
    organization_display_name: org.displayName,
    name: t.name,
    display_name: t.name,
    provisioner: 'terraform',
    active_version_id: t.activeVersionId,
    active_user_count: 0,
    description: '',
    icon: '',
    deprecated: false,
  };
}
