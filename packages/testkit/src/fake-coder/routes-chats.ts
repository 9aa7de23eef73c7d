/**
 * Coder Agents Chats API, mounted per release (release.ts). Shapes and answers follow:
 * - codersdk/chats.go (C1 004053e8): Chat, ChatError, ChatDiffStatus, ChatMessage,
 *   ChatQueuedMessage, CreateChatRequest, CreateChatMessageRequest/Response, UpdateChatRequest.
 * - coderd/chat_routes.go after #29548: `/api/v2/chats` only, no experiment gating; the
 *   dual-mount version (#28496) for 2.37.
 * - owner_id on create: #29581 (main) / #29683 (2.37 backport, not modelled: 2.37 ignores it);
 *   delegation needs site-owner rights (403 httpapi.Forbidden otherwise), the owner must be an
 *   org member (400).
 * - List: searchquery.Chats (search.go 00a4758a) for `q`, repeated `label=k:v` (AND), owned and
 *   unarchived by default; `limit`/`offset` per ParsePagination (chats.go listChats).
 * - PATCH archive and POST interrupt: exp_chats.go patchChat / interruptChat (C1); title and
 *   labels are written before the archive check, as there.
 * - Send: exp_chats.go postChatMessages (owner-only 403, archived 400, busy → queued).
 * - Usage limits: no synchronous 409 since #27329; see chats-state.ts.
 * - Watch: exp_chats.go watchChats; see watch.ts.
 * - 2.39 (coder.com/docs/v2.39/reference/api/chats: create-chat, get-chat-diff-contents,
 *   reconcile-invalid-chat-state's Chat schema): CreateChatRequest `title` (trimmed, 1..200 code
 *   points, else 400), `project_id`, optional `content` (empty: created idle); Chat
 *   `diff_statuses` + `diff_status` (primary), `project_id`. From coder.com's current API
 *   reference (list-chats, get-chat-cost; absent from the v2.37 reference, the v2.39 pages not
 *   read): the list's `q=status:<s>[,<s>]` (waiting|running|error|requires_action|interrupting),
 *   `pr_status:none` (no pull request) and `project_id` query parameter; `GET /chats/{chat}/cost`
 *   `{ chat_id, total_cost_micros, request_count, unpriced_request_count }`.
 * - Queue limit (2.39): chatd Limits.MaxQueuedMessagesPerChat, `--chat-max-queued-messages-per-chat`
 *   (default 20, coder/coder#28927). The answer to one message more (409 below) is NOT verified
 *   against Coder's source.
 * - Chat access: a caller without chat permission gets 403 httpapi.Forbidden (RBAC on create; on
 *   2.36 the `agents-access` role); a delegated owner without it (chat:create, read and update)
 *   gets 400 "Chat owner does not have permission to use chats." (coder/coder#29684).
 * - queued_for_capacity: codersdk Chat at C1 ("Single-chat reads derive it; list responses leave
 *   it false"), so only GET /chats/{chat} sets it.
 */
import type { MiddlewareHandler } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import {
  type ChatDiff,
  type ChatError,
  type ChatEventDetail,
  type ChatMessageRecord,
  type ChatRecord,
  type ChatsState,
  type ChatWatchEventKind,
  type CoderChatStatus,
  isBusy,
} from './chats-state';
import {
  bodyObject,
  type CoderRouteContext,
  coderError,
  forbidden,
  iso,
  NIL_UUID,
  NOT_FOUND_MESSAGE,
  parseSearchQuery,
  routeNotFound,
  UUID_RE,
} from './http';
import type { ProjectsState } from './projects';
import type { ReleaseTraits } from './release';
import type { CoderOrganization, CoderState, CoderUser } from './state';
import type { WatchHub } from './watch';

/** Deployment-wide switches a test flips to see how the service copes. */
export interface ChatSwitches {
  /** false: the deployment has no Coder Agents; every chats route answers 404. */
  enabled: boolean;
  /** Queued messages a chat may hold (2.39); one more is refused. */
  maxQueuedMessages: number;
}

