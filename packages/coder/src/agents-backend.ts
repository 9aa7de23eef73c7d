/**
 * Coder Agents (the Chats API): where Coder is going, and the default wherever it exists.
 *
 * Shapes follow coder/coder: codersdk/chats.go (Chat, ChatError, ChatDiffStatus,
 * CreateChatRequest), coderd/chat_routes.go (mounted at `/api/v2/chats` since v2.37, PRs
 * #28496-#28498; `/api/experimental/chats` before, removed after v2.37 by #29548), and the
 * chat state machine in coderd/x/chatd/ARCHITECTURE.md.
 *
 * Ownership: a chat is created for the requester with `owner_id` (PR #29581). Coder lets only
 * a chat's owner send it messages ("Only the chat owner may send messages.", postChatMessages)
 * and lists and watches only the caller's own chats, so every call about a requester's chat
 * is made as that user, with a short-lived token minted for them
 * (`POST /api/v2/users/{user}/keys/tokens`, codersdk/apikey.go). That right is the same one
 * Coder demands for `owner_id` (`api_key:create` for the owner). Tokens live in this process
 * only, never in workflow state. Where the deployment refuses (older release that ignores
 * `owner_id`, a token without the right), the chat runs as the token's own user and the
 * result says why (`ownerFallback`).
 */
import { hostname } from 'node:os';
import { ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type {
  AgentBackend,
  AgentError,
  AgentHandle,
  AgentPullRequest,
  AgentStatus,
  EnsureAgentInput,
  EnsureAgentResult,
} from './backend';
import { CoderHttp, type CoderHttpOptions, parseShape } from './http';
import { isRefusal, OwnerKeys, type OwnerKeysOptions } from './owner-keys';
import { resolveTemplateVersion } from './templates';
import { coderUserOfGitHubUser } from './users';

export interface AgentsBackendOptions extends CoderHttpOptions {
  /** Organization name (or id) the chats are created in. */
  organization: string;
  /** Where the Chats API is mounted (detected at start); default `/api/v2/chats`. */
  chatsPath?: string;
  /**
   * Template of a workspace created for each chat and pinned with `workspace_id`; unset:
   * the agent picks or creates its workspace with its own tools.
   */
  workspaceTemplate?: string;
  /** Preset of that template (by name); default: the template version's default preset. */
  presetName?: string;
  /** Lifetime of the tokens minted to act as a chat's owner; default 24 hours. */
  ownerTokenLifetimeMs?: number;
  /** Names the keys minted for owners (`code-factory-<worker>`); default `<host>-<pid>`. */
  worker?: string;
  /** Logs what the backend decided on its own (a Coder project it had to ignore). */
  log?: (message: string, attrs: Record<string, unknown>) => void;
  /** Keys minted, refused and revoked (the worker counts them). */
  onKeyEvent?: OwnerKeysOptions['onEvent'];
  /**
   * false: the deployment cannot create chats for other users (releases before `owner_id`,
   * coder/coder#29581), so no key is minted and every chat is the service user's. Default:
   * try, and stop trying once Coder is seen ignoring `owner_id`.
   */
  delegation?: boolean;
  now?: () => number;
}

/** The label that ties a chat to our task name (the workflow ID). */
export const TASK_LABEL = 'code-factory/task';
/** The label that names the issue: `owner/repo#42`. */
export const ISSUE_LABEL = 'code-factory/issue';

export const V2_CHATS_PATH = '/api/v2/chats';
export const EXPERIMENTAL_CHATS_PATH = '/api/experimental/chats';
export const DEFAULT_CHATS_PATH = V2_CHATS_PATH;

/** Chats per page when the chat streams' holder lists an owner's chats. */
const LIST_PAGE_SIZE = 100;
/** Pages stop past this many chats of one owner (a bound, not an expected size). */
const LIST_MAX_CHATS = 100_000;
const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  // codersdk.User.roles: the site roles (`owner`, `user-admin`); members have none.
  roles: z
    .array(z.object({ name: z.string() }).loose())
    .nullable()
    .optional(),
});
/** Site roles that can see every Coder user (rbac/roles.go). */
const SEES_USERS = new Set(['owner', 'user-admin']);
const OrganizationSchema = z.object({ id: z.string() });

/** codersdk.ChatError. Older releases sent a plain string. */
const ChatErrorSchema = z
  .object({
    message: z.string().optional(),
    detail: z.string().optional(),
    kind: z.string().optional(),
    retryable: z.boolean().optional(),
  })
  .loose();

