/**
 * Coder Tasks (`/api/v2/tasks`): the API the original service used. A task is created for
 * the requester's Coder user (found by GitHub user id) from a template and preset, with the
 * brief as its input. Input is accepted only when the task is ready (see `readinessOf`).
 */
import { ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type { AgentBackend, AgentHandle, AgentStatus, EnsureAgentInput } from './backend';
import { CoderHttp, type CoderHttpOptions } from './http';
import { resolveTemplateVersion } from './templates';
import { coderUserOfGitHubUser } from './users';

export interface TasksBackendOptions extends CoderHttpOptions {
  organization: string;
  templateName: string;
  presetName?: string;
}

export const TaskSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner_name: z.string(),
  status: z.string(),
  workspace_id: z.string().nullable().optional(),
  current_state: z
    .object({ state: z.string(), message: z.string().optional(), uri: z.string().optional() })
    .nullable()
    .optional(),
});
export type CoderTask = z.infer<typeof TaskSchema>;

const TaskListSchema = z.object({ tasks: z.array(TaskSchema).nullable() });

/** Input is accepted in these states; `failed` means the last turn errored but the agent waits. */
const READY_STATES = new Set(['idle', 'complete', 'completed', 'failed']);

export function readinessOf(task: CoderTask): AgentStatus {
  const state = task.current_state?.state;
  const detail = state ? `${task.status}/${state}` : task.status;
  switch (task.status) {
    case 'active':
      if (state && READY_STATES.has(state)) return { readiness: 'ready', detail };
      if (state === 'working') return { readiness: 'busy', detail };
      return { readiness: 'starting', detail };
    case 'pending':
    case 'initializing':
      return { readiness: 'starting', detail };
    case 'paused':
      return { readiness: 'paused', detail };
    default:
      return { readiness: 'error', detail };
  }
}

export class CoderTasksBackend implements AgentBackend {
  readonly kind = 'tasks' as const;
  readonly queuesWhileBusy = false;
  private readonly http: CoderHttp;

  constructor(private readonly options: TasksBackendOptions) {
    this.http = new CoderHttp(options);
  }

  resolveOwner(input: { githubUserId: number; githubLogin: string }) {
    return coderUserOfGitHubUser(this.http, input);
  }

  async findTask(owner: string, name: string): Promise<CoderTask | null> {
    // The list endpoint cannot filter by name: filter by owner there and by name here.
    const query = encodeURIComponent(`owner:"${owner}"`);
    const list = await this.http.json(TaskListSchema, 'GET', `/api/v2/tasks?q=${query}`);
    return list.tasks?.find((task) => task.name === name) ?? null;
  }

  async ensureAgent(input: EnsureAgentInput) {
    const existing = await this.findTask(input.owner, input.taskName);
    if (existing) return { agent: this.handle(existing), adopted: true };
    const { versionId, presetId } = await this.resolveTemplate(input.templateName);
    try {
      const created = await this.http.json(
        TaskSchema,
        'POST',
        `/api/v2/tasks/${enc(input.owner)}`,
        {
          template_version_id: versionId,
          ...(presetId ? { template_version_preset_id: presetId } : {}),
          input: input.input,
          name: input.taskName,
        },
      );
      return { agent: this.handle(created), adopted: false };
    } catch (err) {
      if (isExternalError(err) && err.status === 409) {
        // Created by a concurrent attempt (e.g. a retried activity): adopt it.
        const raced = await this.findTask(input.owner, input.taskName);
        if (raced) return { agent: this.handle(raced), adopted: true };
      }
      throw explainCreateFailure(err, input.owner);
    }
  }

  async status(agent: AgentHandle): Promise<AgentStatus> {
    const task = await this.getTask(agent);
    return task ? readinessOf(task) : { readiness: 'gone', detail: 'deleted' };
  }

  async resume(agent: AgentHandle): Promise<void> {
    const task = await this.getTask(agent);
    if (!task?.workspace_id) {
      throw new ExternalError(`task ${agent.name} has no workspace to resume`, {
        kind: 'rejected',
        service: 'coder',
      });
    }
    await this.http.request('POST', `/api/v2/workspaces/${enc(task.workspace_id)}/builds`, {
      body: { transition: 'start' },
    });
  }

  async send(agent: AgentHandle, text: string) {
    await this.http.request('POST', `/api/v2/tasks/${enc(agent.owner)}/${enc(agent.id)}/send`, {
      body: { input: text },
    });
    return { queued: false };
  }

  async close(agent: AgentHandle) {
    const response = await this.http.request(
      'DELETE',
      `/api/v2/tasks/${enc(agent.owner)}/${enc(agent.id)}`,
      { accept: [404] },
    );
    return { existed: response.status !== 404 };
  }

  private async getTask(agent: AgentHandle): Promise<CoderTask | null> {
    const response = await this.http.request(
      'GET',
      `/api/v2/tasks/${enc(agent.owner)}/${enc(agent.id)}`,
      { accept: [404] },
    );
    if (response.status === 404) return null;
    return TaskSchema.parse(response.body);
  }

  private resolveTemplate(templateName = this.options.templateName) {
    return resolveTemplateVersion(this.http, {
      organization: this.options.organization,
      templateName,
      ...(this.options.presetName ? { presetName: this.options.presetName } : {}),
    });
  }

  private handle(task: CoderTask): AgentHandle {
    return {
      backend: 'tasks',
      id: task.id,
      owner: task.owner_name,
      name: task.name,
      url: `${this.http.baseUrl}/tasks/${enc(task.owner_name)}/${enc(task.id)}`,
    };
  }
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

function explainCreateFailure(err: unknown, owner: string): unknown {
  if (!isExternalError(err)) return err;
  if (err.status === 403) {
    return new ExternalError(err.message, {
      kind: 'user_fixable',
      service: 'coder',
      status: 403,
      userMessage: `The service may not create a Coder task for \`${owner}\`. A Coder administrator needs to give the service's token permission to create tasks for other users.`,
    });
  }
  if (
    /limit/i.test(err.message) &&
    (err.status === 409 || err.status === 429 || err.status === 402)
  ) {
    return new ExternalError(err.message, {
      kind: 'user_fixable',
      service: 'coder',
      status: err.status,
      userMessage: `Coder refused to start an agent for \`${owner}\` because a usage or spend limit is reached. Raise the limit or wait for it to reset, then retry.`,
    });
  }
  return err;
}
