/**
 * What every webhook module in this folder is: the GitHub event it handles, the actions it
 * takes, and a pure `classify` that turns the verified payload into a decision. Shared
 * payload pieces and guards live here too, so a module holds only what its event reads.
 */
import type {
  Actor,
  CommentPosted,
  IssueAssigned,
  PendingComment,
  RepoEvent,
  Repository,
  TaskEvent,
} from '@code-factory/events';
import type { CommentSource } from '@code-factory/events/kinds';
import { repoFullName, taskName } from '@code-factory/naming';
import { z } from 'zod';

export type Classification =
  | { action: 'skip'; reason: string }
  | { action: 'invalid'; field: string; problem: string }
  /** A trigger (assignment, mention, label); a mentioning comment starts or is forwarded. */
  | {
      action: 'start-task';
      taskName: string;
      event: IssueAssigned | CommentPosted;
      summary: string;
    }
  | { action: 'signal-task'; taskName: string; event: TaskEvent }
  | { action: 'route'; event: RepoEvent };

export type AcceptedDecision = Exclude<Classification, { action: 'skip' } | { action: 'invalid' }>;
export type StartTask = Extract<Classification, { action: 'start-task' }>;
export type SignalTask = Extract<Classification, { action: 'signal-task' }>;

export interface ClassifyContext {
  /** Whose comments are never forwarded: `AGENT_GITHUB_USERNAME`, `GITHUB_APP_BOT_LOGIN`. */
  agentLogin: string;
  botLogin?: string | undefined;
  /** Upper-case `author_association` values whose comments are forwarded. */
  trustedAssociations: readonly string[];
  taskNamePrefix: string;
  /** The delivery being classified: `X-GitHub-Delivery` and its ISO time of arrival. */
  deliveryId: string;
  receivedAt: string;
}

/** Fields every normalised event carries, taken from the delivery's envelope. */
export interface Base {
  deliveryId: string;
  receivedAt: string;
  repository: Repository;
  installationId: number;
}

/** One GitHub webhook event (the `X-GitHub-Event` header) and how its deliveries are classified. */
export interface WebhookHandler {
  event: string;
  /** Actions handled; every other action is skipped before the payload is validated. */
  actions?: readonly string[];
  classify(payload: unknown, ctx: ClassifyContext, base: Base, action: string): Classification;
}

/**
 * A handler from its parts: `payload` is a zod schema of just the fields the event reads;
 * `classify` gets the payload once it matches, and a mismatch is `invalid` with its field.
 */
export function webhook<S extends z.ZodType>(spec: {
  event: string;
  actions?: readonly string[];
  payload: S;
  classify(payload: z.infer<S>, ctx: ClassifyContext, base: Base, action: string): Classification;
}): WebhookHandler {
  return {
    event: spec.event,
    ...(spec.actions ? { actions: spec.actions } : {}),
    classify(payload, ctx, base, action) {
      const parsed = parse(spec.payload, payload);
      return parsed.ok ? spec.classify(parsed.value, ctx, base, action) : parsed.decision;
    },
  };
}

// --- shared payload pieces ---------------------------------------------------------------

export const positiveInt = z.number().int().positive();

export const UserSchema = z.object({
  login: z.string().min(1),
  id: positiveInt,
  type: z.string().optional(),
});
type User = z.infer<typeof UserSchema>;

/** What every comment and review carries; GitHub sends `user: null` for deleted accounts. */
export const AuthoredSchema = z.object({
  id: positiveInt,
  html_url: z.url(),
  user: UserSchema.nullable(),
  author_association: z.string(),
});

export const PullRequestSchema = z.object({
  number: positiveInt,
  html_url: z.url(),
  user: z.object({ login: z.string().min(1) }),
});

/** The issue fields a start reads; `state` to leave closed issues alone. */
export const IssueSchema = z.object({
  number: positiveInt,
  title: z.string(),
  html_url: z.url(),
  state: z.string().optional(),
});

/** An issue with its body and author, for the triggers that read who wrote what. */
export const AuthoredIssueSchema = IssueSchema.extend({
  body: z.string().nullish(),
  user: UserSchema.nullable(),
  author_association: z.string(),
});

// --- helpers -----------------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; decision: Classification };

export function parse<S extends z.ZodType>(schema: S, payload: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, decision: invalidFrom(result.error) };
}

export function invalidFrom(error: z.ZodError): Classification {
  // The first problem is enough for the caller to find the field; values are never echoed.
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return { action: 'invalid', field, problem: issue?.message ?? 'invalid' };
}