const DiffStatusSchema = z
  .object({
    url: z.string().nullable().optional(),
    pull_request_state: z.string().nullable().optional(),
    pr_number: z.number().nullable().optional(),
    git_branch: z.string().nullable().optional(),
    remote_origin: z.string().nullable().optional(),
  })
  .loose();

export const ChatSchema = z.object({
  id: z.string(),
  owner_id: z.string().optional(),
  owner_username: z.string().optional(),
  organization_id: z.string().optional(),
  workspace_id: z.string().nullable().optional(),
  title: z.string().optional(),
  status: z.string(),
  // v2.38+: the deployment is at its concurrent-agent limit and the turn waits for a slot.
  // Single-chat reads derive it; lists and watch frames leave it out.
  queued_for_capacity: z.boolean().optional(),
  archived: z.boolean().optional().default(false),
  labels: z.record(z.string(), z.string()).nullable().optional(),
  last_error: z.union([z.string(), ChatErrorSchema]).nullable().optional(),
  last_turn_summary: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  // codersdk.ChatDiffStatus: `url` is the pull request once one is open, else the branch page.
  // The primary one; v2.39 may switch it when the agent works on another branch.
  diff_status: DiffStatusSchema.nullable().optional(),
  // v2.39: every git ref the chat tracks (`git_branch`, `remote_origin`), one status each.
  diff_statuses: z.array(DiffStatusSchema).nullable().optional(),
});
export type CoderChat = z.infer<typeof ChatSchema>;

/**
 * `GET <chats>/{chat}/cost` (codersdk.ChatCostSummary, Coder v2.39): what the whole chat tree
 * cost, from AI Gateway data (kept for its own retention, 60 days by default).
 */
export const ChatCostSchema = z.object({
  chat_id: z.string(),
  total_cost_micros: z.number().int().nonnegative(),
  request_count: z.number().int().nonnegative(),
  unpriced_request_count: z.number().int().nonnegative(),
});

/** What an agent cost so far, in plain JSON (micro-dollars: 1 000 000 = $1). */
export interface AgentCost {
  totalMicros: number;
  requests: number;
  unpriced: number;
}

const ChatListSchema = z.array(ChatSchema).nullable();
/** Where Coder serves chat projects (v2.39 early access; the Coder UI's route). */
const PROJECTS_PATH = '/api/experimental/chats/projects';
const ProjectListSchema = z
  .array(z.object({ id: z.string(), name: z.string() }).loose())
  .nullable();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SendResponseSchema = z.object({ queued: z.boolean().optional() }).loose();
const MessagesSchema = z
  .object({ queued_messages: z.array(z.unknown()).nullable().optional() })
  .loose();

/** Coder's default cap on a chat's queued messages (`--chat-max-queued-messages-per-chat`). */
export const MAX_QUEUED_MESSAGES = 20;

function queueFull(chatId: string): ExternalError {
  return new ExternalError(
    `chat ${chatId} holds ${MAX_QUEUED_MESSAGES} queued messages; the next waits until the agent takes some`,
    { kind: 'retryable', service: 'coder', status: 409, retryAfterMs: 30_000 },
  );
}
const RichParametersSchema = z.array(z.object({ name: z.string() }).loose()).nullable();
const WorkspaceSchema = z.object({ id: z.string() }).loose();

const PULL_REQUEST_URL = /\/pull\/(\d+)|\/merge_requests\/(\d+)|\/pull-requests\/(\d+)/;

/**
 * `last_error.kind` values a person must fix (codersdk ChatErrorKind): the agent cannot go
 * on until they do, so the task explains it once and waits instead of sending more.
 */
const USER_FIXABLE_KINDS: Record<string, string> = {
  usage_limit:
    'Coder stopped the agent because a usage or budget limit is reached. An administrator can raise the limit, or wait for it to reset; then the task can be retried.',
  auth: 'The AI provider refused the credentials Coder uses for this agent. A Coder administrator needs to fix the provider credentials; then the task can be retried.',
  config:
    'Coder Agents is not configured correctly for this agent (model or provider settings). A Coder administrator needs to fix the configuration; then the task can be retried.',
  missing_key:
    'No API key is configured in Coder for the AI provider this agent uses. A Coder administrator (or the agent’s owner) needs to add one; then the task can be retried.',
  provider_disabled:
    'The AI provider this agent uses is disabled in Coder. A Coder administrator needs to enable it or choose another model; then the task can be retried.',
};