export interface ChatRouteContext extends CoderRouteContext {
  chats: ChatsState;
  switches: ChatSwitches;
  release: ReleaseTraits;
  watch: WatchHub;
  projects: ProjectsState;
}

// coderd/httpapi ValidateChatLabels.
const LABEL_KEY_RE = /^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/;
const MAX_LABELS = 50;
/** searchquery.Chats keys; archived, title, pr_status (and status on 2.39) filter. */
const CHAT_QUERY_KEYS = new Set([
  'title',
  'archived',
  'has_unread',
  'pr_status',
  'source',
  'diff_url',
  'pr',
  'repo',
  'pr_title',
  'search',
]);
const CHAT_STATUSES = new Set(['waiting', 'running', 'error', 'requires_action', 'interrupting']);
const MEMBER_MESSAGE = 'Chat owner must be an active member of the organization.';
const NO_CHAT_ACCESS_MESSAGE = 'Chat owner does not have permission to use chats.';
/** MaxChatTitleRunes */
const MAX_TITLE_RUNES = 200;
const WORKSPACE_MESSAGE = 'Workspace not found or you do not have access to this resource';

export function registerChatRoutes(ctx: ChatRouteContext): void {
  for (const mount of ctx.release.chatMounts) registerMount(ctx, mount);
}

