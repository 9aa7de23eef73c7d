/**
 * Coder Agents Chats API, mounted per release (release.ts). Shapes and answers follow:
 * - codersdk/chats.go (C1 004053e8): Chat, ChatError, ChatDiffStatus, ChatMessage,
 *   ChatQueuedMessage, CreateChatRequest, CreateChatMessageRequest/Response, UpdateChatRequest.
 * - coderd/chat_routes.go after #29548: `/api/v2/chats` only, no experiment gating; the
 *   dual-mount version (#28496) for 2.37.
 * - owner_id on create: #29581 (main) / #29683 (2.37 backport, not modelled: 2.37 ignores it).
 * - List: searchquery.Chats (search.go 00a4758a) for `q`; ParsePagination (chats.go listChats).
 * - PATCH archive and POST interrupt: exp_chats.go patchChat / interruptChat (C1); title and
 *   labels are written before the archive check, as there. Not modelled, as nothing sends
 *   them: PATCH `workspace_id` and `pin_order`.
 * - Send: exp_chats.go postChatMessages. Usage limits: no synchronous 409 since #27329
 *   (chats-state.ts). Watch: exp_chats.go watchChats (watch.ts).
 * - 2.39: coder.com/docs/v2.39/reference/api/chats (create-chat, get-chat-diff-contents,
 *   reconcile-invalid-chat-state's Chat schema). From coder.com's current API reference
 *   (list-chats, get-chat-cost; absent from the v2.37 reference, the v2.39 pages not read): the
 *   list's `q=status:`, `pr_status:none` and `project_id`; `GET /chats/{chat}/cost`.
 * - Not served, as the product does not call it: `GET /chats/{chat}/diff`.
 * - Queue limit (2.39): chatd Limits.MaxQueuedMessagesPerChat (default 20, coder/coder#28927).
 *   The answer to one message more (409 below) is NOT verified against Coder's source.
 * - Chat access: without chat permission, 403 httpapi.Forbidden (RBAC on create; on 2.36 the
 *   `agents-access` role); a delegated owner without it gets 400 (coder/coder#29684).
 * - queued_for_capacity: codersdk Chat at C1 ("Single-chat reads derive it; list responses leave
 *   it false"), so only GET /chats/{chat} sets it.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyOf, type FakeContext, type FakeEnv } from '../http-fake';
import {
  type ChatDiff,
  type ChatEventDetail,
  type ChatMessageRecord,
  type ChatRecord,
  type ChatsState,
  type ChatWatchEventKind,
  isBusy,
} from './chats-state';
import {
  type CoderRouteContext,
  coderError,
  forbidden,
  invalid,
  iso,
  NIL_UUID,
  notFound,
  parseSearchQuery,
  routeNotFound,
  UUID_RE,
} from './http';
import type { ProjectsState } from './projects';
import type { ReleaseTraits } from './release';
import type { CoderOrganization, CoderState, CoderUser } from './state';
import type { WatchHub } from './watch';

export interface ChatRouteContext extends CoderRouteContext {
  chats: ChatsState;
  /** `enabled` false: no Coder Agents (every chats route 404); a chat's queued messages cap. */
  switches: { enabled: boolean; maxQueuedMessages: number };
  release: ReleaseTraits;
  watch: WatchHub;
  projects: ProjectsState;
}

type Validation = { field: string; detail: string };

