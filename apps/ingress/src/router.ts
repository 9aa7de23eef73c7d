/**
 * Classification of a verified GitHub delivery: skip it, reject it as malformed, or turn it
 * into the normalised event for an issue's task workflow or the repository's workflow.
 *
 * Pure: no I/O, no clock, no GitHub calls. Each handled event validates only the payload
 * fields it reads (zod schemas of the GitHub payload subset), so a malformed delivery fails
 * here with the field's path instead of somewhere inside a workflow.
 */
import {
  type CommentPosted,
  type CommentSource,
  type IssueAssigned,
  type PendingComment,
  type RepoEvent,
  RepoEventSchema,
  type Repository,
  type TaskEvent,
  TaskEventSchema,
} from '@code-factory/events';
import { repoFullName, taskName } from '@code-factory/naming';
import { z } from 'zod';

export interface RouterContext {
  /** The agent's GitHub login (`AGENT_GITHUB_USERNAME`). */
  agentLogin: string;
  /** The App bot's login, e.g. `code-factory[bot]`. */
  botLogin?: string | undefined;
  /** Upper-case `author_association` values whose comments are forwarded. */
  trustedAssociations: readonly string[];
  /** `X-GitHub-Delivery`. */
  deliveryId: string;
  /** ISO timestamp of arrival. */
  receivedAt: string;
  taskNamePrefix: string;
}

export type RouteDecision =
  | { action: 'skip'; reason: string }
  | { action: 'invalid'; field: string; problem: string }
  | { action: 'start-task'; taskName: string; event: IssueAssigned; summary: string }
  | { action: 'signal-task'; taskName: string; event: TaskEvent }
  | { action: 'route'; event: RepoEvent };

export type AcceptedDecision = Exclude<RouteDecision, { action: 'skip' } | { action: 'invalid' }>;
export type StartTask = Extract<RouteDecision, { action: 'start-task' }>;
export type SignalTask = Extract<RouteDecision, { action: 'signal-task' }>;

// --- GitHub payload subsets -------------------------------------------------------------

const positiveInt = z.number().int().positive();

const UserSchema = z.object({
  login: z.string().min(1),
  id: positiveInt,
  type: z.string().optional(),
});
type User = z.infer<typeof UserSchema>;

/** Fields every accepted event needs: where it happened and which installation sent it. */
const EnvelopeSchema = z.object({
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
  }),
  installation: z.object({ id: positiveInt }),
});

const ActionSchema = z.object({ action: z.string() });

const IssueAssignedPayload = z.object({
  assignee: z.object({ login: z.string().min(1) }),
  sender: UserSchema,
  issue: z.object({ number: positiveInt, title: z.string(), html_url: z.url() }),
});

const IssueClosedPayload = z.object({
  sender: UserSchema,
  issue: z.object({ number: positiveInt }),
});

/** Comments and reviews: GitHub sends `user: null` for deleted accounts. */
const AuthoredSchema = {
  user: UserSchema.nullable(),
  author_association: z.string(),
};

const IssueCommentPayload = z.object({
  issue: z.object({
    number: positiveInt,
    html_url: z.url(),
    user: z.object({ login: z.string().min(1) }),
    pull_request: z.object({ html_url: z.url().nullish() }).nullish(),
  }),
  comment: z.object({
    id: positiveInt,
    body: z.string().nullish(),
    html_url: z.url(),
    created_at: z.string(),
    ...AuthoredSchema,
  }),
});

const PullRequestSchema = z.object({
  number: positiveInt,
  html_url: z.url(),
  user: z.object({ login: z.string().min(1) }),
});

const ReviewCommentPayload = z.object({
  pull_request: PullRequestSchema,
  comment: z.object({
    id: positiveInt,
    body: z.string(),
    html_url: z.url(),
    created_at: z.string(),
    path: z.string(),
    line: z.number().int().nullish(),
    original_line: z.number().int().nullish(),
    ...AuthoredSchema,
  }),
});

const ReviewPayload = z.object({
  pull_request: PullRequestSchema,
  review: z.object({
    id: positiveInt,
    body: z.string().nullish(),
    html_url: z.url(),
    submitted_at: z.string(),
    ...AuthoredSchema,
  }),
});

const WorkflowRunPayload = z.object({
  workflow_run: z.object({
    id: positiveInt,
    name: z.string().nullish(),
    path: z.string(),
    html_url: z.url(),
    head_sha: z.string().min(7),
    head_branch: z.string().nullish(),
    conclusion: z.string().nullish(),
    pull_requests: z.array(z.object({ number: positiveInt })),
  }),
});

const PushCommit = z.object({
  added: z.array(z.string()).optional(),
  modified: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
});

const PushPayload = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ default_branch: z.string().min(1) }),
  commits: z.array(PushCommit).nullish(),
});