function registerMount(ctx: ChatRouteContext, mount: string): void {
  const { app, state, me, isSiteOwner, chats, switches, watch, release, projects } = ctx;
  const disabled: MiddlewareHandler<FakeEnv> = async (c, next) => {
    if (!switches.enabled) return routeNotFound(c);
    await next();
  };
  app.use(mount, disabled);
  app.use(`${mount}/*`, disabled);

  /** ExtractChatParam + read authz: the owner or a site owner; settled to now. */
  const readable = (c: FakeContext): ChatRecord | undefined => {
    const chat = chats.chats.get(c.req.param('chat') ?? '');
    const user = me(c);
    if (!chat || (chat.ownerId !== user.id && !isSiteOwner(user))) return undefined;
    chats.settle(chat);
    return chat;
  };
  const render = (chat: ChatRecord, single = false) => chatJson(state, chat, { release, single });

  app.get(`${mount}/watch`, (c) => watch.handle(c, me(c)));

  app.get(mount, (c) => {
    const wanted: Array<[string, string]> = [];
    for (const param of c.req.queries('label') ?? []) {
      const at = param.indexOf(':');
      const key = at > 0 ? param.slice(0, at) : '';
      const value = at > 0 ? param.slice(at + 1) : '';
      if (!key || !value) {
        return coderError(
          c,
          400,
          `Invalid label filter: "${param}" (expected format key:value, both must be non-empty)`,
        );
      }
      wanted.push([key, value]);
    }
    const query = chatQuery(c.req.query('q'), release.v239);
    if ('invalid' in query) {
      return coderError(c, 400, 'Invalid chat search query.', { validations: query.invalid });
    }
    const user = me(c);
    const projectId = release.v239 ? c.req.query('project_id') : undefined;
    if (projectId !== undefined && !UUID_RE.test(projectId)) {
      return coderError(c, 400, 'Query parameters have invalid values.', {
        validations: [
          { field: 'project_id', detail: `Query param "project_id" must be a valid uuid` },
        ],
      });
    }
    chats.settleAll();
    const list = [...chats.chats.values()]
      .filter((chat) => chat.ownerId === user.id)
      .filter((chat) => projectId === undefined || chat.projectId === projectId)
      .filter((chat) => chat.archived === query.archived)
      .filter((chat) => wanted.every(([k, v]) => chat.labels[k] === v))
      .filter(
        (chat) => !query.title || chat.title.toLowerCase().includes(query.title.toLowerCase()),
      )
      .filter(
        (chat) =>
          !query.prStatus ||
          query.prStatus.includes(
            !chat.primaryDiff?.pull_request_state
              ? release.v239
                ? 'none'
                : ''
              : chat.primaryDiff.pull_request_draft
                ? 'draft'
                : chat.primaryDiff.pull_request_state,
          ),
      )
      .filter((chat) => !query.statuses || query.statuses.includes(chat.status))
      .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
    // coderd listChats → ParsePagination (coderd/pagination.go): `offset` and `limit`, both
    // non-negative integers; limit 0 or absent means every row (GetChats LimitOpt).
    const page = pagination(c.req.query('limit'), c.req.query('offset'));
    if ('invalid' in page) {
      return coderError(c, 400, 'Query parameters have invalid values.', {
        validations: page.invalid,
      });
    }
    const rows = list.slice(page.offset, page.limit ? page.offset + page.limit : undefined);
    return c.json(rows.map((chat) => render(chat)));
  });

  app.post(mount, (c) => {
    const user = me(c);
    const body = bodyObject(c);
    const orgId = body.organization_id;
    if (typeof orgId !== 'string' || orgId === '' || orgId === NIL_UUID) {
      return coderError(c, 400, 'organization_id is required.');
    }
    const org = state.orgs.get(orgId);
    if (!org) {
      return coderError(c, 400, 'Invalid organization.', {
        validations: [{ field: 'organization_id', detail: 'no organization with this id' }],
      });
    }
    const text = textOf(body.content);
    // 2.39: "Content ... is optional: when empty, the chat is created idle".
    if (!text && !(release.v239 && isEmptyContent(body.content))) {
      return coderError(c, 400, 'Content is required.', {
        validations: [{ field: 'content', detail: 'at least one non-empty text part' }],
      });
    }
    let title: string | undefined;
    if (release.v239 && body.title !== undefined && body.title !== null) {
      title = typeof body.title === 'string' ? body.title.trim() : '';
      if (!title || [...title].length > MAX_TITLE_RUNES) {
        return coderError(c, 400, 'Invalid chat title.', {
          validations: [
            { field: 'title', detail: `must be 1 to ${MAX_TITLE_RUNES} characters after trimming` },
          ],
        });
      }
    }
    const labels = body.labels ?? {};
    const invalid = labelErrors(labels);
    if (invalid.length > 0) {
      return coderError(c, 400, 'Invalid chat labels.', { validations: invalid });
    }
    if (!user.chatAccess) return forbidden(c);
    const owner = chatOwner(c, ctx, user, org, body.owner_id);
    if (owner instanceof Response) return owner;
    const workspaceId = workspaceFor(c, state, owner, org, body.workspace_id);
    if (workspaceId instanceof Response) return workspaceId;
    let projectId: string | null = null;
    if (release.v239 && body.project_id !== undefined && body.project_id !== null) {
      const project = projects.usableBy(body.project_id, owner, org);
      if (!project) {
        return coderError(c, 400, 'Invalid project.', {
          validations: [
            {
              field: 'project_id',
              detail: "no project with this id in the chat's organization owned by the chat owner",
            },
          ],
        });
      }
      projectId = project.id;
    }
    const chat = chats.create({
      ownerId: owner.id,
      createdBy: user.id,
      organizationId: org.id,
      workspaceId,
      text,
      ...(title !== undefined ? { title } : {}),
      projectId,
      labels: labels as Record<string, string>,
      clientType: body.client_type === 'ui' ? 'ui' : 'api',
    });
    return c.json(render(chat), 201);
  });

  app.get(`${mount}/:chat`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(render(chat, true));
  });

  if (release.v239) {
    app.get(`${mount}/:chat/cost`, (c) => {
      const chat = readable(c);
      if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
      // codersdk.ChatCostSummary (the whole chat tree; no subagents here).
      return c.json({
        chat_id: chat.id,
        total_cost_micros: chat.cost.totalCostMicros,
        request_count: chat.cost.requestCount,
        unpriced_request_count: chat.cost.unpricedRequestCount,
      });
    });
  }

  app.patch(`${mount}/:chat`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const body = bodyObject(c);
    // Written one by one before the archive check, so a 409 can leave new labels behind.
    if (body.title !== undefined && body.title !== null) {
      const title = typeof body.title === 'string' ? body.title.trim() : '';
      if (!title || [...title].length > 200) {
        return coderError(c, 400, 'Invalid chat title.', {
          validations: [{ field: 'title', detail: 'must be 1 to 200 characters' }],
        });
      }
      chats.setTitle(chat, title);
    }
    if (body.labels !== undefined && body.labels !== null) {
      const invalid = labelErrors(body.labels);
      if (invalid.length > 0) {
        return coderError(c, 400, 'Invalid chat labels.', { validations: invalid });
      }
      chat.labels = { ...(body.labels as Record<string, string>) };
      chat.updatedAt = chats.now();
    }
    if (body.workspace_id !== undefined && body.workspace_id !== null) {
      const owner = state.users.get(chat.ownerId);
      const org = state.orgs.get(chat.organizationId);
      if (!owner || !org) return coderError(c, 404, NOT_FOUND_MESSAGE);
      const workspaceId = workspaceFor(c, state, owner, org, body.workspace_id);
      if (workspaceId instanceof Response) return workspaceId;
      chat.workspaceId = workspaceId;
    }
    if (body.archived === true) {
      if (chat.archived) return coderError(c, 400, 'Chat is already archived.');
      if (isBusy(chat.status)) {
        return coderError(
          c,
          409,
          'Cannot archive an active chat. Interrupt or wait for the chat to finish first.',
          { detail: `chat status is "${chat.status}"` },
        );
      }
      chats.setArchived(chat, true);
    } else if (body.archived === false) {
      if (!chat.archived) return coderError(c, 400, 'Chat is already not archived.');
      chats.setArchived(chat, false);
    }
    if (typeof body.pin_order === 'number') {
      if (body.pin_order > 0 && chat.archived) {
        return coderError(c, 400, 'Cannot pin an archived chat.');
      }
      chat.pinOrder = body.pin_order;
    }
    return c.body(null, 204);
  });

  app.post(`${mount}/:chat/messages`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const user = me(c);
    if (chat.ownerId !== user.id) {
      return coderError(c, 403, 'Only the chat owner may send messages.');
    }
    if (chat.archived) return coderError(c, 400, 'Cannot send messages to an archived chat.');
    const body = bodyObject(c);
    const busyBehavior = body.busy_behavior ?? 'queue';
    if (busyBehavior !== 'queue' && busyBehavior !== 'interrupt') {
      return coderError(c, 400, 'Invalid busy_behavior value.', {
        detail: 'Must be "queue" or "interrupt".',
      });
    }
    const text = textOf(body.content);
    if (!text) {
      return coderError(c, 400, 'Content is required.', {
        validations: [{ field: 'content', detail: 'at least one non-empty text part' }],
      });
    }
    chats.settle(chat);
    const max = switches.maxQueuedMessages;
    if (
      release.v239 &&
      (isBusy(chat.status) || chat.queue.length > 0) &&
      chat.queue.length >= max
    ) {
      return coderError(c, 409, 'The chat message queue is full.', {
        detail: `A chat holds at most ${max} queued messages; wait for the agent to take some.`,
      });
    }
    const message = chats.send(chat, text, user.id, busyBehavior);
    // codersdk.CreateChatMessageResponse
    return message.queued
      ? c.json({ queued: true, queued_message: queuedJson(chat, message) })
      : c.json({
          queued: false,
          message: messageJson(chat, message),
          messages: [messageJson(chat, message)],
        });
  });

  app.get(`${mount}/:chat/messages`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const delivered = chat.messages.filter((m) => m.deliveredAt !== undefined).reverse();
    // codersdk.ChatMessagesResponse: newest first; the queue only on the first page.
    return c.json({
      messages: delivered.map((m) => messageJson(chat, m)),
      queued_messages: chat.queue.map((m) => queuedJson(chat, m)),
      has_more: false,
    });
  });

  app.post(`${mount}/:chat/interrupt`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    if (chat.archived) return coderError(c, 400, 'Cannot interrupt an archived chat.');
    if (chat.status !== 'running' && chat.status !== 'requires_action') {
      return coderError(c, 409, 'Chat is not in an interruptible state.', {
        detail: `chat status is "${chat.status}"`,
      });
    }
    chats.interrupt(chat);
    return c.json(render(chat));
  });

  app.get(`${mount}/:chat/diff`, (c) => {
    const chat = readable(c);
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    // codersdk.ChatDiffContents
    return c.json({
      chat_id: chat.id,
      ...(chat.primaryDiff?.pr_number !== undefined && chat.primaryDiff.url
        ? { pull_request_url: chat.primaryDiff.url }
        : {}),
      diff: '',
    });
  });
}