/** searchquery.Chats keys; archived, title, pr_status (and status on 2.39) filter. */
const CHAT_QUERY_KEYS = new Set(
  'title archived has_unread pr_status source diff_url pr repo pr_title search'.split(' '),
);
const CHAT_STATUSES = new Set(['waiting', 'running', 'error', 'requires_action', 'interrupting']);
/** MaxChatTitleRunes */
const MAX_TITLE_RUNES = 200;
const NO_CONTENT: Validation = { field: 'content', detail: 'at least one non-empty text part' };
const INVALID_PARAMS = 'Query parameters have invalid values.';
const refused = (c: FakeContext, message: string, validations: Validation[]) =>
  coderError(c, 400, message, { validations });

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

  /** A route on one chat (ExtractChatParam + read authz: the owner or a site owner), settled. */
  const onChat = (handler: (c: FakeContext, chat: ChatRecord) => Response) => (c: FakeContext) => {
    const chat = chats.chats.get(c.req.param('chat') ?? '');
    const user = me(c);
    if (!chat || (chat.ownerId !== user.id && !isSiteOwner(user))) return notFound(c);
    chats.settle(chat);
    return handler(c, chat);
  };
  const render = (chat: ChatRecord, single = false) => chatJson(state, chat, { release, single });

  app.get(`${mount}/watch`, (c) => watch.handle(c, me(c)));

  app.get(mount, (c) => {
    const wanted: Array<[string, string]> = [];
    for (const param of c.req.queries('label') ?? []) {
      const at = param.indexOf(':');
      if (at <= 0 || at === param.length - 1) {
        const expected = '(expected format key:value, both must be non-empty)';
        return coderError(c, 400, `Invalid label filter: "${param}" ${expected}`);
      }
      wanted.push([param.slice(0, at), param.slice(at + 1)]);
    }
    const query = chatQuery(c.req.query('q'), release.v239);
    if (query.invalid) return refused(c, 'Invalid chat search query.', query.invalid);
    const projectId = release.v239 ? c.req.query('project_id') : undefined;
    if (projectId !== undefined && !UUID_RE.test(projectId)) {
      const detail = 'Query param "project_id" must be a valid uuid';
      return invalid(c, INVALID_PARAMS, 'project_id', detail);
    }
    // coderd listChats → ParsePagination (coderd/pagination.go): `offset` and `limit`, both
    // non-negative integers; limit 0 or absent means every row (GetChats LimitOpt).
    const page = { limit: c.req.query('limit') ?? '', offset: c.req.query('offset') ?? '' };
    const bad = Object.keys(page).filter((k) => !/^\d*$/.test(page[k as keyof typeof page]));
    if (bad.length > 0) {
      const detail = (field: string) => `Query param "${field}" must be a valid positive integer`;
      return refused(
        c,
        INVALID_PARAMS,
        bad.map((field) => ({ field, detail: detail(field) })),
      );
    }
    const user = me(c);
    const prStatus = ({ primaryDiff: diff }: ChatRecord) => {
      if (!diff?.pull_request_state) return release.v239 ? 'none' : '';
      return diff.pull_request_draft ? 'draft' : diff.pull_request_state;
    };
    const title = query.title?.toLowerCase();
    chats.settleAll();
    const list = [...chats.chats.values()]
      .filter(
        (chat) =>
          chat.ownerId === user.id &&
          (projectId === undefined || chat.projectId === projectId) &&
          chat.archived === query.archived &&
          wanted.every(([k, v]) => chat.labels[k] === v) &&
          (!title || chat.title.toLowerCase().includes(title)) &&
          (!query.prStatus || query.prStatus.includes(prStatus(chat))) &&
          (!query.statuses || query.statuses.includes(chat.status)),
      )
      .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
    const [start, limit] = [Number(page.offset), Number(page.limit)];
    return c.json(list.slice(start, limit ? start + limit : undefined).map((chat) => render(chat)));
  });

  app.post(mount, (c) => {
    const user = me(c);
    const body = bodyOf(c);
    const orgId = body.organization_id;
    if (typeof orgId !== 'string' || orgId === '' || orgId === NIL_UUID) {
      return coderError(c, 400, 'organization_id is required.');
    }
    const org = state.orgs.get(orgId);
    const noOrg = 'no organization with this id';
    if (!org) return invalid(c, 'Invalid organization.', 'organization_id', noOrg);
    const text = textOf(body.content);
    // 2.39: "Content ... is optional: when empty, the chat is created idle".
    const empty =
      body.content == null || (Array.isArray(body.content) && body.content.length === 0);
    if (!text && !(release.v239 && empty)) return refused(c, 'Content is required.', [NO_CONTENT]);
    const title = release.v239 ? titleOf(body.title) : undefined;
    if (title === null) return badTitle(c);
    const labels = body.labels ?? {};
    const labelsWrong = labelErrors(labels);
    if (labelsWrong.length > 0) return refused(c, 'Invalid chat labels.', labelsWrong);
    if (!user.chatAccess) return forbidden(c);
    const owner = chatOwner(c, ctx, user, org, body.owner_id);
    if (owner instanceof Response) return owner;
    const workspaceId = workspaceFor(c, state, owner, org, body.workspace_id);
    if (workspaceId instanceof Response) return workspaceId;
    let projectId: string | null = null;
    if (release.v239 && body.project_id != null) {
      const project = projects.usableBy(body.project_id, owner, org);
      if (!project) {
        const detail = "no project with this id in the chat's organization owned by the chat owner";
        return invalid(c, 'Invalid project.', 'project_id', detail);
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

  app.get(
    `${mount}/:chat`,
    onChat((c, chat) => c.json(render(chat, true))),
  );

  if (release.v239) {
    // codersdk.ChatCostSummary (the whole chat tree; no subagents here).
    app.get(
      `${mount}/:chat/cost`,
      onChat((c, { id, cost }) =>
        c.json({
          chat_id: id,
          total_cost_micros: cost.totalCostMicros,
          request_count: cost.requestCount,
          unpriced_request_count: cost.unpricedRequestCount,
        }),
      ),
    );
  }

  app.patch(
    `${mount}/:chat`,
    onChat((c, chat) => {
      const body = bodyOf(c);
      // Written one by one before the archive check, so a 409 can leave new labels behind.
      if (body.title != null) {
        const title = titleOf(body.title);
        if (!title) return badTitle(c);
        chats.setTitle(chat, title);
      }
      if (body.labels != null) {
        const labelsWrong = labelErrors(body.labels);
        if (labelsWrong.length > 0) return refused(c, 'Invalid chat labels.', labelsWrong);
        chat.labels = { ...(body.labels as Record<string, string>) };
        chat.updatedAt = chats.now();
      }
      if (typeof body.archived === 'boolean') {
        if (chat.archived === body.archived) {
          return coderError(c, 400, `Chat is already ${body.archived ? '' : 'not '}archived.`);
        }
        if (body.archived && isBusy(chat.status)) {
          const message =
            'Cannot archive an active chat. Interrupt or wait for the chat to finish first.';
          return coderError(c, 409, message, { detail: `chat status is "${chat.status}"` });
        }
        chats.setArchived(chat, body.archived);
      }
      return c.body(null, 204);
    }),
  );

  app.post(
    `${mount}/:chat/messages`,
    onChat((c, chat) => {
      const user = me(c);
      if (chat.ownerId !== user.id) {
        return coderError(c, 403, 'Only the chat owner may send messages.');
      }
      if (chat.archived) return coderError(c, 400, 'Cannot send messages to an archived chat.');
      const body = bodyOf(c);
      const busyBehavior = body.busy_behavior ?? 'queue';
      if (busyBehavior !== 'queue' && busyBehavior !== 'interrupt') {
        const detail = 'Must be "queue" or "interrupt".';
        return coderError(c, 400, 'Invalid busy_behavior value.', { detail });
      }
      const text = textOf(body.content);
      if (!text) return refused(c, 'Content is required.', [NO_CONTENT]);
      const max = switches.maxQueuedMessages;
      const queueing = isBusy(chat.status) || chat.queue.length > 0;
      if (release.v239 && queueing && chat.queue.length >= max) {
        return coderError(c, 409, 'The chat message queue is full.', {
          detail: `A chat holds at most ${max} queued messages; wait for the agent to take some.`,
        });
      }
      const message = chats.send(chat, text, user.id, busyBehavior);
      // codersdk.CreateChatMessageResponse
      if (message.queued)
        return c.json({ queued: true, queued_message: queuedJson(chat, message) });
      const sent = messageJson(chat, message);
      return c.json({ queued: false, message: sent, messages: [sent] });
    }),
  );

  // codersdk.ChatMessagesResponse: newest first; the queue only on the first page.
  app.get(
    `${mount}/:chat/messages`,
    onChat((c, chat) =>
      c.json({
        messages: chat.messages
          .filter((m) => m.deliveredAt !== undefined)
          .reverse()
          .map((m) => messageJson(chat, m)),
        queued_messages: chat.queue.map((m) => queuedJson(chat, m)),
        has_more: false,
      }),
    ),
  );

  app.post(
    `${mount}/:chat/interrupt`,
    onChat((c, chat) => {
      if (chat.archived) return coderError(c, 400, 'Cannot interrupt an archived chat.');
      if (chat.status !== 'running' && chat.status !== 'requires_action') {
        const detail = `chat status is "${chat.status}"`;
        return coderError(c, 409, 'Chat is not in an interruptible state.', { detail });
      }
      chats.interrupt(chat);
      return c.json(render(chat));
    }),
  );
}

/** A title as given (trimmed); undefined when absent, null when not 1..200 code points. */
function titleOf(value: unknown): string | undefined | null {
  if (value == null) return undefined;
  const title = typeof value === 'string' ? value.trim() : '';
  return title && [...title].length <= MAX_TITLE_RUNES ? title : null;
}

const badTitle = (c: FakeContext) => {
  const detail = `must be 1 to ${MAX_TITLE_RUNES} characters after trimming`;
  return invalid(c, 'Invalid chat title.', 'title', detail);
};

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
  if (release.ownerId && ownerId != null) {
    if (typeof ownerId !== 'string' || !UUID_RE.test(ownerId)) {
      const detail = 'owner_id: invalid UUID';
      return coderError(c, 400, 'Request body must be valid JSON.', { detail });
    }
    if (ownerId === NIL_UUID) {
      return invalid(c, 'Invalid owner_id.', 'owner_id', 'must not be the nil UUID');
    }
    if (ownerId !== user.id) {
      if (!isSiteOwner(user)) return forbidden(c);
      const owner = state.users.get(ownerId);
      if (!owner?.organizationIds.includes(org.id)) {
        return coderError(c, 400, 'Chat owner must be an active member of the organization.');
      }
      if (!owner.chatAccess) {
        return coderError(c, 400, 'Chat owner does not have permission to use chats.');
      }
      return owner;
    }
  }
  if (!user.organizationIds.includes(org.id)) {
    return coderError(c, 403, 'You are not a member of the specified organization.');
  }
  return user;
}

/** CreateChatRequest.workspace_id, validated as the chat owner. */
function workspaceFor(
  c: FakeContext,
  state: CoderState,
  owner: CoderUser,
  org: CoderOrganization,
  workspaceId: unknown,
): string | null | Response {
  if (workspaceId == null || workspaceId === NIL_UUID) return null;
  const workspace = state.liveWorkspaces().find((w) => w.id === workspaceId);
  if (workspace?.ownerId !== owner.id) {
    return coderError(c, 400, 'Workspace not found or you do not have access to this resource');
  }
  if (workspace.organizationId !== org.id) {
    return coderError(c, 400, 'Workspace does not belong to the specified organization.');
  }
  return workspace.id;
}

/** `q` of the chat list: archived defaults to false; bare terms and unknown keys → 400. */
function chatQuery(q: string | undefined, v239: boolean) {
  const { filters, pairs, terms } = parseSearchQuery(q);
  const invalid: Validation[] = terms.map((term) => ({
    field: 'q',
    detail: `unsupported search term: "${term}"`,
  }));
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
  for (const status of statuses.filter((s) => !CHAT_STATUSES.has(s))) {
    invalid.push({ field: 'status', detail: `"${status}" is not a chat status` });
  }
  if (invalid.length > 0) return { invalid };
  return {
    archived: archived === 'true',
    title: filters.get('title'),
    prStatus: filters.get('pr_status') ? filters.get('pr_status')?.split(',') : undefined,
    statuses: statuses.length > 0 ? statuses : undefined,
  };
}

/** The text of a `ChatInputPart[]`; other part types are not modelled. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => part?.type === 'text' && part.text)
    .map((part) => String(part.text))
    .join('\n');
}

/** ValidateChatLabels: at most 50; keys 1..64 bytes of [a-zA-Z0-9._/-] starting alphanumeric, values 1..256 bytes. */
function labelErrors(labels: unknown): Validation[] {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    return [{ field: 'labels', detail: 'must be an object of strings' }];
  }
  const entries = Object.entries(labels);
  const errors: Validation[] = [];
  if (entries.length > 50) {
    errors.push({ field: 'labels', detail: `too many labels (${entries.length}); maximum is 50` });
  }
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > 64 || !/^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/.test(key)) {
      errors.push({ field: 'labels', detail: `label key "${key}" is invalid` });
    }
    if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > 256) {
      errors.push({ field: 'labels', detail: `label value for "${key}" is invalid` });
    }
  }
  return errors;
}

