/**
 * Coder Agents (`/api/experimental/chats`): where Coder is going. A chat belongs to the user
 * whose token the service uses (there is no owner override), lives in an organization, takes
 * content parts, queues messages itself while the agent is busy, is closed by archiving, and
 * carries labels we use to find the chat for an issue again.
 *
 * Shapes follow codersdk/chats.go and docs/ai-coder/agents/chats-api.md in coder/coder.
 */
import { ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type { AgentBackend, AgentHandle, AgentStatus, EnsureAgentInput } from './backend';
import { CoderHttp, type CoderHttpOptions, parseShape } from './http';

export interface AgentsBackendOptions extends CoderHttpOptions {
  /** Organization name (or id) the chats are created in. */
  organization: string;
  /**
   * Where the Chats API is mounted; default `/api/experimental/chats`. Recent Coder releases
   * also serve it at `/api/v2/chats`.
   */
  chatsPath?: string;
}

/** The label that ties a chat to our task name (SPEC 4). */
export const TASK_LABEL = 'code-factory/task';

export const DEFAULT_CHATS_PATH = '/api/experimental/chats';

const UserSchema = z.object({ id: z.string(), username: z.string() });
const OrganizationSchema = z.object({ id: z.string() });

export const ChatSchema = z.object({
  id: z.string(),
  owner_id: z.string().optional(),
  organization_id: z.string().optional(),
  title: z.string().optional(),
  status: z.string(),
  archived: z.boolean().optional().default(false),
  labels: z.record(z.string(), z.string()).nullable().optional(),
  // Older releases sent a string, newer ones a ChatError object.
  last_error: z
    .union([z.string(), z.object({ message: z.string().optional() }).loose()])
    .nullable()
    .optional(),
  // ChatDiffStatus: `url` is the pull request once one is open, else the branch page.
  diff_status: z
    .object({
      url: z.string().nullable().optional(),
      pull_request_state: z.string().nullable().optional(),
    })
    .loose()
    .nullable()
    .optional(),
});
export type CoderChat = z.infer<typeof ChatSchema>;

const ChatListSchema = z.array(ChatSchema).nullable();
const SendResponseSchema = z.object({ queued: z.boolean().optional() }).loose();

const PULL_REQUEST_URL = /\/pull\/\d+|\/merge_requests\/\d+|\/pull-requests\/\d+/;

/** Maps a chat onto the port's readiness (SPEC 3: waiting, pending, running, error, requires_action). */
export function chatReadiness(chat: CoderChat): AgentStatus {
  const pullRequestUrl = pullRequestUrlOf(chat);
  const withPr = (status: AgentStatus): AgentStatus =>
    pullRequestUrl ? { ...status, pullRequestUrl } : status;
  if (chat.archived) return withPr({ readiness: 'gone', detail: 'archived' });
  switch (chat.status) {
    case 'waiting':
    // Older releases: `completed` finished a turn, `paused` stopped one; both take a new message.
    case 'completed':
    case 'paused':
      return withPr({ readiness: 'ready', detail: chat.status });
    case 'pending':
    case 'running':
    // Newer releases report an interrupt in progress before going back to `waiting`.
    case 'interrupting':
      return withPr({ readiness: 'busy', detail: chat.status });
    case 'requires_action':
      return withPr({ readiness: 'blocked', detail: chat.status });
    case 'error': {
      const message = errorText(chat.last_error);
      return withPr({ readiness: 'error', detail: message ? `error: ${message}` : 'error' });
    }
    default:
      return withPr({ readiness: 'error', detail: `unknown chat status ${chat.status}` });
  }
}

export function pullRequestUrlOf(chat: CoderChat): string | undefined {
  const diff = chat.diff_status;
  const url = diff?.url ?? undefined;
  if (!url) return undefined;
  return diff?.pull_request_state || PULL_REQUEST_URL.test(url) ? url : undefined;
}

export class CoderAgentsBackend implements AgentBackend {
  readonly kind = 'agents' as const;
  readonly queuesWhileBusy = true;
  private readonly http: CoderHttp;
  private readonly chatsPath: string;
  private organizationId?: string;
  private username?: string;

  constructor(private readonly options: AgentsBackendOptions) {
    this.http = new CoderHttp(options);
    this.chatsPath = (options.chatsPath ?? DEFAULT_CHATS_PATH).replace(/\/+$/, '');
  }

  /** Chats always belong to the token's user, whoever asked for the work. */
  async resolveOwner(_input: { githubUserId: number; githubLogin: string }) {
    return { owner: await this.me() };
  }

  /** Finds the live chat carrying all these labels, newest first. */
  async findChat(labels: Record<string, string>): Promise<CoderChat | null> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(labels)) query.append('label', `${key}:${value}`);
    const response = await this.chats('GET', `?${query}`);
    const chats = parseShape(ChatListSchema, response.body, `GET ${this.chatsPath}`) ?? [];
    // Filter here too: the label filter is recent, and archived chats may be listed.
    return (
      chats.find(
        (chat) =>
          !chat.archived && Object.entries(labels).every(([k, v]) => chat.labels?.[k] === v),
      ) ?? null
    );
  }

  /** `input.owner` is not used: a chat is owned by the token's user (see resolveOwner). */
  async ensureAgent(input: EnsureAgentInput) {
    const labels = { ...input.labels, [TASK_LABEL]: input.taskName };
    const owner = await this.me();
    const existing = await this.findChat(labels);
    if (existing) return { agent: this.handle(existing, owner, input.taskName), adopted: true };
    const organizationId = await this.resolveOrganization();
    const response = await this.chats('POST', '', {
      organization_id: organizationId,
      content: [{ type: 'text', text: input.input }],
      labels,
    });
    const created = parseShape(ChatSchema, response.body, `POST ${this.chatsPath}`);
    return { agent: this.handle(created, owner, input.taskName), adopted: false };
  }

  async status(agent: AgentHandle): Promise<AgentStatus> {
    const chat = await this.getChat(agent.id);
    return chat ? chatReadiness(chat) : { readiness: 'gone', detail: 'not found' };
  }

  /** Chats have no paused state to leave. */
  async resume(_agent: AgentHandle): Promise<void> {}

  async send(agent: AgentHandle, text: string) {
    const response = await this.chats('POST', `/${enc(agent.id)}/messages`, {
      content: [{ type: 'text', text }],
    });
    const sent = parseShape(SendResponseSchema, response.body, 'POST chat messages');
    return { queued: sent.queued ?? false };
  }

  async close(agent: AgentHandle) {
    // Look first: archiving an archived chat is refused, and it is closed already.
    const chat = await this.getChat(agent.id);
    if (!chat || chat.archived) return { existed: false };
    const response = await this.chats('PATCH', `/${enc(agent.id)}`, { archived: true }, [404]);
    return { existed: response.status !== 404 };
  }

  async interrupt(agent: AgentHandle): Promise<void> {
    await this.chats('POST', `/${enc(agent.id)}/interrupt`);
  }

  private async getChat(id: string): Promise<CoderChat | null> {
    const response = await this.chats('GET', `/${enc(id)}`, undefined, [404]);
    if (response.status === 404) return null;
    return parseShape(ChatSchema, response.body, `GET ${this.chatsPath}/{chat}`);
  }

  /** Every Chats API call goes through here, so their failures are explained in one place. */
  private async chats(method: string, rest: string, body?: unknown, accept?: number[]) {
    try {
      return await this.http.request(method, `${this.chatsPath}${rest}`, { body, accept });
    } catch (err) {
      throw this.explain(err, method, rest);
    }
  }

  private explain(err: unknown, method: string, rest: string): unknown {
    if (!isExternalError(err)) return err;
    const collection = rest === '' || rest.startsWith('?');
    // Coder's own words, without our "Coder GET /api/experimental/..." prefix.
    const said = err.message.replace(/^.*? answered \d+: /, '');
    if ((err.status === 404 && collection) || (err.status === 403 && /experiment/i.test(said))) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: err.status,
        cause: err,
        userMessage:
          'Coder Agents is not enabled on this Coder deployment; an administrator must enable it, or set CODER_BACKEND=tasks.',
      });
    }
    if (err.status === 403) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: 403,
        cause: err,
        userMessage:
          "The service's Coder user may not use Coder Agents. A Coder administrator needs to give it the `agents-access` (or `chat-access`) role.",
      });
    }
    // codersdk.ChatUsageLimitExceededResponse: 409 "Chat usage limit exceeded." with resets_at.
    if ((err.status === 409 || err.status === 429) && /usage limit|spend limit/i.test(said)) {
      return new ExternalError(err.message, {
        kind: 'user_fixable',
        service: 'coder',
        status: err.status,
        cause: err,
        userMessage: `Coder refused to ${method === 'POST' && collection ? 'start' : 'message'} the agent because the Coder Agents usage limit of the service's Coder user is reached. An administrator can raise the limit, or wait for it to reset; then retry.`,
      });
    }
    return err;
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

  private async me(): Promise<string> {
    if (this.username) return this.username;
    const user = await this.http.json(UserSchema, 'GET', '/api/v2/users/me');
    this.username = user.username;
    return user.username;
  }

  private handle(chat: CoderChat, owner: string, name: string): AgentHandle {
    return {
      backend: 'agents',
      id: chat.id,
      owner,
      name,
      url: `${this.http.baseUrl}/agents/${enc(chat.id)}`,
    };
  }
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

function errorText(lastError: CoderChat['last_error']): string | undefined {
  if (!lastError) return undefined;
  if (typeof lastError === 'string') return lastError;
  return lastError.message;
}