/**
 * Who owns a new chat. Releases without owner_id ignore it (the caller owns the chat); current
 * honours it: nil → 400, another user needs a site owner (403), and must be an org member (400).
 */
function chatOwner(
  c: FakeContext,
  { release, state, isSiteOwner }: ChatRouteContext,
  user: CoderUser,
  org: CoderOrganization,
  ownerId: unknown,
): CoderUser | Response {
  if (release.ownerId && ownerId !== undefined && ownerId !== null) {
    if (typeof ownerId !== 'string' || !UUID_RE.test(ownerId)) {
      return coderError(c, 400, 'Request body must be valid JSON.', {
        detail: 'owner_id: invalid UUID',
      });
    }
    if (ownerId === NIL_UUID) {
      return coderError(c, 400, 'Invalid owner_id.', {
        validations: [{ field: 'owner_id', detail: 'must not be the nil UUID' }],
      });
    }
    if (ownerId !== user.id) {
      if (!isSiteOwner(user)) return forbidden(c);
      const owner = state.users.get(ownerId);
      if (!owner?.organizationIds.includes(org.id)) {
        return coderError(c, 400, MEMBER_MESSAGE);
      }
      if (!owner.chatAccess) return coderError(c, 400, NO_CHAT_ACCESS_MESSAGE);
      return owner;
    }
  }
  if (!user.organizationIds.includes(org.id)) {
    return coderError(c, 403, 'You are not a member of the specified organization.');
  }
  return user;
}