/** The chat's `last_error` as the port's error, classified by kind. */
export function chatError(chat: CoderChat): AgentError {
  const raw = chat.last_error;
  const error = typeof raw === 'string' ? { message: raw } : (raw ?? {});
  const kind = error.kind ?? 'generic';
  const explanation = USER_FIXABLE_KINDS[kind];
  return {
    kind,
    message: error.message ?? 'the agent stopped with an error',
    retryable: error.retryable ?? false,
    userFixable: explanation !== undefined,
    ...(explanation ? { explanation } : {}),
  };
}

/** Maps a chat onto the port's readiness (statuses of codersdk.ChatStatus). */
export function chatReadiness(chat: CoderChat): AgentStatus {
  const pullRequest = pullRequestOf(chat);
  const pullRequests = pullRequestsOf(chat);
  const summary = chat.last_turn_summary ?? undefined;
  const status = (s: AgentStatus): AgentStatus => ({
    ...s,
    state: chat.queued_for_capacity ? QUEUED_FOR_CAPACITY : chat.status,
    ...(pullRequest ? { pullRequest, pullRequestUrl: pullRequest.url } : {}),
    ...(pullRequests.length > 1 ? { pullRequests } : {}),
    ...(summary ? { summary } : {}),
  });
  if (chat.archived) return status({ readiness: 'gone', detail: 'archived' });
  switch (chat.status) {
    case 'waiting':
    // Releases before coder/coder#27064 ended a turn in `completed`.
    case 'completed':
      return status({ readiness: 'ready', detail: chat.status });
    case 'running':
    case 'interrupting':
      return status({ readiness: 'busy', detail: chat.status });
    case 'requires_action':
      return status({ readiness: 'blocked', detail: chat.status });
    case 'error': {
      const error = chatError(chat);
      return status({
        readiness: 'error',
        detail: `error (${error.kind}): ${error.message}`,
        error,
      });
    }
    default:
      // `pending` (before #27064), `paused` (coder/coder#29215) and whatever comes next:
      // Coder queues messages for such a chat, so treat it as busy.
      return status({ readiness: 'busy', detail: chat.status });
  }
}

/** Every pull request the chat opened (v2.39 `diff_statuses`), the primary one first. */
export function pullRequestsOf(chat: CoderChat): AgentPullRequest[] {
  const primary = pullRequestOf(chat);
  const all = primary ? [primary] : [];
  for (const diff of chat.diff_statuses ?? []) {
    const pull = pullRequestOfDiff(diff);
    if (pull && !all.some((p) => p.url === pull.url)) all.push(pull);
  }
  return all;
}

/** The state a chat reports while Coder holds it for a free agent slot. */
export const QUEUED_FOR_CAPACITY = 'queued_for_capacity';

export function pullRequestOf(chat: CoderChat): AgentPullRequest | undefined {
  return pullRequestOfDiff(chat.diff_status);
}

function pullRequestOfDiff(
  diff: z.infer<typeof DiffStatusSchema> | null | undefined,
): AgentPullRequest | undefined {
  const url = diff?.url ?? undefined;
  if (!url) return undefined;
  const match = PULL_REQUEST_URL.exec(url);
  if (!diff?.pull_request_state && !match) return undefined;
  const fromUrl = match ? Number(match[1] ?? match[2] ?? match[3]) : undefined;
  const number = diff?.pr_number ?? fromUrl;
  return {
    url,
    ...(number ? { number } : {}),
    ...(diff?.pull_request_state ? { state: diff.pull_request_state } : {}),
  };
}

export class CoderAgentsBackend implements AgentBackend {
  readonly kind = 'agents' as const;
  readonly queuesWhileBusy = true;
  readonly chatsPath: string;
  private readonly http: CoderHttp;
  private readonly now: () => number;
  private organizationId?: string;
  private self?: z.infer<typeof UserSchema>;
  /** The keys minted to act as owners (one per owner in this process). */
  readonly keys: OwnerKeys;
  /** Sends Coder queued for each chat since it last took one at once (this process only). */
  private readonly queuedSends = new Map<string, number>();
  /** Whether chats are created for their requesters (see `AgentsBackendOptions.delegation`). */
  private delegating: boolean;

