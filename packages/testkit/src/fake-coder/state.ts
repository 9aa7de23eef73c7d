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
  /** A new task reports `pending` (no workspace build yet) this long, */
  pendingMs: number;
  /** then `initializing` (workspace building, agent connecting), */
  initializingMs: number;
  /** then `working` after the first prompt or a send, then idle. */
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
   * false: no chat permission (on 2.36 no `agents-access` role), so creating a chat as them is
   * refused. Default true.
   */
  chatAccess?: boolean;
}

export type CoderUser = Required<Omit<CoderUserSeed, 'organizations' | 'githubUserId'>> & {
  githubUserId?: number;
  organizationIds: string[];
  createdAt: number;
};

/**
 * A key minted through `POST /api/v2/users/{user}/keys/tokens`: `<id>-<secret>` (coderd/apikey
 * Generate: a 10-character id, a 22-character secret). A deleted key stays, with `revokedAt`.
 */
export interface CoderApiToken {
  key: string;
  id: string;
  userId: string;
  tokenName: string;
  scopes: string[];
  allowList: Array<{ type: string; id: string }>;
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

export interface CoderOrganization {
  id: string;
  name: string;
  displayName: string;
  isDefault: boolean;
  createdAt: number;
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
  presets: Array<{ ID: string; Name: string; Default: boolean }>;
  parameters: Array<{ name: string; type: string; defaultValue: string; required: boolean }>;
  createdAt: number;
}

/** A workspace: one `POST /users/{user}/workspaces` made, or the one behind a 2.36 task. */
export interface WorkspaceRecord {
  id: string;
  name: string;
  ownerId: string;
  organizationId: string;
  templateId: string;
  templateVersionId: string;
  presetId: string | null;
  richParameterValues: Array<{ name: string; value: string }>;
  /** Of the latest build. */
  transition: 'start' | 'stop' | 'delete';
  buildId: string;
  buildNumber: number;
  createdAt: number;
  deletedAt?: number;
}

/** From `at` on, the task has this status; `state` undefined keeps the last one, null clears it. */
interface Phase {
  at: number;
  status: CoderTaskStatus;
  state?: CoderTaskState | null;
  message?: string;
}

export interface TaskRecord {
  id: string;
  name: string;
  displayName: string;
  ownerId: string;
  /** Its workspace in `workspaces` (template, preset, builds). */
  workspaceId: string;
  workspaceAgentId: string;
  workspaceAppId: string;
  initialPrompt: string;
  createdAt: number;
  timeline: Phase[];
  inputs: string[];
  deletedAt?: number;
}

export const DEFAULT_ORG = 'default';
export const DEFAULT_TEMPLATE = 'task-template';
const IDLE = { status: 'active', state: 'idle', message: 'Waiting for input' } as const;

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

  constructor(
    public timings: CoderTimings,
    readonly now: () => number,
  ) {}