/** codersdk.ChatDiffStatus */
export type CoderChatDiffJson = ChatDiff & { chat_id: string };

/** codersdk.Chat as the fake renders it (optional fields omitted when unset, as with omitempty). */
export type CoderChatJson = ReturnType<typeof chatJson>;

/** codersdk.Chat as the release returns it. */
export function chatJson(
  state: CoderState,
  chat: ChatRecord,
  opts: {
    release: ReleaseTraits;
    /** On the watch stream: diff statuses only with diff_status_change (chatWatchEventSDKChat). */
    watchKind?: ChatWatchEventKind;
    /** GET /chats/{chat}: the only read that derives queued_for_capacity. */
    single?: boolean;
  },
) {
  const { release, watchKind, single = false } = opts;
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
    pin_order: 0,
    mcp_server_ids: [],
    labels: { ...chat.labels },
    has_unread: false,
    ...(release.queuedForCapacity && single && chat.queuedForCapacity
      ? { queued_for_capacity: true }
      : {}),
    client_type: chat.clientType,
    children: [] as never[],
  };
}

const refOf = (d: ChatDiff) => ({
  git_branch: d.git_branch ?? '',
  remote_origin: d.remote_origin ?? '',
});

/** A ChatDiffStatus; before 2.39 without the ref (`git_branch`, `remote_origin`). */
function diffJson(chat: ChatRecord, d: ChatDiff, release: ReleaseTraits): CoderChatDiffJson {
  const { git_branch: _branch, remote_origin: _origin, ...rest } = d;
  return { chat_id: chat.id, ...rest, ...(release.v239 ? refOf(d) : {}) };
}

/** The watch frame's `changed_diff_status` (2.39): the ref that changed and its status. */
export function changedDiffJson(chat: ChatRecord, detail: ChatEventDetail, release: ReleaseTraits) {
  const d = detail.changedDiff;
  return release.v239 && d ? { ref: refOf(d), status: diffJson(chat, d, release) } : undefined;
}

const queuedJson = (chat: ChatRecord, m: ChatMessageRecord) => ({
  id: m.id,
  chat_id: chat.id,
  content: [{ type: 'text', text: m.text }],
  created_at: iso(m.sentAt),
});

const messageJson = (chat: ChatRecord, m: ChatMessageRecord) => ({
  ...queuedJson(chat, m),
  created_by: m.createdBy,
  created_at: iso(m.deliveredAt ?? m.sentAt),
  role: 'user',
});