/** CreateChatRequest/UpdateChatRequest.workspace_id, validated as the chat owner. */
function workspaceFor(
  c: FakeContext,
  state: CoderState,
  owner: CoderUser,
  org: CoderOrganization,
  workspaceId: unknown,
): string | null | Response {
  if (workspaceId === undefined || workspaceId === null || workspaceId === NIL_UUID) return null;
  const workspace = typeof workspaceId === 'string' ? state.workspaces.get(workspaceId) : undefined;
  if (!workspace || workspace.deletedAt !== undefined || workspace.ownerId !== owner.id) {
    return coderError(c, 400, WORKSPACE_MESSAGE);
  }
  if (workspace.organizationId !== org.id) {
    return coderError(c, 400, 'Workspace does not belong to the specified organization.');
  }
  return workspace.id;
}

/** `q` of the chat list: archived defaults to false; bare terms and unknown keys → 400. */
function chatQuery(
  q: string | undefined,
  v239: boolean,
):
  | { archived: boolean; title?: string; prStatus?: string[]; statuses?: string[] }
  | { invalid: Array<{ field: string; detail: string }> } {
  const invalid: Array<{ field: string; detail: string }> = [];
  const { filters, pairs, terms } = parseSearchQuery(q);
  for (const term of terms) {
    invalid.push({ field: 'q', detail: `unsupported search term: "${term}"` });
  }
  for (const key of filters.keys()) {
    if (!CHAT_QUERY_KEYS.has(key) && !(v239 && key === 'status')) {
      invalid.push({ field: key, detail: `Query param "${key}" is not a valid query param` });
    }
  }
  const archived = filters.get('archived');
  if (archived !== undefined && archived !== 'true' && archived !== 'false') {
    invalid.push({ field: 'archived', detail: `Query param "archived" must be a valid boolean` });
  }
  // status:<s>, repeated or comma-separated (2.39).
  const statuses = v239
    ? pairs.filter(([k]) => k === 'status').flatMap(([, v]) => v.split(',').filter(Boolean))
    : [];
  for (const status of statuses) {
    if (!CHAT_STATUSES.has(status)) {
      invalid.push({ field: 'status', detail: `"${status}" is not a chat status` });
    }
  }
  if (invalid.length > 0) return { invalid };
  const prStatus = filters.get('pr_status');
  return {
    archived: archived === 'true',
    title: filters.get('title'),
    prStatus: prStatus ? prStatus.split(',') : undefined,
    ...(statuses.length > 0 ? { statuses } : {}),
  };
}

