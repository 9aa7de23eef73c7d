/**
 * Users, organizations, templates and presets: what creating an agent resolves.
 * - buildinfo: codersdk/buildinfo.go BuildInfoResponse (external_url, version) plus the fields
 *   current servers add; unauthenticated (registered before apiKey middleware in coderd.go).
 * - roles: codersdk.User.roles lists the site roles (`owner`, `user-admin`). A plain member's
 *   RBAC (rbac/roles.go: users are readable by their owner, site-wide only by owners and user
 *   admins) hides every other user: `GET /users` lists only themselves, `GET /users/{other}` is
 *   404 httpapi.ResourceNotFound.
 * - rich parameters: codersdk.TemplateVersionParameter[]; presets: codersdk.Preset, which has
 *   no json tags, hence the Go field names.
 */
import { type CoderRouteContext, iso, notFound, parseSearchQuery } from './http';
import type { CoderUser } from './state';

const ROLE_NAMES = { owner: 'Owner', 'user-admin': 'User Admin' };

export function registerCoreRoutes({ app, state, me, roleOf }: CoderRouteContext, version: string) {
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

  const sees = (caller: CoderUser, u: CoderUser) =>
    u.id === caller.id || roleOf(caller) !== 'member';
  const userJson = (u: CoderUser) => {
    const role = roleOf(u);
    const at = iso(u.createdAt);
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      name: u.name,
      avatar_url: '',
      created_at: at,
      updated_at: at,
      last_seen_at: at,
      status: 'active',
      login_type: 'github',
      theme_preference: '',
      organization_ids: u.organizationIds.filter((id) => state.orgs.has(id)),
      roles: role === 'member' ? [] : [{ name: role, display_name: ROLE_NAMES[role] }],
    };
  };

  app.get('/api/v2/users', (c) => {
    const caller = me(c);
    const { filters, terms } = parseSearchQuery(c.req.query('q'));
    const githubId = filters.get('github_com_user_id');
    const username = filters.get('username');
    const users = [...state.users.values()].filter(
      (u) =>
        sees(caller, u) &&
        (githubId === undefined || String(u.githubUserId) === githubId) &&
        (username === undefined || u.username === username) &&
        terms.every((t) => u.username.includes(t) || u.email.includes(t)),
    );
    return c.json({ users: users.map(userJson), count: users.length });
  });

  app.get('/api/v2/users/:user', (c) => {
    const caller = me(c);
    const user = state.findUser(c.req.param('user'), caller);
    return user && sees(caller, user) ? c.json(userJson(user)) : notFound(c);
  });

  app.get('/api/v2/organizations/:org', (c) => {
    const org = state.findOrganization(c.req.param('org'));
    if (!org) return notFound(c);
    const at = iso(org.createdAt);
    return c.json({
      id: org.id,
      name: org.name,
      display_name: org.displayName,
      description: '',
      icon: '',
      created_at: at,
      updated_at: at,
      is_default: org.isDefault,
    });
  });

  app.get('/api/v2/organizations/:org/templates/:name', (c) => {
    const org = state.findOrganization(c.req.param('org'));
    const t = [...state.templates.values()].find(
      (t) => t.organizationId === org?.id && t.name === c.req.param('name'),
    );
    if (!org || !t) return notFound(c);
    const at = iso(t.createdAt);
    return c.json({
      id: t.id,
      created_at: at,
      updated_at: at,
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
    });
  });

  app.get('/api/v2/templateversions/:id/presets', (c) => {
    const template = state.templateByVersion(c.req.param('id'));
    if (!template) return notFound(c);
    return c.json(
      template.presets.map((p) => ({
        ...p,
        Parameters: [],
        DesiredPrebuildInstances: null,
        Description: '',
        Icon: '',
      })),
    );
  });

  app.get('/api/v2/templateversions/:id/rich-parameters', (c) => {
    const template = state.templateByVersion(c.req.param('id'));
    if (!template) return notFound(c);
    return c.json(
      template.parameters.map((p) => ({
        name: p.name,
        display_name: p.name,
        description: '',
        description_plaintext: '',
        type: p.type,
        form_type: 'input',
        mutable: true,
        default_value: p.defaultValue,
        icon: '',
        options: [],
        required: p.required,
        ephemeral: false,
      })),
    );
  });
}
