/**
 * Coder Tasks API (`/api/v2/tasks`, codersdk Task shapes). Only the 2.36 release serves it:
 * #28789 removed it from coderd and codersdk, so later releases answer 404 Route not found.
 */
import { randomBytes } from 'node:crypto';
import { bodyOf, type FakeContext } from '../http-fake';
import {
  type CoderRouteContext,
  coderError,
  invalid,
  iso,
  notFound,
  parseSearchQuery,
  presetOrNameRefused,
  stringField,
} from './http';
import type { CoderState, CoderTaskStatus, TaskRecord } from './state';

const READY_STATES = new Set(['idle', 'complete', 'failed']);

export function registerTaskRoutes({ app, state, me }: CoderRouteContext): void {
  /** The `{user}/{task}` of the path (id or name), if that user has it. */
  const taskOf = (c: FakeContext) => {
    const owner = state.findUser(c.req.param('user') ?? '', me(c));
    const ident = c.req.param('task');
    return state
      .liveTasks()
      .find((t) => t.ownerId === owner?.id && (t.id === ident || t.name === ident));
  };

  app.post('/api/v2/tasks/:user', (c) => {
    const owner = state.findUser(c.req.param('user'), me(c));
    if (!owner) return notFound(c);
    const body = bodyOf(c);
    const template = state.templateByVersion(stringField(body.template_version_id));
    if (!template) {
      return invalid(
        c,
        'Template version not found.',
        'template_version_id',
        'unknown template version',
      );
    }
    const presetId = stringField(body.template_version_preset_id) || null;
    const name = stringField(body.name) || `task-${randomBytes(3).toString('hex')}`;
    const refused = presetOrNameRefused(c, template, presetId, name, 'task');
    if (refused) return refused;
    if (state.liveTasks().some((t) => t.ownerId === owner.id && t.name === name)) {
      return coderError(c, 409, `A task named "${name}" already exists for this user.`);
    }
    const task = state.createTask({
      ownerId: owner.id,
      template,
      presetId,
      initialPrompt: stringField(body.input),
      name,
      displayName: stringField(body.display_name) || name,
    });
    return c.json(taskJson(state, task), 201);
  });

  app.get('/api/v2/tasks', (c) => {
    const { filters } = parseSearchQuery(c.req.query('q'));
    const owner = filters.has('owner') ? state.findUser(filters.get('owner') ?? '', me(c)) : null;
    const org = filters.has('organization')
      ? state.findOrganization(filters.get('organization') ?? '')
      : null;
    const tasks = state
      .liveTasks()
      .filter((t) => owner === null || t.ownerId === owner?.id)
      .filter((t) => org === null || state.workspaceOf(t).organizationId === org?.id)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((t) => taskJson(state, t))
      .filter((t) => !filters.has('status') || t.status === filters.get('status'));
    return c.json({ tasks, count: tasks.length });
  });

  app.get('/api/v2/tasks/:user/:task', (c) => {
    const task = taskOf(c);
    return task ? c.json(taskJson(state, task)) : notFound(c);
  });

  app.delete('/api/v2/tasks/:user/:task', (c) => {
    const task = taskOf(c);
    if (!task) return notFound(c);
    state.build(state.workspaceOf(task), 'delete');
    return c.body(null, 202);
  });

  app.post('/api/v2/tasks/:user/:task/send', (c) => {
    const task = taskOf(c);
    if (!task) return notFound(c);
    const input = stringField(bodyOf(c).input);
    if (!input) return invalid(c, 'Task input is required.', 'input', 'required');
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

/** Workspace status and agent lifecycle behind each task status. */
const WORKSPACE: Record<CoderTaskStatus, [status: string, agent: string | null]> = {
  pending: ['pending', null],
  initializing: ['starting', 'starting'],
  active: ['running', 'ready'],
  paused: ['stopped', 'off'],
  error: ['failed', 'start_error'],
  unknown: ['running', 'ready'],
};

/** codersdk.Task as the API returns it at this instant. */
export function taskJson(state: CoderState, task: TaskRecord) {
  const workspace = state.workspaceOf(task);
  const template = state.templates.get(workspace.templateId);
  const { status, state: current, updatedAt } = state.view(task);
  const hasAgent = status !== 'pending';
  return {
    id: task.id,
    organization_id: workspace.organizationId,
    owner_id: task.ownerId,
    owner_name: state.users.get(task.ownerId)?.username ?? '',
    owner_avatar_url: '',
    name: task.name,
    display_name: task.displayName,
    template_id: workspace.templateId,
    template_version_id: workspace.templateVersionId,
    template_name: template?.name ?? '',
    template_display_name: template?.name ?? '',
    template_icon: '',
    workspace_id: task.workspaceId,
    workspace_name: task.name,
    workspace_status: WORKSPACE[status][0],
    workspace_build_number: workspace.buildNumber,
    workspace_agent_id: hasAgent ? task.workspaceAgentId : null,
    workspace_agent_lifecycle: WORKSPACE[status][1],
    workspace_agent_health: hasAgent
      ? { healthy: status === 'active', reason: status === 'active' ? '' : 'not ready' }
      : null,
    workspace_app_id: hasAgent ? task.workspaceAppId : null,
    initial_prompt: task.initialPrompt,
    status,
    current_state: current && {
      timestamp: iso(current.at),
      state: current.state,
      message: current.message,
      uri: '',
    },
    created_at: iso(task.createdAt),
    updated_at: iso(updatedAt),
  };
}

export type CoderTaskJson = ReturnType<typeof taskJson>;