  constructor(private readonly options: AgentsBackendOptions) {
    this.http = new CoderHttp(options);
    this.chatsPath = (options.chatsPath ?? DEFAULT_CHATS_PATH).replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.delegating = options.delegation ?? true;
    this.keys = new OwnerKeys({
      http: this.http,
      worker: options.worker ?? `${hostname()}-${process.pid}`,
      ...(options.ownerTokenLifetimeMs ? { lifetimeMs: options.ownerTokenLifetimeMs } : {}),
      now: this.now,
      ...(options.onKeyEvent ? { onEvent: options.onKeyEvent } : {}),
    });
  }

  /**
   * The requester's Coder user (found by GitHub user id), who will own the chat. A token that
   * cannot see other users (a plain member's: RBAC hides them) finds nobody; then the chat runs
   * as the token's own user, which `ensureAgent` says on the issue.
   */
  async resolveOwner(input: { githubUserId: number; githubLogin: string }) {
    try {
      return await coderUserOfGitHubUser(this.http, input);
    } catch (err) {
      if (!isExternalError(err, 'user_fixable') || (await this.seesUsers())) throw err;
      return { owner: input.githubLogin };
    }
  }

  /** The token's own user: owner of chats created where delegation is refused. */
  async me(): Promise<z.infer<typeof UserSchema>> {
    this.self ??= await this.http.json(UserSchema, 'GET', '/api/v2/users/me');
    return this.self;
  }

  /** Whether the token's user may see every Coder user (an Owner or a user admin). */
  async seesUsers(): Promise<boolean> {
    const self = await this.me();
    return (self.roles ?? []).some((role) => SEES_USERS.has(role.name));
  }

  /**
   * A client acting as `ownerId`: the service's own for its chats, else one with the key
   * minted for that user (one per owner in this process; see OwnerKeys).
   */
  async actingAs(ownerId: string | undefined): Promise<CoderHttp> {
    const self = await this.me();
    if (!ownerId || ownerId === self.id) return this.http;
    return this.keys.client(ownerId);
  }

