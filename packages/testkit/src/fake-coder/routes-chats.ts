import type { MiddlewareHandler } from 'hono';
import type { FakeEnv } from '../http-fake';
import type { ChatMessageRecord, ChatRecord, ChatsState, CoderChatStatus } from './chats-state';
import {
  bodyObject,
  type CoderRouteContext,
  coderError,
  iso,
  NOT_FOUND_MESSAGE,
  parseSearchQuery,
} from './http';

export const CHATS_PATH = '/api/experimental/chats';

/** Deployment-wide switches a test flips to see how the service copes. */
export interface ChatSwitches {
  /** false: the deployment has no Coder Agents; every chats route answers 404. */
  enabled: boolean;
  /** true: creating a chat or sending a message answers Coder's 409 usage-limit error. */
  usageLimitExceeded: boolean;
}

export interface ChatRouteContext extends CoderRouteContext {
  chats: ChatsState;
  switches: ChatSwitches;
}

// coderd/httpapi ValidateChatLabels.
const LABEL_KEY_RE = /^[a-zA-Z0-9][a-zA-Z0-9._/-]*$/;
const MAX_LABELS = 50;

/** Coder Agents Chats API (`/api/experimental/chats`), owned by the token's user. */
export function registerChatRoutes({ app, state, me, chats, switches }: ChatRouteContext): void {
  const disabled: MiddlewareHandler<FakeEnv> = async (c, next) => {
    if (!switches.enabled) return coderError(c, 404, 'Route not found.');
    await next();
  };
  app.use(CHATS_PATH, disabled);
  app.use(`${CHATS_PATH}/*`, disabled);

  const usageLimit = () => {
    const resetsAt = new Date(chats.now());
    resetsAt.setUTCHours(24, 0, 0, 0);
    // codersdk.ChatUsageLimitExceededResponse
    return {
      message: 'Chat usage limit exceeded.',
      spent_micros: 50_000_000,
      limit_micros: 50_000_000,
      resets_at: resetsAt.toISOString(),
    };
  };
  const mine = (id: string): ChatRecord | undefined => {
    const chat = chats.chats.get(id);
    return chat && chat.ownerId === me()?.id ? chat : undefined;
  };

  app.get(CHATS_PATH, (c) => {
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
    const { filters } = parseSearchQuery(c.req.query('q'));
    const archived = filters.get('archived');
    const list = [...chats.chats.values()]
      .filter((chat) => chat.ownerId === me()?.id)
      .filter((chat) => wanted.every(([k, v]) => chat.labels[k] === v))
      .filter((chat) => archived === undefined || String(chat.archived) === archived)
      .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt);
    return c.json(list.map((chat) => chatJson(chats, chat)));
  });

  app.post(CHATS_PATH, (c) => {
    if (switches.usageLimitExceeded) return c.json(usageLimit(), 409);
    const user = me();
    if (!user) return coderError(c, 401, 'API key is invalid.');
    const body = bodyObject(c);
    const org =
      typeof body.organization_id === 'string'
        ? state.findOrganization(body.organization_id)
        : undefined;
    if (!org || org.id !== body.organization_id) {
      return coderError(c, 400, 'Invalid organization.', {
        validations: [{ field: 'organization_id', detail: 'must be the id of an organization' }],
      });
    }
    const text = textOf(body.content);
    if (!text) {
      return coderError(c, 400, 'Content is required.', {
        validations: [{ field: 'content', detail: 'at least one non-empty text part' }],
      });
    }
    const labels = body.labels ?? {};
    const invalid = labelErrors(labels);
    if (invalid.length > 0) {
      return coderError(c, 400, 'Invalid chat labels.', { validations: invalid });
    }
    const chat = chats.create({
      ownerId: user.id,
      organizationId: org.id,
      text,
      labels: labels as Record<string, string>,
    });
    return c.json(chatJson(chats, chat), 201);
  });

  app.get(`${CHATS_PATH}/:chat`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    return c.json(chatJson(chats, chat));
  });

  app.patch(`${CHATS_PATH}/:chat`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const body = bodyObject(c);
    if (body.labels !== undefined && body.labels !== null) {
      const invalid = labelErrors(body.labels);
      if (invalid.length > 0) {
        return coderError(c, 400, 'Invalid chat labels.', { validations: invalid });
      }
      chat.labels = { ...(body.labels as Record<string, string>) };
    }
    if (typeof body.title === 'string') chat.title = body.title;
    if (body.archived === true) {
      if (chat.archived) return coderError(c, 400, 'Chat is already archived.');
      chat.archived = true;
    } else if (body.archived === false) {
      if (!chat.archived) return coderError(c, 400, 'Chat is not archived.');
      chat.archived = false;
    }
    chat.updatedAt = chats.now();
    return c.body(null, 204);
  });

  app.post(`${CHATS_PATH}/:chat/messages`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    if (switches.usageLimitExceeded) return c.json(usageLimit(), 409);
    if (chat.archived) return coderError(c, 400, 'Cannot mutate an archived chat.');
    const text = textOf(bodyObject(c).content);
    if (!text) {
      return coderError(c, 400, 'Content is required.', {
        validations: [{ field: 'content', detail: 'at least one non-empty text part' }],
      });
    }
    const message = chats.send(chat, text);
    // codersdk.CreateChatMessageResponse
    return message.queued
      ? c.json({ queued: true, queued_message: queuedJson(chat, message) })
      : c.json({ queued: false, message: messageJson(chat, message) });
  });

  app.get(`${CHATS_PATH}/:chat/messages`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    const queued = new Set(chats.queued(chat));
    const delivered = chat.messages.filter((m) => !queued.has(m)).reverse();
    // codersdk.ChatMessagesResponse: newest first; the queue only on the first page.
    return c.json({
      messages: delivered.map((m) => messageJson(chat, m)),
      queued_messages: [...queued].map((m) => queuedJson(chat, m)),
      has_more: false,
    });
  });

  app.post(`${CHATS_PATH}/:chat/interrupt`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    chats.interrupt(chat);
    return c.json(chatJson(chats, chat));
  });

  app.get(`${CHATS_PATH}/:chat/diff`, (c) => {
    const chat = mine(c.req.param('chat'));
    if (!chat) return coderError(c, 404, NOT_FOUND_MESSAGE);
    // codersdk.ChatDiffContents
    return c.json({
      chat_id: chat.id,
      ...(chat.diff?.pull_request_state ? { pull_request_url: chat.diff.url } : {}),
      diff: '',
    });
  });
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