export function sameLogin(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export const NOT_BY_AGENT: Classification = {
  action: 'skip',
  reason: 'pull request is not by the agent',
};

/** Comments and reviews count only on the agent's own pull requests. */
export function pullRequestAuthor(
  pullRequest: { user: { login: string } },
  authored: { user: User | null; author_association: string },
  ctx: ClassifyContext,
): AuthorCheck {
  if (!onAgentsPullRequest(pullRequest, ctx)) return { skip: NOT_BY_AGENT };
  return authorGuard(authored, ctx);
}

export function onAgentsPullRequest(
  pullRequest: { user: { login: string } },
  ctx: ClassifyContext,
): boolean {
  return sameLogin(pullRequest.user.login, ctx.agentLogin);
}

type CommentFields = Omit<PendingComment, keyof Base | 'kind' | 'source' | 'pullRequest'>;

/**
 * A comment on the agent's pull request: the ingress cannot find the issue it belongs to
 * (that needs GitHub), so it goes to the repository workflow, which routes it.
 */
export function routeComment(
  base: Base,
  source: CommentSource,
  pullRequest: { number: number; url: string },
  fields: CommentFields,
): Classification {
  const comment: PendingComment = {
    ...base,
    kind: 'comment.posted',
    source,
    pullRequest,
    ...fields,
  };
  return {
    action: 'route',
    event: { ...base, kind: 'route.comment', pullRequestNumber: pullRequest.number, comment },
  };
}

type AuthorCheck =
  | { skip: Classification; actor?: undefined; untrusted?: undefined }
  | { skip?: undefined; actor: { login: string; id: number }; untrusted: boolean };

/**
 * No feedback loops (the agent and the App bot), and the trust gate
 * (docs/github-app-setup.md#5-the-agent-user): an author outside `trustedAssociations` is
 * `untrusted`, and the comment goes to the task marked so, which holds it until a trusted
 * commenter approves it (`/agent approve`). A plain signal: it never starts a task.
 */
export function authorGuard(
  authored: { user: User | null; author_association: string },
  ctx: ClassifyContext,
): AuthorCheck {
  const user = authored.user;
  if (!user) return { skip: { action: 'skip', reason: 'author unknown (deleted account)' } };
  if (sameLogin(user.login, ctx.agentLogin)) {
    return { skip: { action: 'skip', reason: 'comment by the agent' } };
  }
  if (sameLogin(user.login, ctx.botLogin)) {
    return { skip: { action: 'skip', reason: 'comment by the App bot' } };
  }
  // Without a configured bot login the App's own comments cannot be told apart from other
  // bots' comments; dropping every bot is the side that cannot loop.
  if (ctx.botLogin === undefined && user.type === 'Bot') {
    return { skip: { action: 'skip', reason: 'comment by a bot (GITHUB_APP_BOT_LOGIN unset)' } };
  }
  const association = authored.author_association.toUpperCase();
  return {
    actor: { login: user.login, id: user.id },
    untrusted: !ctx.trustedAssociations.includes(association),
  };
}

/** A trigger's author: like `authorGuard`, but nobody outside the trust list may start a task. */
export function trustedAuthor(
  authored: { user: User | null; author_association: string },
  ctx: ClassifyContext,
): AuthorCheck {
  const check = authorGuard(authored, ctx);
  if (!check.untrusted) return check;
  const association = authored.author_association.toUpperCase();
  return { skip: { action: 'skip', reason: `untrusted author (${association})` } };
}

/**
 * A start of the issue's task (signal-with-start): from an assignment, a mention or a label.
 * Whether it may start is for the worker to say (the sender's permission, the repository's
 * `[triggers]`), since that needs GitHub and the repository's config.
 */
export function startTask(
  base: Base,
  ctx: ClassifyContext,
  issue: { number: number; title: string; html_url: string },
  sender: Actor,
  trigger: Pick<IssueAssigned, 'trigger' | 'label' | 'mention'> = {},
): Classification {
  return {
    action: 'start-task',
    taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
    summary: `${repoFullName(base.repository)}#${issue.number}: ${issue.title}`,
    event: {
      ...base,
      kind: 'issue.assigned',
      issueNumber: issue.number,
      issue: { title: issue.title, url: issue.html_url },
      sender,
      ...trigger,
    },
  };
}

/**
 * Who may ask for an agent by a mention or a label: a person, not the agent itself, the App
 * or another bot (a bot has no Coder identity to run the agent as).
 */
export function requesterGuard(user: User, ctx: ClassifyContext): Classification | null {
  if (sameLogin(user.login, ctx.agentLogin)) return { action: 'skip', reason: 'sent by the agent' };
  if (sameLogin(user.login, ctx.botLogin)) return { action: 'skip', reason: 'sent by the App bot' };
  if (user.type === 'Bot') return { action: 'skip', reason: 'sent by a bot' };
  return null;
}

export const CLOSED_ISSUE: Classification = { action: 'skip', reason: 'the issue is closed' };