  addUser({ organizations, ...seed }: CoderUserSeed): CoderUser {
    const refs =
      organizations ?? [...this.orgs.values()].filter((o) => o.isDefault).map((o) => o.id);
    const user: CoderUser = {
      id: randomUUID(),
      email: `${seed.username}@example.com`,
      name: seed.username,
      chatAccess: true,
      ...seed,
      organizationIds: refs.map((ref) => this.mustOrganization(ref).id),
      createdAt: this.now(),
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Username, user id, or "me" (resolved to `me`). */
  findUser(ref: string, me?: CoderUser): CoderUser | undefined {
    if (ref === 'me') return me;
    const lower = ref.toLowerCase();
    return (
      this.users.get(ref) ??
      [...this.users.values()].find((u) => u.username.toLowerCase() === lower)
    );
  }

  addOrganization(seed: { name: string; id?: string; displayName?: string }): CoderOrganization {
    const org = {
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

  mustOrganization(ref: string): CoderOrganization {
    const org = this.findOrganization(ref);
    if (!org) throw new Error(`fake coder: unknown organization ${ref}`);
    return org;
  }

  addTemplate(seed: CoderTemplateSeed): CoderTemplate {
    const template: CoderTemplate = {
      id: seed.id ?? randomUUID(),
      name: seed.name,
      organizationId: this.mustOrganization(seed.org ?? DEFAULT_ORG).id,
      activeVersionId: seed.activeVersionId ?? randomUUID(),
      presets: (seed.presets ?? []).map((p) => ({ ID: randomUUID(), Default: false, ...p })),
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

  mintToken(
    input: Pick<CoderApiToken, 'tokenName' | 'scopes' | 'allowList' | 'userId'> & {
      lifetimeMs: number;
    },
  ): CoderApiToken {
    const { lifetimeMs, ...rest } = input;
    const id = randomBytes(5).toString('hex');
    const createdAt = this.now();
    const key = `${id}-${randomBytes(11).toString('hex')}`;
    const token = { ...rest, key, id, createdAt, expiresAt: createdAt + lifetimeMs };
    this.tokens.set(key, token);
    return token;
  }

  /** Neither deleted nor expired. */
  tokenLive(token: Pick<CoderApiToken, 'revokedAt' | 'expiresAt'>): boolean {
    return token.revokedAt === undefined && token.expiresAt > this.now();
  }

  liveWorkspaces(): WorkspaceRecord[] {
    return [...this.workspaces.values()].filter((w) => w.deletedAt === undefined);
  }

  liveTasks(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.deletedAt === undefined);
  }

  /** A workspace of `template` (its active version unless `versionId`), its first build started. */
  createWorkspace(
    input: Pick<WorkspaceRecord, 'name' | 'ownerId' | 'presetId'> & {
      template: CoderTemplate;
      versionId?: string;
      richParameterValues?: WorkspaceRecord['richParameterValues'];
    },
  ): WorkspaceRecord {
    const { template, versionId, richParameterValues = [], ...rest } = input;
    const workspace: WorkspaceRecord = {
      ...rest,
      id: randomUUID(),
      organizationId: template.organizationId,
      templateId: template.id,
      templateVersionId: versionId || template.activeVersionId,
      richParameterValues,
      transition: 'start',
      buildId: randomUUID(),
      buildNumber: 1,
      createdAt: this.now(),
    };
    this.workspaces.set(workspace.id, workspace);
    return workspace;
  }

  workspaceOf(task: TaskRecord): WorkspaceRecord {
    const workspace = this.workspaces.get(task.workspaceId);
    if (!workspace) throw new Error(`fake coder: task ${task.id} has no workspace`);
    return workspace;
  }

  createTask(
    input: Pick<TaskRecord, 'ownerId' | 'name' | 'displayName' | 'initialPrompt'> & {
      template: CoderTemplate;
      presetId: string | null;
    },
  ): TaskRecord {
    const { template, presetId, ...rest } = input;
    const { ownerId, name } = rest;
    const workspace = this.createWorkspace({ name, ownerId, presetId, template });
    const now = this.now();
    const { pendingMs, initializingMs, workingMs } = this.timings;
    const activeAt = now + pendingMs + initializingMs;
    const task: TaskRecord = {
      ...rest,
      id: randomUUID(),
      workspaceId: workspace.id,
      workspaceAgentId: randomUUID(),
      workspaceAppId: randomUUID(),
      createdAt: now,
      timeline: [
        { at: now, status: 'pending', state: null },
        { at: now + pendingMs, status: 'initializing' },
        { at: activeAt, status: 'active', state: 'working', message: 'Working on the task' },
        { at: activeAt + workingMs, ...IDLE },
      ],
      inputs: [],
    };
    this.tasks.set(task.id, task);
    return task;
  }

  /** What the Tasks API shows about a task now. */
  view(task: TaskRecord) {
    let status: CoderTaskStatus = 'pending';
    let state: { at: number; state: CoderTaskState; message: string } | null = null;
    let updatedAt = task.createdAt;
    for (const phase of task.timeline.filter((p) => p.at <= this.now())) {
      status = phase.status;
      updatedAt = phase.at;
      if (phase.state === null) state = null;
      else if (phase.state)
        state = { at: phase.at, state: phase.state, message: phase.message ?? '' };
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
    const working = {
      status: 'active',
      state: 'working',
      message: 'Working on the new input',
    } as const;
    this.plan(task, [
      { afterMs: 0, ...working },
      { afterMs: this.timings.workingMs, ...IDLE },
    ]);
  }

  /**
   * A build of the workspace. Its task, if it has one, follows: start (initializing, then idle),
   * stop (paused) or delete (the task is gone too).
   */
  build(workspace: WorkspaceRecord, transition: WorkspaceRecord['transition']): void {
    Object.assign(workspace, { transition, buildId: randomUUID() });
    workspace.buildNumber += 1;
    if (transition === 'delete') workspace.deletedAt = this.now();
    const task = this.liveTasks().find((t) => t.workspaceId === workspace.id);
    if (!task) return;
    if (transition === 'delete') task.deletedAt = this.now();
    else if (transition === 'stop') this.plan(task, [{ afterMs: 0, status: 'paused' }]);
    else {
      const { initializingMs } = this.timings;
      this.plan(task, [
        { afterMs: 0, status: 'initializing' },
        { afterMs: initializingMs, ...IDLE },
      ]);
    }
  }
}
