import { randomBytes, randomUUID } from 'node:crypto';

/** codersdk.TaskStatus */
export type CoderTaskStatus =
  | 'pending'
  | 'initializing'
  | 'active'
  | 'paused'
  | 'unknown'
  | 'error';
/** codersdk.TaskState */
export type CoderTaskState = 'working' | 'idle' | 'complete' | 'failed';

export interface CoderTimings {
  /** How long a new task reports `pending` (no workspace build yet). */
  pendingMs: number;
  /** How long a task reports `initializing` (workspace building, agent connecting). */
  initializingMs: number;
  /** How long the agent reports `working` after the initial prompt or a send. */
  workingMs: number;
}

export interface CoderUserSeed {
  username: string;
  id?: string;
  email?: string;
  name?: string;
  /** The GitHub user id linked through Coder's GitHub external auth / OIDC. */
  githubUserId?: number;
  /** Organizations (names or ids) the user is a member of; default: the default organization. */
  organizations?: string[];
  /**
   * false: the user may not use Coder Agents (no chat permission; on 2.36 no `agents-access`
   * role): creating a chat as them is refused. Default true.
   */
  chatAccess?: boolean;
}

export interface CoderUser {
  id: string;
  username: string;
  email: string;
  name: string;
  githubUserId?: number;
  organizationIds: string[];
  chatAccess: boolean;
  createdAt: number;
}

/**
 * An API token minted through `POST /api/v2/users/{user}/keys/tokens`. The key is
 * `<id>-<secret>` (coderd/apikey Generate: a 10-character id, a 22-character secret); a
 * deleted key is kept here with `revokedAt` so tests can see it was cleaned up.
 */
export interface CoderApiToken {
  key: string;
  id: string;
  userId: string;
  tokenName: string;
  /** As requested (default `coder:all`, what postToken assigns). */
  scopes: string[];
  allowList: Array<{ type: string; id: string }>;
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

/** A rich parameter of a template version (codersdk.TemplateVersionParameter, the fields we keep). */
export interface CoderTemplateParameter {
  name: string;
  type: string;
  defaultValue: string;
  required: boolean;
}

/** A workspace created through `POST /api/v2/users/{user}/workspaces`. */
export interface WorkspaceRecord {
  id: string;
  name: string;
  ownerId: string;
  organizationId: string;
  templateId: string;
  templateVersionId: string;
  presetId: string | null;
  parameters: Array<{ name: string; value: string }>;
  buildId: string;
  buildNumber: number;
  transition: 'start' | 'stop' | 'delete';
  createdAt: number;
  deletedAt?: number;
}

export interface CoderOrganization {
  id: string;
  name: string;
  displayName: string;
  isDefault: boolean;
  createdAt: number;
}

export interface CoderPreset {
  ID: string;
  Name: string;
  Default: boolean;
}

export interface CoderTemplateSeed {
  /** Organization name or id; default "default". */
  org?: string;
  name: string;
  id?: string;
  activeVersionId?: string;
  presets?: Array<{ ID?: string; Name: string; Default?: boolean }>;
  /** Rich parameters of the active version; `required` defaults to "has no default_value". */
  parameters?: Array<{ name: string; type?: string; default_value?: string; required?: boolean }>;
}

export interface CoderTemplate {
  id: string;
  name: string;
  organizationId: string;
  activeVersionId: string;
  presets: CoderPreset[];
  parameters: CoderTemplateParameter[];
  createdAt: number;
}

/** A point on a task's timeline: from `at` on, the task has this status (and state). */
interface Phase {
  at: number;
  status: CoderTaskStatus;
  /** undefined keeps the previous current_state, null clears it. */
  state?: CoderTaskState | null;
  message?: string;
}

export interface TaskRecord {
  id: string;
  name: string;
  displayName: string;
  ownerId: string;
  organizationId: string;
  templateId: string;
  templateVersionId: string;
  presetId: string | null;
  workspaceId: string;
  workspaceAgentId: string;
  workspaceAppId: string;
  initialPrompt: string;
  createdAt: number;
  buildNumber: number;
  timeline: Phase[];
  inputs: string[];
  deletedAt?: number;
}

/** Everything the Tasks API shows about a task at one instant. */
export interface TaskView {
  status: CoderTaskStatus;
  state: { at: number; state: CoderTaskState; message: string } | null;
  updatedAt: number;
}

export const DEFAULT_ORG = 'default';
export const DEFAULT_TEMPLATE = 'task-template';

/**
 * In-memory Coder deployment. Task status is computed from each task's timeline on read, so
 * there are no background timers to leak: time only matters when somebody looks.
 */
export class CoderState {
  readonly users = new Map<string, CoderUser>();
  readonly orgs = new Map<string, CoderOrganization>();
  readonly templates = new Map<string, CoderTemplate>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly workspaces = new Map<string, WorkspaceRecord>();
  readonly tokens = new Map<string, CoderApiToken>();
  timings: CoderTimings;
  readonly now: () => number;

