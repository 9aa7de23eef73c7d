/**
 * Coder Tasks API (`/api/v2/tasks`, codersdk Task shapes). Only the 2.36 release serves it:
 * #28789 removed it from coderd and codersdk, so later releases answer 404 Route not found.
 */
import { randomBytes } from 'node:crypto';
import type { FakeContext } from '../http-fake';
import {
  bodyObject,
  type CoderRouteContext,
  coderError,
  iso,
  NOT_FOUND_MESSAGE,
  parseSearchQuery,
  stringField,
} from './http';
import type { CoderState, CoderTaskStatus, CoderUser, TaskRecord } from './state';

// Coder's workspace/task name rule (codersdk.NameValid).
const NAME_RE = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;
const READY_STATES = new Set(['idle', 'complete', 'failed']);

export function registerTaskRoutes({ app, state, me }: CoderRouteContext): void {
  const ownerOf = (c: FakeContext, ref: string) => state.findUser(ref, me(c));
  const findTask = (owner: CoderUser, ident: string) =>
    state.liveTasks().find((t) => t.ownerId === owner.id && (t.id === ident || t.name === ident));

  app.post('/api/v2/tasks/:user', (c) => {
    const owner = ownerOf(c, c.req.param('user'));
    if (!owner) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const body = bodyObject(c);
    const versionId = stringField(body.template_version_id);
    const template = versionId ? state.templateByVersion(versionId) : undefined;
    if (!template) {
      return coderError(c, 400, 'Template version not found.', {
        validations: [{ field: 'template_version_id', detail: 'unknown template version' }],
      });
    }
    const presetId = stringField(body.template_version_preset_id) || null;
    if (presetId && !template.presets.some((p) => p.ID === presetId)) {
      return coderError(c, 400, 'Template version preset not found.', {
        validations: [{ field: 'template_version_preset_id', detail: 'unknown preset' }],
      });
    }
    const name = stringField(body.name) || `task-${randomBytes(3).toString('hex')}`;
    if (name.length > 32 || !NAME_RE.test(name)) {
      return coderError(c, 400, 'Invalid task name.', {
        validations: [
          { field: 'name', detail: 'Must be at most 32 alphanumeric characters or dashes.' },
        ],
      });
    }
    if (state.liveTasks().some((t) => t.ownerId === owner.id && t.name === name)) {
      return coderError(c, 409, `A task named "${name}" already exists for this user.`);
    }
    const task = state.createTask({
      owner,
      template,
      presetId,
      prompt: stringField(body.input),
      name,
      displayName: stringField(body.display_name) || name,
    });
    return c.json(taskJson(state, task), 201);
  });

  app.get('/api/v2/tasks', (c) => {
    const { filters } = parseSearchQuery(c.req.query('q'));
    let tasks = state.liveTasks();
    const ownerRef = filters.get('owner');
    if (ownerRef !== undefined) {
      const owner = ownerOf(c, ownerRef);
      tasks = tasks.filter((t) => t.ownerId === owner?.id);
    }
    const org = filters.get('organization');
    if (org !== undefined) {
      const found = state.findOrganization(org);
      tasks = tasks.filter((t) => t.organizationId === found?.id);
    }
    const views = tasks
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((t) => taskJson(state, t))
      .filter((t) => !filters.has('status') || t.status === filters.get('status'));
    return c.json({ tasks: views, count: views.length });
  });

  app.get('/api/v2/tasks/:user/:task', (c) => {
    const owner = ownerOf(c, c.req.param('user'));
    const task = owner && findTask(owner, c.req.param('task'));
    if (!task) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(taskJson(state, task));
  });

  app.delete('/api/v2/tasks/:user/:task', (c) => {
    const owner = ownerOf(c, c.req.param('user'));
    const task = owner && findTask(owner, c.req.param('task'));
    if (!task) return coderError(c, 404, NOT_FOUND_MESSAGE);
    task.deletedAt = state.now();
    return c.body(null, 202);
  });

  app.post('/api/v2/tasks/:user/:task/send', (c) => {
    const owner = ownerOf(c, c.req.param('user'));
    const task = owner && findTask(owner, c.req.param('task'));
    if (!task) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const input = stringField(bodyObject(c).input);
    if (!input) {
      return coderError(c, 400, 'Task input is required.', {
        validations: [{ field: 'input', detail: 'required' }],
      });
    }
    const view = state.view(task);
    if (view.status !== 'active' || !view.state || !READY_STATES.has(view.state.state)) {
      return coderError(c, 409, 'Task is not ready to accept input.', {
        detail: `status=${view.status} state=${view.state?.state ?? 'none'}`,
      });
    }
    state.startWork(task, input);
    return c.body(null, 204);
  });
}

const WORKSPACE_STATUS: Record<CoderTaskStatus, string> = {
  pending: 'pending',
  initializing: 'starting',
  active: 'running',
  paused: 'stopped',
  error: 'failed',
  unknown: 'running',
};

const AGENT_LIFECYCLE: Record<CoderTaskStatus, string | null> = {
  pending: null,
  initializing: 'starting',
  active: 'ready',
  paused: 'off',
  error: 'start_error',
  unknown: 'ready',
};

/** codersdk.Task as the API returns it at this instant. */
export function taskJson(state: CoderState, task: TaskRecord) {
  const owner = state.users.get(task.ownerId);
  const template = state.templates.get(task.templateId);
  const view = state.view(task);
  const hasAgent = view.status !== 'pending';
  return {
    id: task.id,
    organization_id: task.organizationId,
    owner_id: task.ownerId,
    owner_name: owner?.username ?? '',
    owner_avatar_url: '',
    name: task.name,
    display_name: task.displayName,
    template_id: task.templateId,
    template_version_id: task.templateVersionId,
    template_name: template?.name ?? '',
    template_display_name: template?.name ?? '',
    template_icon: '',
    workspace_id: task.workspaceId,
    workspace_name: task.name,
    workspace_status: WORKSPACE_STATUS[view.status],
    workspace_build_number: task.buildNumber,
    workspace_agent_id: hasAgent ? task.workspaceAgentId : null,
    workspace_agent_lifecycle: AGENT_LIFECYCLE[view.status],
    workspace_agent_health: hasAgent
      ? { healthy: view.status === 'active', reason: view.status === 'active' ? '' : 'not ready' }
      : null,
    workspace_app_id: hasAgent ? task.workspaceAppId : null,
    initial_prompt: task.initialPrompt,
    status: view.status,
    current_state: view.state
      ? {
          timestamp: iso(view.state.at),
          state: view.state.state,
          message: view.state.message,
          uri: '',
        }
      : null,
    created_at: iso(task.createdAt),
    updated_at: iso(view.updatedAt),
  };
}

export type CoderTaskJson = ReturnType<typeof taskJson>;