  /** Finds the live chat carrying all these labels among `ownerId`'s chats. */
  async findChat(labels: Record<string, string>, ownerId?: string): Promise<CoderChat | null> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(labels)) query.append('label', `${key}:${value}`);
    const response = await this.chats(ownerId, 'GET', `?${query}`);
    const chats = parseShape(ChatListSchema, response.body, `GET ${this.chatsPath}`) ?? [];
    // Filter here too: releases before the label filter list every chat.
    return (
      chats.find(
        (chat) =>
          !chat.archived && Object.entries(labels).every(([k, v]) => chat.labels?.[k] === v),
      ) ?? null
    );
  }

  async ensureAgent(input: EnsureAgentInput): Promise<EnsureAgentResult> {
    const labels = { ...input.labels, [TASK_LABEL]: input.taskName };
    checkLabels(labels);
    const self = await this.me();
    const wanted = input.ownerId && input.ownerId !== self.id ? input.ownerId : undefined;
    let ownerId = this.delegating ? wanted : undefined;
    let ownerFallback: string | undefined;
    if (ownerId) {
      try {
        await this.actingAs(ownerId);
      } catch (err) {
        if (!isRefusal(err)) throw err;
        ownerFallback = this.refusedNote(input.owner, self.username, err);
        ownerId = undefined;
      }
    }
    // Adopt: the requester's chat, or one a fallback created under the service's user.
    for (const candidate of ownerId ? [ownerId, self.id] : [self.id]) {
      const existing = await this.findChat(labels, candidate);
      if (!existing) continue;
      const fallback =
        wanted && existing.owner_id !== wanted
          ? (ownerFallback ?? this.fallbackNote(input.owner, self.username))
          : !input.ownerId && input.owner !== self.username
            ? this.hiddenNote(input.owner, self.username)
            : undefined;
      return {
        agent: this.handle(existing, input.taskName, input.owner),
        adopted: true,
        status: chatReadiness(existing),
        ...(fallback ? { ownerFallback: fallback } : {}),
      };
    }
    const organizationId = await this.resolveOrganization();
    const projectId = input.project ? await this.projectId(input.project, ownerId) : undefined;
    const workspaceId = await this.workspaceFor(input, ownerId);
    const body = {
      organization_id: organizationId,
      content: [{ type: 'text', text: input.input }],
      labels,
      ...(input.title ? { title: chatTitle(input.title) } : {}),
      ...(projectId ? { project_id: projectId } : {}),
      ...(workspaceId ? { workspace_id: workspaceId } : {}),
    };
    let response: Awaited<ReturnType<CoderHttp['request']>>;
    try {
      response = await this.chats(
        undefined,
        'POST',
        '',
        ownerId ? { ...body, owner_id: ownerId } : body,
      );
    } catch (err) {
      if (!ownerId || !isOwnerRefusal(err)) throw err;
      // Remembered for this owner: the next assignment goes straight to the service's user.
      await this.keys.refuse(ownerId, err);
      ownerFallback = `Coder refused to create the chat for \`${input.owner}\` (${coderSaid(err)}), so the agent runs as the service's Coder user \`${self.username}\`. A Coder administrator can give \`${input.owner}\` chat access (the \`agents-access\` role on releases that have it), then reassign the issue.`;
      ownerId = undefined;
      const { workspace_id: _pinned, ...withoutWorkspace } = body;
      response = await this.chats(undefined, 'POST', '', withoutWorkspace);
    }
    const created = parseShape(ChatSchema, response.body, `POST ${this.chatsPath}`);
    if (ownerId && created.owner_id && created.owner_id !== ownerId) {
      // Releases before coder/coder#29581 ignore `owner_id` without an error: stop minting
      // keys that can only list the service user's chats, and let go of this one.
      this.delegating = false;
      await this.keys.revoke(ownerId, 'owner_id ignored by this release');
      ownerFallback = this.fallbackNote(input.owner, self.username);
    }
    if (!ownerId && wanted && !ownerFallback) {
      ownerFallback = this.fallbackNote(input.owner, self.username);
    }
    if (!input.ownerId && input.owner !== self.username && !ownerFallback) {
      ownerFallback = this.hiddenNote(input.owner, self.username);
    }
    return {
      agent: this.handle(created, input.taskName, input.owner),
      adopted: false,
      status: chatReadiness(created),
      ...(ownerFallback ? { ownerFallback } : {}),
    };
  }

  async status(agent: AgentHandle): Promise<AgentStatus> {
    const chat = await this.getChat(agent);
    return chat ? chatReadiness(chat) : { readiness: 'gone', detail: 'not found' };
  }

  async getChat(agent: Pick<AgentHandle, 'id' | 'ownerId'>): Promise<CoderChat | null> {
    const response = await this.chats(agent.ownerId, 'GET', `/${enc(agent.id)}`, undefined, [404]);
    if (response.status === 404) return null;
    return parseShape(ChatSchema, response.body, `GET ${this.chatsPath}/{chat}`);
  }

  /**
   * What the chat (its whole tree) cost so far, or null when this Coder has no cost data for
   * it: a release without the route (404), no AI Gateway or no permission to read it (403).
   * Never an error that should hold anything up: a cost is something to show, not to wait for.
   */
  async chatCost(agent: Pick<AgentHandle, 'id' | 'ownerId'>): Promise<AgentCost | null> {
    const response = await this.chats(
      agent.ownerId,
      'GET',
      `/${enc(agent.id)}/cost`,
      undefined,
      [403, 404],
    );
    if (response.status === 403 || response.status === 404) return null;
    const cost = parseShape(ChatCostSchema, response.body, `GET ${this.chatsPath}/{chat}/cost`);
    return {
      totalMicros: cost.total_cost_micros,
      requests: cost.request_count,
      unpriced: cost.unpriced_request_count,
    };
  }

  /**
   * The unarchived chats of `ownerId` (the service's own user when absent) that carry `label`,
   * read page by page (coderd listChats: ParsePagination `limit`/`offset`, newest first). Coder
   * filters labels only by key and value, so the key is matched here.
   */
  async listLabelledChats(
    label: string,
    ownerId?: string,
    pageSize = LIST_PAGE_SIZE,
  ): Promise<CoderChat[]> {
    const found: CoderChat[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const response = await this.chats(ownerId, 'GET', `?limit=${pageSize}&offset=${offset}`);
      const page = parseShape(ChatListSchema, response.body, `GET ${this.chatsPath}`) ?? [];
      for (const chat of page) if (!chat.archived && chat.labels?.[label]) found.push(chat);
      // A short page is the last; so is a release that ignores `limit` and sends everything.
      if (page.length < pageSize || page.length > pageSize || offset >= LIST_MAX_CHATS) break;
    }
    return found;
  }

  /** Chats have no paused state to leave. */
  async resume(_agent: AgentHandle): Promise<void> {}

  /**
   * Sends as the chat's owner. Coder keeps at most `MAX_QUEUED_MESSAGES` queued messages per chat
   * (v2.39 `--chat-max-queued-messages-per-chat`): past as many queued sends, the queue is read
   * before another goes, and a full queue is a retryable wait, so the comments stay in the
   * workflow's inbox and go together, as one message, once the agent took some.
   */
  async send(agent: AgentHandle, text: string) {
    const queuedBefore = this.queuedSends.get(agent.id) ?? 0;
    if (queuedBefore >= MAX_QUEUED_MESSAGES) {
      const queued = await this.queueLength(agent);
      this.queuedSends.set(agent.id, queued);
      if (queued >= MAX_QUEUED_MESSAGES) throw queueFull(agent.id);
    }
    const response = await this.chats(
      agent.ownerId,
      'POST',
      `/${enc(agent.id)}/messages`,
      { content: [{ type: 'text', text }] },
      [409],
    );
    if (response.status === 409) {
      this.queuedSends.set(agent.id, MAX_QUEUED_MESSAGES);
      throw queueFull(agent.id);
    }
    const sent = parseShape(SendResponseSchema, response.body, 'POST chat messages');
    const queued = sent.queued ?? false;
    if (queued) this.queuedSends.set(agent.id, (this.queuedSends.get(agent.id) ?? 0) + 1);
    else this.queuedSends.delete(agent.id);
    if (this.queuedSends.size > 10_000) this.queuedSends.clear();
    return { queued };
  }

  /** Messages Coder holds for the chat now (`GET …/messages`: `queued_messages`). */
  private async queueLength(agent: AgentHandle): Promise<number> {
    const response = await this.chats(agent.ownerId, 'GET', `/${enc(agent.id)}/messages?limit=1`);
    const body = parseShape(MessagesSchema, response.body, 'GET chat messages');
    return body.queued_messages?.length ?? 0;
  }

  /**
   * Archives the chat. Coder refuses to archive a busy chat (409 "Cannot archive an active
   * chat", patchChat), so a running one is interrupted first and archived once it settled;
   * the result is read back to be sure.
   */
  async close(agent: AgentHandle, settle = { attempts: 40, delayMs: 250 }) {
    const refusal = agent.ownerId ? this.keys.refusalOf(agent.ownerId) : undefined;
    if (refusal) {
      // Coder no longer lets the service act for the chat's owner (the user was deleted or
      // hidden from the token): nothing of theirs can be archived through the API.
      return { existed: false };
    }
    for (let attempt = 0; ; attempt++) {
      const chat = await this.getChat(agent);
      if (!chat || chat.archived) return { existed: attempt > 0 };
      const busy = ['running', 'interrupting', 'requires_action'].includes(chat.status);
      if (busy && attempt >= settle.attempts) {
        throw new ExternalError(`chat ${agent.id} stayed ${chat.status}; it cannot be archived`, {
          kind: 'retryable',
          service: 'coder',
        });
      }
      if (chat.status === 'running' || chat.status === 'requires_action') {
        await this.interrupt(agent);
      }
      if (busy) {
        await delay(settle.delayMs);
        continue;
      }
      const patched = await this.chats(
        agent.ownerId,
        'PATCH',
        `/${enc(agent.id)}`,
        { archived: true },
        [400, 404, 409],
      );
      // 409: it started running again in between; 400: archived meanwhile. Look again.
      if (patched.status === 404) return { existed: attempt > 0 };
      if (patched.status !== 204 && patched.status !== 200) await delay(settle.delayMs);
      const after = await this.getChat(agent);
      if (!after || after.archived) {
        await this.deleteWorkspace(chat.workspace_id ?? undefined);
        return { existed: true };
      }
    }
  }

  /** Stops the current turn; a chat with nothing running (409) is left as it is. */
  async interrupt(agent: AgentHandle): Promise<void> {
    await this.chats(agent.ownerId, 'POST', `/${enc(agent.id)}/interrupt`, undefined, [409]);
  }

  /** Every Chats API call goes through here, so their failures are explained in one place. */
  private async chats(
    ownerId: string | undefined,
    method: string,
    rest: string,
    body?: unknown,
    accept?: number[],
  ) {
    const path = `${this.chatsPath}${rest}`;
    try {
      const http = await this.actingAs(ownerId);
      try {
        return await http.request(method, path, { body, accept });
      } catch (err) {
        // A minted token that Coder no longer accepts (revoked, expired early): mint again.
        if (!ownerId || http === this.http || !isExternalError(err) || err.status !== 401) {
          throw err;
        }
        await this.keys.discard(ownerId, http);
        return await (await this.actingAs(ownerId)).request(method, path, { body, accept });
      }
    } catch (err) {
      throw this.explain(err, rest);
    }
  }

  private explain(err: unknown, rest: string): unknown {
    if (!isExternalError(err)) return err;
    const collection = rest === '' || rest.startsWith('?');
    const said = coderSaid(err);
    if (err.status === 404 && collection) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: 404,
        cause: err,
        userMessage: `This Coder deployment does not serve Coder Agents at \`${this.chatsPath}\` (any more). The operators need to restart the worker with \`CODER_BACKEND=auto\` so it detects what the deployment offers.`,
      });
    }
    if (err.status === 503 && /AI Gateway/i.test(said)) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: 503,
        cause: err,
        userMessage:
          'Coder Agents is switched off on this Coder deployment (its AI Gateway is disabled). A Coder administrator needs to enable it (`CODER_AI_GATEWAY_ENABLED=true`).',
      });
    }
    if (err.status === 403) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: 403,
        cause: err,
        userMessage: `Coder refused the service's request (${said}). A Coder administrator needs to give the service's Coder user the Owner role, or at least chat access in the organization.`,
      });
    }
    return err;
  }

  private refusedNote(owner: string, self: string, err: unknown): string {
    return `Coder did not let the service act for \`${owner}\` (${coderSaid(err)}), so the agent runs as the service's Coder user \`${self}\`. A Coder administrator can give the service's Coder user the Owner role (or make it an owner-level service account) so agents run as the people who assign them.`;
  }

  /** resolveOwner could not see the requester: the token's user sees no other Coder user. */
  private hiddenNote(requester: string, self: string): string {
    return `The service's Coder user \`${self}\` is not an Owner or user admin, so it cannot see other Coder users or create chats for them, and the agent runs as the service's Coder user \`${self}\` instead of \`${requester}\`'s. A Coder administrator can give the service's user the Owner role (or use an owner-level service account) so agents run as the people who assign them.`;
  }

  private fallbackNote(owner: string, self: string): string {
    return `This Coder release cannot create a chat for another user, so the agent runs as the service's Coder user \`${self}\` instead of \`${owner}\`. Coder v2.38 (or a v2.37 with owner_id) fixes this.`;
  }

  /**
   * The id of a Coder project (v2.39 early access) named in the repo config: an id as it is, a
   * name looked up among the projects the chat's owner sees. A deployment without projects
   * (404) or without that project ignores the key, said once per project in the log.
   */
  private async projectId(project: string, ownerId: string | undefined) {
    if (UUID.test(project)) return project;
    try {
      const response = await (await this.actingAs(ownerId)).request('GET', PROJECTS_PATH);
      const list = parseShape(ProjectListSchema, response.body, `GET ${PROJECTS_PATH}`);
      const found = list?.find((p) => p.name === project);
      if (found) return found.id;
      this.notice(`coder project ignored: no project named ${project}`, project);
    } catch (err) {
      if (!isExternalError(err) || (err.status !== 404 && err.status !== 403)) throw err;
      this.notice(`coder project ignored: Coder answered ${err.status} listing projects`, project);
    }
    return undefined;
  }

  private readonly noticed = new Set<string>();
  private notice(message: string, key: string): void {
    if (this.noticed.has(key)) return;
    this.noticed.add(key);
    this.options.log?.(message, { project: key });
  }

  /** Creates (or finds) the issue's workspace from the configured template, for the owner. */
  private async workspaceFor(
    input: EnsureAgentInput,
    ownerId: string | undefined,
  ): Promise<string | undefined> {
    const templateName = this.options.workspaceTemplate;
    if (!templateName) return undefined;
    const { versionId, presetId } = await resolveTemplateVersion(this.http, {
      organization: this.options.organization,
      templateName,
      ...(this.options.presetName ? { presetName: this.options.presetName } : {}),
      setting: 'CODER_AGENTS_TEMPLATE_NAME',
    });
    const version = enc(versionId);
    // Only the parameters the template declares: a template that does not know one would
    // refuse the build.
    const declared = new Set(
      (
        (await this.http.json(
          RichParametersSchema,
          'GET',
          `/api/v2/templateversions/${version}/rich-parameters`,
        )) ?? []
      ).map((p) => p.name),
    );
    const values = Object.entries(input.parameters ?? {})
      .filter(([name]) => declared.has(name))
      .map(([name, value]) => ({ name, value }));
    const user = ownerId ? enc(ownerId) : 'me';
    const response = await this.http.request('POST', `/api/v2/users/${user}/workspaces`, {
      body: {
        template_version_id: versionId,
        ...(presetId ? { template_version_preset_id: presetId } : {}),
        name: input.taskName,
        rich_parameter_values: values,
      },
      accept: [409],
    });
    if (response.status !== 409) {
      return parseShape(WorkspaceSchema, response.body, 'POST workspaces').id;
    }
    // Created by an earlier attempt: the workspace is named after the task.
    const existing = await this.http.json(
      WorkspaceSchema,
      'GET',
      `/api/v2/users/${user}/workspace/${enc(input.taskName)}`,
    );
    return existing.id;
  }

  /** Deletes the workspace pinned to a closed chat, when we created it (named after the task). */
  private async deleteWorkspace(workspaceId: string | undefined) {
    if (!workspaceId || !this.options.workspaceTemplate) return;
    await this.http.request('POST', `/api/v2/workspaces/${enc(workspaceId)}/builds`, {
      body: { transition: 'delete' },
      accept: [404, 409],
    });
  }

  private async resolveOrganization(): Promise<string> {
    if (this.organizationId) return this.organizationId;
    const name = this.options.organization;
    try {
      const org = await this.http.json(
        OrganizationSchema,
        'GET',
        `/api/v2/organizations/${enc(name)}`,
      );
      this.organizationId = org.id;
      return org.id;
    } catch (err) {
      if (isExternalError(err, 'not_found')) {
        throw new ExternalError(`organization ${name} not found`, {
          kind: 'user_fixable',
          service: 'coder',
          status: 404,
          userMessage: `The Coder organization \`${name}\` does not exist, or the service's Coder user is not a member of it. An administrator needs to fix the configured organization or the membership.`,
        });
      }
      throw err;
    }
  }

  private handle(chat: CoderChat, name: string, requester: string): AgentHandle {
    const ownerId = chat.owner_id;
    const owner =
      chat.owner_username ??
      (ownerId && ownerId === this.self?.id ? this.self.username : requester);
    return {
      backend: 'agents',
      id: chat.id,
      owner,
      ...(ownerId ? { ownerId } : {}),
      name,
      url: `${this.http.baseUrl}/agents/${enc(chat.id)}`,
    };
  }
}