/** No content, or no parts at all: a 2.39 create that starts the chat idle. */
function isEmptyContent(content: unknown): boolean {
  return (
    content === undefined || content === null || (Array.isArray(content) && content.length === 0)
  );
}

/** The text of a `ChatInputPart[]`; other part types are not modelled. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part && typeof part === 'object' && (part as { type?: unknown }).type === 'text'
        ? String((part as { text?: unknown }).text ?? '')
        : '',
    )
    .filter(Boolean)
    .join('\n');
}

function pagination(
  limit: string | undefined,
  offset: string | undefined,
): { limit: number; offset: number } | { invalid: Array<{ field: string; detail: string }> } {
  const invalid: Array<{ field: string; detail: string }> = [];
  const parse = (field: string, raw: string | undefined) => {
    if (raw === undefined || raw === '') return 0;
    if (!/^\d+$/.test(raw)) {
      invalid.push({ field, detail: `Query param "${field}" must be a valid positive integer` });
      return 0;
    }
    return Number(raw);
  };
  const out = { limit: parse('limit', limit), offset: parse('offset', offset) };
  return invalid.length > 0 ? { invalid } : out;
}

function labelErrors(labels: unknown): Array<{ field: string; detail: string }> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    return [{ field: 'labels', detail: 'must be an object of strings' }];
  }
  const entries = Object.entries(labels);
  const errors: Array<{ field: string; detail: string }> = [];
  if (entries.length > MAX_LABELS) {
    errors.push({ field: 'labels', detail: `too many labels (${entries.length}); maximum is 50` });
  }
  // ValidateChatLabels: keys 1..64 bytes of [a-zA-Z0-9._/-] starting alphanumeric, values
  // 1..256 bytes.
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > 64 || !LABEL_KEY_RE.test(key)) {
      errors.push({ field: 'labels', detail: `label key "${key}" is invalid` });
    }
    if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 256) {
      errors.push({ field: 'labels', detail: `label value for "${key}" is invalid` });
    }
  }
  return errors;
}

/** codersdk.ChatDiffStatus */
export interface CoderChatDiffJson extends ChatDiff {
  chat_id: string;
}

/** codersdk.Chat as the fake renders it (optional fields omitted when unset, as with omitempty). */
export interface CoderChatJson {
  id: string;
  organization_id: string;
  owner_id: string;
  owner_username: string;
  owner_name: string;
  workspace_id?: string;
  project_id?: string;
  last_model_config_id: string;
  title: string;
  status: CoderChatStatus;
  last_error?: ChatError;
  last_turn_summary: string | null;
  summary: string | null;
  diff_status?: CoderChatDiffJson;
  /** 2.39: every ref the chat tracks; `diff_status` is the primary. */
  diff_statuses?: CoderChatDiffJson[];
  created_at: string;
  updated_at: string;
  archived: boolean;
  shared: boolean;
  pin_order: number;
  mcp_server_ids: string[];
  labels: Record<string, string>;
  has_unread: boolean;
  /** Only on single-chat reads, only while waiting for a concurrent agent slot. */
  queued_for_capacity?: boolean;
  client_type: 'ui' | 'api';
  children: CoderChatJson[];
}

