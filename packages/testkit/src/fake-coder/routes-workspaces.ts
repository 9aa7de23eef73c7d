/**
 * Workspaces a chat can be pinned to (CreateChatRequest.workspace_id, coder-research.md §10):
 * codersdk CreateWorkspaceRequest → codersdk.Workspace (the fields the fake keeps); builds
 * start/stop/delete these and the workspaces behind 2.36 Tasks (their task follows, state.ts
 * `build`).
 */
import { randomUUID } from 'node:crypto';
import { bodyOf } from '../http-fake';
import {
  type CoderRouteContext,
  coderError,
  forbidden,
  invalid,
  iso,
  notFound,
  presetOrNameRefused,
  stringField,
} from './http';
import type { CoderState, WorkspaceRecord } from './state';

export function registerWorkspaceRoutes({ app, state, me, isSiteOwner }: CoderRouteContext): void {
  app.post('/api/v2/users/:user/workspaces', (c) => {
    const caller = me(c);
    const owner = state.findUser(c.req.param('user'), caller);
    if (!owner) return notFound(c);
    if (owner.id !== caller.id && !isSiteOwner(caller)) return forbidden(c);
    const body = bodyOf(c);
    const templateId = stringField(body.template_id);
    const versionId = stringField(body.template_version_id);
    const template = templateId
      ? state.templates.get(templateId)
      : state.templateByVersion(versionId);
    if (!template) {
      const field = templateId ? 'template_id' : 'template_version_id';
      return invalid(c, 'Template not found.', field, 'unknown template');
    }
    const presetId = stringField(body.template_version_preset_id) || null;
    const name = stringField(body.name);
    const refused = presetOrNameRefused(c, template, presetId, name, 'workspace');
    if (refused) return refused;
    if (state.liveWorkspaces().some((w) => w.ownerId === owner.id && w.name === name)) {
      return coderError(c, 409, `Workspace "${name}" already exists.`, {
        validations: [
          { field: 'name', detail: 'This value is already in use and should be unique.' },
        ],
      });
    }
    const values = Array.isArray(body.rich_parameter_values) ? body.rich_parameter_values : [];
    const workspace = state.createWorkspace({
      name,
      ownerId: owner.id,
      presetId,
      template,
      versionId,
      richParameterValues: values.map((p: { name?: unknown; value?: unknown }) => ({
        name: String(p?.name ?? ''),
        value: String(p?.value ?? ''),
      })),
    });
    return c.json(workspaceJson(state, workspace), 201);
  });

  app.post('/api/v2/workspaces/:workspace/builds', (c) => {
    const workspace = state.liveWorkspaces().find((w) => w.id === c.req.param('workspace'));
    if (!workspace) return notFound(c);
    const transition = stringField(bodyOf(c).transition);
    if (transition !== 'start' && transition !== 'stop' && transition !== 'delete') {
      return invalid(c, 'Invalid transition.', 'transition', 'must be start, stop or delete');
    }
    state.build(workspace, transition);
    const now = iso(state.now());
    return c.json(
      {
        id: workspace.buildId,
        created_at: now,
        updated_at: now,
        workspace_id: workspace.id,
        workspace_name: workspace.name,
        workspace_owner_id: workspace.ownerId,
        template_version_id: workspace.templateVersionId,
        build_number: workspace.buildNumber,
        transition,
        status: 'pending',
        reason: 'initiator',
        job: { id: randomUUID(), created_at: now, status: 'pending' },
      },
      201,
    );
  });
}

const BUILD_STATUS = { start: 'running', stop: 'stopped', delete: 'deleted' } as const;

/** codersdk.Workspace, the fields the fake keeps. */
function workspaceJson(state: CoderState, w: WorkspaceRecord) {
  return {
    id: w.id,
    created_at: iso(w.createdAt),
    updated_at: iso(w.createdAt),
    name: w.name,
    owner_id: w.ownerId,
    owner_name: state.users.get(w.ownerId)?.username ?? '',
    organization_id: w.organizationId,
    template_id: w.templateId,
    latest_build: {
      id: w.buildId,
      build_number: w.buildNumber,
      template_version_id: w.templateVersionId,
      template_version_preset_id: w.presetId,
      status: BUILD_STATUS[w.transition],
      transition: w.transition,
    },
  };
}