function labelErrors(labels: unknown): Array<{ field: string; detail: string }> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    return [{ field: 'labels', detail: 'must be an object of strings' }];
  }
  const entries = Object.entries(labels);
  const errors: Array<{ field: string; detail: string }> = [];
  if (entries.length > MAX_LABELS) {
    errors.push({ field: 'labels', detail: `too many labels (${entries.length}); maximum is 50` });
  }
  for (const [key, value] of entries) {
    if (key.length > 64 || !LABEL_KEY_RE.test(key)) {
      errors.push({ field: 'labels', detail: `label key "${key}" is invalid` });
    }
    if (typeof value !== 'string' || value === '' || value.length > 256) {
      errors.push({ field: 'labels', detail: `label value for "${key}" is invalid` });
    }
  }
  return errors;
}

/** codersdk.Chat as the API returns it at this instant. */
export function chatJson(chats: ChatsState, chat: ChatRecord) {
  const { status, since } = chats.status(chat);
  return {
    id: chat.id,
    organization_id: chat.organizationId,
    owner_id: chat.ownerId,
    workspace_id: null,
    build_id: null,
    agent_id: null,
    parent_chat_id: null,
    root_chat_id: null,
    last_model_config_id: chat.modelConfigId,
    title: chat.title,
    status,
    last_error:
      status === 'error' ? { message: 'The agent stopped with an error.', kind: 'generic' } : null,
    diff_status: chat.diff
      ? {
          chat_id: chat.id,
          url: chat.diff.url,
          pull_request_state: chat.diff.pull_request_state,
          changes_requested: false,
          additions: 0,
          deletions: 0,
          changed_files: 0,
        }
      : null,
    created_at: iso(chat.createdAt),
    updated_at: iso(Math.max(chat.updatedAt, since)),
    archived: chat.archived,
    pin_order: 0,
    mcp_server_ids: [],
    labels: { ...chat.labels },
    has_unread: false,
    client_type: 'api',
    children: [],
  };
}

export type CoderChatJson = ReturnType<typeof chatJson>;
export type { CoderChatStatus };

function messageJson(chat: ChatRecord, m: ChatMessageRecord) {
  return {
    id: m.id,
    chat_id: chat.id,
    created_by: chat.ownerId,
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