  constructor(timings: CoderTimings, now: () => number) {
    this.timings = timings;
    this.now = now;
  }

  addUser(seed: CoderUserSeed): CoderUser {
    const organizationIds = (
      seed.organizations ?? [...this.orgs.values()].filter((o) => o.isDefault).map((o) => o.id)
    ).map((ref) => {
      const org = this.findOrganization(ref);
      if (!org) throw new Error(`fake coder: unknown organization ${ref}`);
      return org.id;
    });
    const user: CoderUser = {
      organizationIds,
      id: seed.id ?? randomUUID(),
      username: seed.username,
      email: seed.email ?? `${seed.username}@example.com`,
      name: seed.name ?? seed.username,
      githubUserId: seed.githubUserId,
      chatAccess: seed.chatAccess ?? true,
      createdAt: this.now(),
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Username, user id, or "me" (resolved to `me`). */
  findUser(ref: string, me?: CoderUser): CoderUser | undefined {
    if (ref === 'me') return me;
    const byId = this.users.get(ref);
    if (byId) return byId;
    const lower = ref.toLowerCase();
    return [...this.users.values()].find((u) => u.username.toLowerCase() === lower);
  }

  addOrganization(seed: { name: string; id?: string; displayName?: string }): CoderOrganization {
    const org: CoderOrganization = {
      id: seed.id ?? randomUUID(),
      name: seed.name,
      displayName: seed.displayName ?? seed.name,
      isDefault: this.orgs.size === 0,
      createdAt: this.now(),
    };
    this.orgs.set(org.id, org);
    return org;
  }

  findOrganization(ref: string): CoderOrganization | undefined {
    return this.orgs.get(ref) ?? [...this.orgs.values()].find((o) => o.name === ref);
  }

  addTemplate(seed: CoderTemplateSeed): CoderTemplate {
    const org = this.findOrganization(seed.org ?? DEFAULT_ORG);
    if (!org) throw new Error(`fake coder: unknown organization ${seed.org}`);
    const presets = (seed.presets ?? []).map((p) => ({
      ID: p.ID ?? randomUUID(),
      Name: p.Name,
      Default: p.Default ?? false,
    }));
    const template: CoderTemplate = {
      id: seed.id ?? randomUUID(),
      name: seed.name,
      organizationId: org.id,
      activeVersionId: seed.activeVersionId ?? randomUUID(),
      presets,
      parameters: (seed.parameters ?? []).map((p) => ({
        name: p.name,
        type: p.type ?? 'string',
        defaultValue: p.default_value ?? '',
        required: p.required ?? p.default_value === undefined,
      })),
      createdAt: this.now(),
    };
    this.templates.set(template.id, template);
    return template;
  }

  templateByVersion(versionId: string): CoderTemplate | undefined {
    return [...this.templates.values()].find((t) => t.activeVersionId === versionId);
  }

  /** Mints an API token for `user`, shaped like Coder's `<id>-<secret>` keys. */
  mintToken(input: {
    user: CoderUser;
    tokenName: string;
    scopes: string[];
    allowList: Array<{ type: string; id: string }>;
    lifetimeMs: number;
  }) {
    const id = randomBytes(5).toString('hex');
    const now = this.now();
    const token: CoderApiToken = {
      key: `${id}-${randomBytes(11).toString('hex')}`,
      id,
      userId: input.user.id,
      tokenName: input.tokenName,
      scopes: input.scopes,
      allowList: input.allowList,
      createdAt: now,
      expiresAt: now + input.lifetimeMs,
    };
    this.tokens.set(token.key, token);
    return token;
  }

  tokenById(id: string): CoderApiToken | undefined {
    return [...this.tokens.values()].find((t) => t.id === id);
  }

  /** Live: neither deleted nor expired. */
  tokenLive(token: CoderApiToken): boolean {
    return token.revokedAt === undefined && token.expiresAt > this.now();
  }

  liveWorkspaces(): WorkspaceRecord[] {
    return [...this.workspaces.values()].filter((w) => w.deletedAt === undefined);
  }

  liveTasks(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.deletedAt === undefined);
  }

  createTask(input: {
    owner: CoderUser;
    template: CoderTemplate;
    presetId: string | null;
    prompt: string;
    name: string;
    displayName: string;
  }): TaskRecord {
    const now = this.now();
    const { pendingMs, initializingMs, workingMs } = this.timings;
    const activeAt = now + pendingMs + initializingMs;
    const task: TaskRecord = {
      id: randomUUID(),
      name: input.name,
      displayName: input.displayName,
      ownerId: input.owner.id,
      organizationId: input.template.organizationId,
      templateId: input.template.id,
      templateVersionId: input.template.activeVersionId,
      presetId: input.presetId,
      workspaceId: randomUUID(),
      workspaceAgentId: randomUUID(),
      workspaceAppId: randomUUID(),
      initialPrompt: input.prompt,
      createdAt: now,
      buildNumber: 1,
      timeline: [
        { at: now, status: 'pending', state: null },
        { at: now + pendingMs, status: 'initializing' },
        { at: activeAt, status: 'active', state: 'working', message: 'Working on the task' },
        { at: activeAt + workingMs, status: 'active', state: 'idle', message: 'Waiting for input' },
      ],
      inputs: [],
    };
    this.tasks.set(task.id, task);
    return task;
  }

  view(task: TaskRecord): TaskView {
    const now = this.now();
    let status: CoderTaskStatus = 'pending';
    let state: TaskView['state'] = null;
    let updatedAt = task.createdAt;
    for (const phase of task.timeline) {
      if (phase.at > now) break;
      status = phase.status;
      updatedAt = phase.at;
      if (phase.state === null) state = null;
      else if (phase.state !== undefined) {
        state = { at: phase.at, state: phase.state, message: phase.message ?? '' };
      }
    }
    return { status, state, updatedAt };
  }

  /** Replaces whatever the task had planned from now on with `phases` (offsets from now). */
  plan(task: TaskRecord, phases: Array<Omit<Phase, 'at'> & { afterMs: number }>): void {
    const now = this.now();
    task.timeline = task.timeline.filter((p) => p.at <= now);
    for (const { afterMs, ...phase } of phases) task.timeline.push({ at: now + afterMs, ...phase });
  }

  /** The agent takes a new input: working now, idle after workingMs. */
  startWork(task: TaskRecord, input: string): void {
    task.inputs.push(input);
    this.plan(task, [
      { afterMs: 0, status: 'active', state: 'working', message: 'Working on the new input' },
      {
        afterMs: this.timings.workingMs,
        status: 'active',
        state: 'idle',
        message: 'Waiting for input',
      },
    ]);
  }

  /** Start build on the workspace: initializing, then active and idle. */
  resume(task: TaskRecord): void {
    task.buildNumber += 1;
    this.plan(task, [
      { afterMs: 0, status: 'initializing' },
      {
        afterMs: this.timings.initializingMs,
        status: 'active',
        state: 'idle',
        message: 'Waiting for input',
      },
    ]);
  }

  /** Stop build on the workspace: paused, last reported state kept. */
  pause(task: TaskRecord): void {
    task.buildNumber += 1;
    this.plan(task, [{ afterMs: 0, status: 'paused' }]);
  }
}