/** GitHub lists at most this many commits in a push payload; more means we cannot tell. */
const PUSH_COMMITS_LISTED = 20;
const CONFIG_FILE = '.code-factory/config.toml';

/** Whether the pushed commits change the config file; undefined when the payload cannot tell. */
function touchesConfig(commits: z.infer<typeof PushCommit>[] | null | undefined) {
  if (!commits || commits.length === 0 || commits.length >= PUSH_COMMITS_LISTED) return undefined;
  return commits.some((c) =>
    [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_FILE),
  );
}

// --- classification ---------------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; decision: RouteDecision };

function parse<S extends z.ZodType>(schema: S, payload: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, decision: invalidFrom(result.error) };
}

function invalidFrom(error: z.ZodError): RouteDecision {
  // The first problem is enough for the caller to find the field; values are never echoed.
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return { action: 'invalid', field, problem: issue?.message ?? 'invalid' };
}

const ZERO_SHA = /^0+$/;

function sameLogin(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function classify(eventName: string, payload: unknown, ctx: RouterContext): RouteDecision {
  if (eventName === 'ping') return { action: 'skip', reason: 'ping' };
  const handler = HANDLERS[eventName];
  if (!handler) return { action: 'skip', reason: `unhandled event ${eventName}` };

  const action = ActionSchema.safeParse(payload);
  const actionName = action.success ? action.data.action : undefined;
  if (handler.actions && (actionName === undefined || !handler.actions.includes(actionName))) {
    return { action: 'skip', reason: `unhandled action ${eventName}.${actionName ?? '(none)'}` };
  }

  const envelope = parse(EnvelopeSchema, payload);
  if (!envelope.ok) return envelope.decision;
  const base: Base = {
    deliveryId: ctx.deliveryId,
    receivedAt: ctx.receivedAt,
    repository: {
      owner: envelope.value.repository.owner.login,
      name: envelope.value.repository.name,
    },
    installationId: envelope.value.installation.id,
  };
  const decision = handler.classify(payload, ctx, base, actionName ?? '');
  return checked(decision);
}

/** Fields every normalised event carries. */
interface Base {
  deliveryId: string;
  receivedAt: string;
  repository: Repository;
  installationId: number;
}

interface Handler {
  /** Actions handled; every other action is skipped before the payload is validated. */
  actions?: readonly string[];
  classify(payload: unknown, ctx: RouterContext, base: Base, action: string): RouteDecision;
}

const HANDLERS: Record<string, Handler> = {
  issues: {
    actions: ['assigned', 'closed'],
    classify(payload, ctx, base, action) {
      if (action === 'assigned') {
        const parsed = parse(IssueAssignedPayload, payload);
        if (!parsed.ok) return parsed.decision;
        const { assignee, sender, issue } = parsed.value;
        if (!sameLogin(assignee.login, ctx.agentLogin)) {
          return { action: 'skip', reason: 'assignee is not the agent' };
        }
        return {
          action: 'start-task',
          taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
          summary: `${repoFullName(base.repository)}#${issue.number}: ${issue.title}`,
          event: {
            ...base,
            kind: 'issue.assigned',
            issueNumber: issue.number,
            issue: { title: issue.title, url: issue.html_url },
            sender: { login: sender.login, id: sender.id },
          },
        };
      }
      const parsed = parse(IssueClosedPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const { sender, issue } = parsed.value;
      return {
        action: 'signal-task',
        taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
        event: {
          ...base,
          kind: 'issue.closed',
          issueNumber: issue.number,
          sender: { login: sender.login, id: sender.id },
        },
      };
    },
  },

  issue_comment: {
    actions: ['created', 'edited'],
    classify(payload, ctx, base, action) {
      const parsed = parse(IssueCommentPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const { issue, comment } = parsed.value;
      const onPullRequest = issue.pull_request != null;
      if (onPullRequest && !sameLogin(issue.user.login, ctx.agentLogin)) {
        return { action: 'skip', reason: 'pull request is not by the agent' };
      }
      const author = authorGuard(comment, ctx);
      if (author.skip) return author.skip;
      const shared = {
        commentId: comment.id,
        edited: action === 'edited',
        author: author.actor,
        body: comment.body ?? '',
        url: comment.html_url,
        createdAt: comment.created_at,
      };
      if (!onPullRequest) {
        return {
          action: 'signal-task',
          taskName: taskName(ctx.taskNamePrefix, base.repository, issue.number),
          event: {
            ...base,
            kind: 'comment.posted',
            source: 'issue_comment',
            issueNumber: issue.number,
            ...shared,
          },
        };
      }
      const pullRequest = {
        number: issue.number,
        url: issue.pull_request?.html_url ?? issue.html_url,
      };
      return routeComment(base, 'pr_comment', pullRequest, shared);
    },
  },

  pull_request_review_comment: {
    actions: ['created', 'edited'],
    classify(payload, ctx, base, action) {
      const parsed = parse(ReviewCommentPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const { pull_request: pr, comment } = parsed.value;
      if (!sameLogin(pr.user.login, ctx.agentLogin)) {
        return { action: 'skip', reason: 'pull request is not by the agent' };
      }
      const author = authorGuard(comment, ctx);
      if (author.skip) return author.skip;
      return routeComment(
        base,
        'review_comment',
        { number: pr.number, url: pr.html_url },
        {
          commentId: comment.id,
          edited: action === 'edited',
          author: author.actor,
          body: comment.body,
          url: comment.html_url,
          createdAt: comment.created_at,
          file: { path: comment.path, line: comment.line ?? comment.original_line ?? null },
        },
      );
    },
  },

  pull_request_review: {
    actions: ['submitted'],
    classify(payload, ctx, base) {
      const parsed = parse(ReviewPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const { pull_request: pr, review } = parsed.value;
      if (!sameLogin(pr.user.login, ctx.agentLogin)) {
        return { action: 'skip', reason: 'pull request is not by the agent' };
      }
      const body = review.body ?? '';
      // An approval or "request changes" without text: nothing for the agent to act on.
      if (body.trim() === '') return { action: 'skip', reason: 'review without body' };
      const author = authorGuard(review, ctx);
      if (author.skip) return author.skip;
      return routeComment(
        base,
        'review',
        { number: pr.number, url: pr.html_url },
        {
          commentId: review.id,
          edited: false,
          author: author.actor,
          body,
          url: review.html_url,
          createdAt: review.submitted_at,
        },
      );
    },
  },

  workflow_run: {
    actions: ['completed'],
    classify(payload, _ctx, base) {
      const parsed = parse(WorkflowRunPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const run = parsed.value.workflow_run;
      if (run.conclusion !== 'failure') {
        return {
          action: 'skip',
          reason: `workflow run concluded ${run.conclusion ?? 'without conclusion'}`,
        };
      }
      return {
        action: 'route',
        event: {
          ...base,
          kind: 'route.ci',
          pullRequestNumbers: run.pull_requests.map((pr) => pr.number),
          run: {
            id: run.id,
            name: run.name ?? '',
            path: run.path,
            url: run.html_url,
            headSha: run.head_sha,
          },
          headBranch: run.head_branch ?? '',
        },
      };
    },
  },

  push: {
    classify(payload, _ctx, base) {
      const parsed = parse(PushPayload, payload);
      if (!parsed.ok) return parsed.decision;
      const push = parsed.value;
      if (push.ref !== `refs/heads/${push.repository.default_branch}`) {
        return { action: 'skip', reason: 'push not to the default branch' };
      }
      if (push.deleted === true || ZERO_SHA.test(push.after)) {
        return { action: 'skip', reason: 'push deletes the branch' };
      }
      const touches = touchesConfig(push.commits);
      return {
        action: 'route',
        event: {
          ...base,
          kind: 'config.push',
          sha: push.after,
          ...(touches !== undefined ? { touchesConfig: touches } : {}),
        },
      };
    },
  },
};

type CommentFields = Omit<PendingComment, keyof Base | 'kind' | 'source' | 'pullRequest'>;

function routeComment(
  base: Base,
  source: CommentSource,
  pullRequest: { number: number; url: string },
  fields: CommentFields,
): RouteDecision {
  const comment: PendingComment = {
    ...base,
    kind: 'comment.posted',
    source,
    pullRequest,
    ...fields,
  } satisfies Omit<CommentPosted, 'issueNumber'>;
  return {
    action: 'route',
    event: { ...base, kind: 'route.comment', pullRequestNumber: pullRequest.number, comment },
  };
}

type AuthorCheck =
  | { skip: RouteDecision; actor?: undefined }
  | { skip?: undefined; actor: { login: string; id: number } };

/** No feedback loops (the agent and the App bot) and the trust gate (docs/github-app-setup.md#5-the-agent-user). */
function authorGuard(
  authored: { user: User | null; author_association: string },
  ctx: RouterContext,
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
  if (!ctx.trustedAssociations.includes(association)) {
    return { skip: { action: 'skip', reason: `untrusted author (${association})` } };
  }
  return { actor: { login: user.login, id: user.id } };
}

/** Re-checks the built event against the shared schema: what the workflow will accept. */
function checked(decision: RouteDecision): RouteDecision {
  if (decision.action === 'start-task' || decision.action === 'signal-task') {
    const result = TaskEventSchema.safeParse(decision.event);
    if (!result.success) return invalidFrom(result.error);
  }
  if (decision.action === 'route') {
    const result = RepoEventSchema.safeParse(decision.event);
    if (!result.success) return invalidFrom(result.error);
  }
  return decision;
}