export interface ChatRenderOptions {
  release: ReleaseTraits;
  /** On the watch stream: diff statuses only with diff_status_change (chatWatchEventSDKChat). */
  watchKind?: ChatWatchEventKind;
  /** GET /chats/{chat}: the only read that derives queued_for_capacity. */
  single?: boolean;
}

/** codersdk.Chat as the release returns it. */
export function chatJson(
  state: CoderState,
  chat: ChatRecord,
  { release, watchKind, single = false }: ChatRenderOptions,
): CoderChatJson {
  const owner = state.users.get(chat.ownerId);
  const withDiff = watchKind === undefined || watchKind === 'diff_status_change';
  const diff = (d: ChatDiff) => diffJson(chat, d, release);
  return {
    id: chat.id,
    organization_id: chat.organizationId,
    owner_id: chat.ownerId,
    owner_username: owner?.username ?? '',
    owner_name: owner?.name ?? '',
    ...(chat.workspaceId ? { workspace_id: chat.workspaceId } : {}),
    ...(release.v239 && chat.projectId ? { project_id: chat.projectId } : {}),
    last_model_config_id: chat.modelConfigId,
    title: chat.title,
    status: chat.status,
    ...(chat.lastError ? { last_error: { ...chat.lastError } } : {}),
    last_turn_summary: chat.lastTurnSummary,
    summary: chat.summary,
    ...(chat.primaryDiff && withDiff ? { diff_status: diff(chat.primaryDiff) } : {}),
    ...(release.v239 && withDiff && chat.diffs.length > 0
      ? { diff_statuses: chat.diffs.map(diff) }
      : {}),
    created_at: iso(chat.createdAt),
    updated_at: iso(chat.updatedAt),
    archived: chat.archived,
    shared: false,
    pin_order: chat.pinOrder,
    mcp_server_ids: [],
    labels: { ...chat.labels },
    has_unread: false,
    ...(release.queuedForCapacity && single && chat.queuedForCapacity
      ? { queued_for_capacity: true }
      : {}),
    client_type: chat.clientType,
    children: [],
  };
}

/** A ChatDiffStatus; before 2.39 without the ref (`git_branch`, `remote_origin`). */
export function diffJson(chat: ChatRecord, d: ChatDiff, release: ReleaseTraits): CoderChatDiffJson {
  const { git_branch, remote_origin, ...rest } = d;
  return release.v239
    ? {
        chat_id: chat.id,
        ...rest,
        git_branch: git_branch ?? '',
        remote_origin: remote_origin ?? '',
      }
    : { chat_id: chat.id, ...rest };
}

/** The watch frame's `changed_diff_status` (2.39): the ref that changed and its status. */
export function changedDiffJson(
  chat: ChatRecord,
  detail: ChatEventDetail,
  release: ReleaseTraits,
): { ref: { git_branch: string; remote_origin: string }; status: CoderChatDiffJson } | undefined {
  const d = detail.changedDiff;
  if (!release.v239 || !d) return undefined;
  return {
    ref: { git_branch: d.git_branch ?? '', remote_origin: d.remote_origin ?? '' },
    status: diffJson(chat, d, release),
  };
}

export type { CoderChatStatus };

function messageJson(chat: ChatRecord, m: ChatMessageRecord) {
  return {
    id: m.id,
    chat_id: chat.id,
    created_by: m.createdBy,
    created_at: iso(m.deliveredAt ?? m.sentAt),
    role: 'user',
    content: [{ type: 'text', text: m.text }],
  };
}

function queuedJson(chat: ChatRecord, m: ChatMessageRecord) {
  return {
    id: m.id,
    chat_id: chat.id,
    content: [{ type: 'text', text: m.text }],
    created_at: iso(m.sentAt),
  };
}
