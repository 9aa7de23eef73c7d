/**
 * Workspaces a chat can be pinned to (CreateChatRequest.workspace_id, coder-research.md §10)
 * and the template data needed to create one:
 * - `POST /api/v2/users/{user}/workspaces`: codersdk CreateWorkspaceRequest (`template_id` or
 *   `template_version_id`, `template_version_preset_id?`, `name`, `rich_parameter_values?`)
 *   → 201 codersdk.Workspace (the fields the fake keeps); 409 for a name the owner already uses.
 * - `GET /api/v2/templateversions/{id}/rich-parameters`: codersdk.TemplateVersionParameter[].
 * - `POST /api/v2/workspaces/{id}/builds`: start/stop/delete, for these workspaces and for the
 *   workspaces behind 2.36 Tasks (pause and resume).
 */
import { randomUUID } from 'node:crypto';
import {
  bodyObject,
  type CoderRouteContext,
  coderError,
  forbidden,
  iso,
  NOT_FOUND_MESSAGE,
  stringField,
} from './http';
import type { CoderState, WorkspaceRecord } from './state';

// Coder's workspace name rule (codersdk.NameValid).
const NAME_RE = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;

export function registerWorkspaceRoutes({ app, state, me, isSiteOwner }: CoderRouteContext): void {
  app.get('/api/v2/templateversions/:id/rich-parameters', (c) => {
    const template = state.templateByVersion(c.req.param('id'));
    if (!template) return coderError(c, 404, NOT_FOUND_MESSAGE);
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

  app.post('/api/v2/users/:user/workspaces', (c) => {
    const caller = me(c);
    const owner = state.findUser(c.req.param('user'), caller);
    if (!owner) return coderError(c, 404, NOT_FOUND_MESSAGE);
    if (owner.id !== caller.id && !isSiteOwner(caller)) return forbidden(c);
    const body = bodyObject(c);
    const templateId = stringField(body.template_id);
    const versionId = stringField(body.template_version_id);
    const template = templateId
      ? state.templates.get(templateId)
      : versionId
        ? state.templateByVersion(versionId)
        : undefined;
    if (!template) {
      return coderError(c, 400, 'Template not found.', {
        validations: [
          { field: templateId ? 'template_id' : 'template_version_id', detail: 'unknown template' },
        ],
      });
    }
    const presetId = stringField(body.template_version_preset_id) || null;
    if (presetId && !template.presets.some((p) => p.ID === presetId)) {
      return coderError(c, 400, 'Template version preset not found.', {
        validations: [{ field: 'template_version_preset_id', detail: 'unknown preset' }],
      });
    }
    const name = stringField(body.name);
    if (!name || name.length > 32 || !NAME_RE.test(name)) {
      return coderError(c, 400, 'Invalid workspace name.', {
        validations: [
          { field: 'name', detail: 'Must be at most 32 alphanumeric characters or dashes.' },
        ],
      });
    }
    if (state.liveWorkspaces().some((w) => w.ownerId === owner.id && w.name === name)) {
      return coderError(c, 409, `Workspace "${name}" already exists.`, {
        validations: [
          { field: 'name', detail: 'This value is already in use and should be unique.' },
        ],
      });
    }
    const parameters = Array.isArray(body.rich_parameter_values)
      ? body.rich_parameter_values.map((p: { name?: unknown; value?: unknown }) => ({
          name: String(p?.name ?? ''),
          value: String(p?.value ?? ''),
        }))
      : [];
    const now = state.now();
    const workspace: WorkspaceRecord = {
      id: randomUUID(),
      name,
      ownerId: owner.id,
      organizationId: template.organizationId,
      templateId: template.id,
      templateVersionId: versionId || template.activeVersionId,
      presetId,
      parameters,
      buildId: randomUUID(),
      buildNumber: 1,
      transition: 'start',
      createdAt: now,
    };
    state.workspaces.set(workspace.id, workspace);
    return c.json(workspaceJson(state, workspace), 201);
  });

  app.get('/api/v2/workspaces/:workspace', (c) => {
    const user = me(c);
    const workspace = state.workspaces.get(c.req.param('workspace'));
    if (
      !workspace ||
      workspace.deletedAt !== undefined ||
      (workspace.ownerId !== user.id && !isSiteOwner(user))
    ) {
      return coderError(c, 404, NOT_FOUND_MESSAGE);
    }
    return c.json(workspaceJson(state, workspace));
  });

  app.post('/api/v2/workspaces/:workspace/builds', (c) => {
    const id = c.req.param('workspace');
    const task = state.liveTasks().find((t) => t.workspaceId === id);
    const workspace = state.workspaces.get(id);
    if (!task && (!workspace || workspace.deletedAt !== undefined)) {
      return coderError(c, 404, NOT_FOUND_MESSAGE);
    }
    const transition = stringField(bodyObject(c).transition);
    if (transition !== 'start' && transition !== 'stop' && transition !== 'delete') {
      return coderError(c, 400, 'Invalid transition.', {
        validations: [{ field: 'transition', detail: 'must be start, stop or delete' }],
      });
    }
    const now = state.now();
    if (task) {
      if (transition === 'start') state.resume(task);
      else if (transition === 'stop') state.pause(task);
      else task.deletedAt = now;
    }
    if (workspace) {
      workspace.transition = transition;
      workspace.buildNumber += 1;
      workspace.buildId = randomUUID();
      if (transition === 'delete') workspace.deletedAt = now;
    }
    return c.json(
      {
        id: workspace?.buildId ?? randomUUID(),
        created_at: iso(now),
        updated_at: iso(now),
        workspace_id: id,
        workspace_name: task?.name ?? workspace?.name ?? '',
        workspace_owner_id: task?.ownerId ?? workspace?.ownerId ?? '',
        template_version_id: task?.templateVersionId ?? workspace?.templateVersionId ?? '',
        build_number: task?.buildNumber ?? workspace?.buildNumber ?? 1,
        transition,
        status: 'pending',
        reason: 'initiator',
        job: { id: randomUUID(), created_at: iso(now), status: 'pending' },
      },
      201,
    );
  });
}

const BUILD_STATUS = { start: 'running', stop: 'stopped', delete: 'deleted' } as const;

/** codersdk.Workspace, the fields the fake keeps. */
export function workspaceJson(state: CoderState, w: WorkspaceRecord) {
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

export type CoderWorkspaceJson = ReturnType<typeof workspaceJson>;