/** `owner_id` refused: 403 (no `api_key:create` for the owner) or 400 about the owner. */
function isOwnerRefusal(err: unknown): err is ExternalError {
  if (!isExternalError(err)) return false;
  return (
    err.status === 403 ||
    err.status === 404 ||
    (err.status === 400 && /owner|permission/i.test(err.message))
  );
}

/** Coder's limit on a chat's title (CreateChatRequest.title). */
export const MAX_TITLE_LENGTH = 200;

/** The title within Coder's limit, cut at a character, not inside a surrogate pair. */
export function chatTitle(title: string): string {
  const chars = [...title.replace(/\s+/g, ' ').trim()];
  return chars.length <= MAX_TITLE_LENGTH
    ? chars.join('')
    : `${chars.slice(0, MAX_TITLE_LENGTH - 1).join('')}…`;
}

/** Coder's label rules (codersdk chat labels): at most 50; key ≤ 64 bytes, value ≤ 256. */
const LABEL_KEY = /^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/;
export const MAX_LABELS = 50;

/** Refuses labels Coder would refuse, naming the label, before anything is created. */
export function checkLabels(labels: Record<string, string>): void {
  const entries = Object.entries(labels);
  const bad = (why: string) =>
    new ExternalError(`chat labels: ${why}`, { kind: 'rejected', service: 'coder' });
  if (entries.length > MAX_LABELS) throw bad(`${entries.length} labels, at most ${MAX_LABELS}`);
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > 64 || !LABEL_KEY.test(key)) {
      throw bad(`key ${JSON.stringify(key.slice(0, 80))} is not a valid label key`);
    }
    if (Buffer.byteLength(value) > 256) throw bad(`value of ${key} is over 256 bytes`);
  }
}

/** Coder's own words, without our "Coder GET /api/... answered 400: " prefix. */
function coderSaid(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^.*? answered \d+: /, '');
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
