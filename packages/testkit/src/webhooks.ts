import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';

/** A webhook payload as JSON; read fields with a cast or a schema in the test. */
export type WebhookPayload = Record<string, unknown>;

/** `sha256=<hex>`: the value GitHub puts in `X-Hub-Signature-256`. */
export function signWebhook(secret: string, body: string): Promise<string> {
  return sign(secret, body);
}

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

/** A signed delivery, ready for `fetch(url, { method: 'POST', ...req })` or `app.request`. */
export async function webhookRequest(o: {
  secret: string;
  event: string;
  payload: unknown;
  deliveryId?: string;
}): Promise<WebhookRequest> {
  const body = JSON.stringify(o.payload);
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': o.event,
      'x-github-delivery': o.deliveryId ?? randomUUID(),
      'x-github-hook-id': '1',
      'x-hub-signature-256': await signWebhook(o.secret, body),
    },
    body,
  };
}

// ---------------------------------------------------------------------------------------------
// Sample payloads: GitHub's own examples (@octokit/webhooks-examples) with our names swapped in.

interface ExampleGroup {
  name: string;
  examples: WebhookPayload[];
}

let examplesCache: ExampleGroup[] | undefined;

function example(event: string, action: string | undefined, pick?: (p: WebhookPayload) => boolean) {
  // 4 MB of JSON: loaded on first use, and not through `import` so tsc does not type it.
  examplesCache ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];
  const all = examplesCache.find((g) => g.name === event)?.examples ?? [];
  const matching = all.filter((p) => action === undefined || p.action === action);
  const chosen =
    matching.find((p) => (pick ? pick(p) : true) && 'installation' in p) ??
    matching.find((p) => (pick ? pick(p) : true)) ??
    matching[0];
  if (!chosen) throw new Error(`no @octokit/webhooks-examples payload for ${event}.${action}`);
  return chosen;
}

export interface RepoParams {
  /** Repository owner login; default "acme". */
  owner?: string;
  /** Repository name; default "widgets". */
  repo?: string;
  installationId?: number;
  defaultBranch?: string;
  /** Who triggered the delivery; default "octo-lead" (id 1001). */
  sender?: string;
  senderId?: number;
}

const DEFAULTS = {
  owner: 'acme',
  repo: 'widgets',
  installationId: 1,
  defaultBranch: 'main',
  sender: 'octo-lead',
  senderId: 1001,
  agent: 'xmtp-coder-agent',
  agentId: 2002,
};

const HTML = 'https://github.com';
const API = 'https://api.github.com';

/** A full GitHub user object, as webhooks carry it. */
export function githubUser(
  login: string,
  id: number,
  type: 'User' | 'Bot' | 'Organization' = 'User',
) {
  const api = `${API}/users/${login}`;
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${HTML}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    site_admin: false,
  };
}

function idOf(login: string): number {
  let h = 0;
  for (const ch of login) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 90_000_000) + 10_000_000;
}

interface Ctx {
  owner: string;
  repo: string;
  fullName: string;
  installationId: number;
  defaultBranch: string;
  sender: string;
  senderId: number;
}

function ctxOf(p: RepoParams): Ctx {
  const owner = p.owner ?? DEFAULTS.owner;
  const repo = p.repo ?? DEFAULTS.repo;
  const sender = p.sender ?? DEFAULTS.sender;
  return {
    owner,
    repo,
    fullName: `${owner}/${repo}`,
    installationId: p.installationId ?? DEFAULTS.installationId,
    defaultBranch: p.defaultBranch ?? DEFAULTS.defaultBranch,
    sender,
    senderId: p.senderId ?? (sender === DEFAULTS.sender ? DEFAULTS.senderId : idOf(sender)),
  };
}

/** Deep copy of the example with every URL and full_name moved to our repository. */
function rebrand(payload: WebhookPayload, ctx: Ctx): WebhookPayload {
  const text = JSON.stringify(payload).replace(
    /Codertocat\/Hello-World|octo-org\/octo-repo/g,
    ctx.fullName,
  );
  const out = JSON.parse(text) as WebhookPayload;
  const repository = (out.repository ?? {}) as Record<string, unknown>;
  const exampleOwner = (repository.owner ?? {}) as Record<string, unknown>;
  out.repository = {
    ...repository,
    name: ctx.repo,
    full_name: ctx.fullName,
    owner: { ...exampleOwner, ...githubUser(ctx.owner, idOf(ctx.owner), 'Organization') },
    html_url: `${HTML}/${ctx.fullName}`,
    url: `${API}/repos/${ctx.fullName}`,
    default_branch: ctx.defaultBranch,
    ...('master_branch' in repository ? { master_branch: ctx.defaultBranch } : {}),
    private: false,
  };
  out.sender = githubUser(ctx.sender, ctx.senderId);
  out.installation = {
    id: ctx.installationId,
    node_id: Buffer.from(`023:IntegrationInstallation${ctx.installationId}`).toString('base64'),
  };
  const org = githubUser(ctx.owner, idOf(ctx.owner), 'Organization');
  out.organization = {
    login: org.login,
    id: org.id,
    node_id: org.node_id,
    url: `${API}/orgs/${ctx.owner}`,
    repos_url: `${API}/orgs/${ctx.owner}/repos`,
    events_url: `${API}/orgs/${ctx.owner}/events`,
    hooks_url: `${API}/orgs/${ctx.owner}/hooks`,
    issues_url: `${API}/orgs/${ctx.owner}/issues`,
    members_url: `${API}/orgs/${ctx.owner}/members{/member}`,
    public_members_url: `${API}/orgs/${ctx.owner}/public_members{/member}`,
    avatar_url: org.avatar_url,
    description: '',
  };
  return out;
}

function asRecord(value: unknown): Record<string, unknown> {
  return (value ?? {}) as Record<string, unknown>;
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface IssueParams extends RepoParams {
  issueNumber?: number;
  title?: string;
  body?: string;
  /** Issue author; default the sender. */
  issueAuthor?: string;
  /** Current assignee (the agent by default). */
  assignee?: string;
  assigneeId?: number;
}

function issueObject(ctx: Ctx, base: Record<string, unknown>, p: IssueParams, pr = false) {
  const number = p.issueNumber ?? 42;
  const author = p.issueAuthor ?? ctx.sender;
  const apiUrl = `${API}/repos/${ctx.fullName}/issues/${number}`;
  const assignee = p.assignee ?? DEFAULTS.agent;
  const assigneeId =
    p.assigneeId ?? (assignee === DEFAULTS.agent ? DEFAULTS.agentId : idOf(assignee));
  const assigneeJson = githubUser(assignee, assigneeId);
  return {
    ...base,
    url: apiUrl,
    repository_url: `${API}/repos/${ctx.fullName}`,
    labels_url: `${apiUrl}/labels{/name}`,
    comments_url: `${apiUrl}/comments`,
    events_url: `${apiUrl}/events`,
    html_url: `${HTML}/${ctx.fullName}/${pr ? 'pull' : 'issues'}/${number}`,
    id: 1_000_000_000 + number,
    node_id: Buffer.from(`05:Issue${number}`).toString('base64'),
    number,
    title: p.title ?? `Issue ${number}`,
    body: p.body ?? 'Please fix the widget.',
    user: githubUser(author, author === ctx.sender ? ctx.senderId : idOf(author)),
    labels: [],
    state: 'open',
    assignee: assigneeJson,
    assignees: [assigneeJson],
    milestone: null,
    author_association: 'MEMBER',
    ...(pr
      ? {
          pull_request: {
            url: `${API}/repos/${ctx.fullName}/pulls/${number}`,
            html_url: `${HTML}/${ctx.fullName}/pull/${number}`,
            diff_url: `${HTML}/${ctx.fullName}/pull/${number}.diff`,
            patch_url: `${HTML}/${ctx.fullName}/pull/${number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

interface PullParams extends RepoParams {
  prNumber?: number;
  /** PR author login; default the agent ("xmtp-coder-agent"). */
  prAuthor?: string;
  prAuthorId?: number;
  headSha?: string;
  headRef?: string;
  /** Owner of the head repository; default the PR author (the agent pushes to a fork). */
  headOwner?: string;
  title?: string;
}

function pullObject(ctx: Ctx, base: Record<string, unknown>, p: PullParams) {
  const number = p.prNumber ?? 7;
  const author = p.prAuthor ?? DEFAULTS.agent;
  const authorId = p.prAuthorId ?? (author === DEFAULTS.agent ? DEFAULTS.agentId : idOf(author));
  const headOwner = p.headOwner ?? author;
  const headRef = p.headRef ?? `fix-${number}`;
  const apiUrl = `${API}/repos/${ctx.fullName}/pulls/${number}`;
  const repoJson = (owner: string) => ({
    ...asRecord(asRecord(asRecord(base.base).repo)),
    name: ctx.repo,
    full_name: `${owner}/${ctx.repo}`,
    owner: githubUser(owner, idOf(owner)),
    html_url: `${HTML}/${owner}/${ctx.repo}`,
    url: `${API}/repos/${owner}/${ctx.repo}`,
    default_branch: ctx.defaultBranch,
    fork: owner !== ctx.owner,
  });
  return {
    ...base,
    url: apiUrl,
    id: 3_000_000_000 + number,
    html_url: `${HTML}/${ctx.fullName}/pull/${number}`,
    diff_url: `${HTML}/${ctx.fullName}/pull/${number}.diff`,
    patch_url: `${HTML}/${ctx.fullName}/pull/${number}.patch`,
    issue_url: `${API}/repos/${ctx.fullName}/issues/${number}`,
    number,
    state: 'open',
    title: p.title ?? `Fix #${number}`,
    user: githubUser(author, authorId),
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    labels: [],
    milestone: null,
    head: {
      ...asRecord(base.head),
      label: `${headOwner}:${headRef}`,
      ref: headRef,
      sha: p.headSha ?? 'a'.repeat(40),
      user: githubUser(headOwner, idOf(headOwner)),
      repo: repoJson(headOwner),
    },
    base: {
      ...asRecord(base.base),
      label: `${ctx.owner}:${ctx.defaultBranch}`,
      ref: ctx.defaultBranch,
      user: githubUser(ctx.owner, idOf(ctx.owner)),
      repo: repoJson(ctx.owner),
    },
    author_association: 'CONTRIBUTOR',
  };
}

interface AuthorParams {
  /** Comment/review author; default the sender. */
  authorLogin?: string;
  authorId?: number;
  authorAssociation?: 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'NONE' | string;
  body?: string;
}

function authorOf(ctx: Ctx, p: Omit<AuthorParams, 'body'>) {
  const login = p.authorLogin ?? ctx.sender;
  const id = p.authorId ?? (login === ctx.sender ? ctx.senderId : idOf(login));
  return { login, id, user: githubUser(login, id), association: p.authorAssociation ?? 'MEMBER' };
}

/** The sender is the comment author unless given, as on GitHub. */
function withAuthorAsSender<T extends RepoParams & { authorLogin?: string; authorId?: number }>(
  p: T,
): T {
  return p.sender === undefined && p.authorLogin !== undefined
    ? { ...p, sender: p.authorLogin, senderId: p.authorId }
    : p;
}

export const samplePayloads = {
  /** `issues.assigned`: `sender` assigned `assignee` (the agent by default). */
  issueAssigned(p: IssueParams = {}): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(example('issues', 'assigned'), ctx);
    out.action = 'assigned';
    out.issue = issueObject(ctx, asRecord(out.issue), p);
    out.assignee = asRecord(out.issue).assignee;
    return out;
  },

  /** `issues.closed` (GitHub's examples have none, so built from `issues.assigned`). */
  issueClosed(p: IssueParams & { stateReason?: 'completed' | 'not_planned' } = {}): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(example('issues', 'assigned'), ctx);
    const closedAt = isoNow();
    out.action = 'closed';
    Reflect.deleteProperty(out, 'assignee');
    out.issue = {
      ...issueObject(ctx, asRecord(out.issue), p),
      state: 'closed',
      state_reason: p.stateReason ?? 'completed',
      closed_at: closedAt,
      updated_at: closedAt,
    };
    return out;
  },

  /** `issue_comment.created|edited`, on the issue or (onPullRequest) on a pull request. */
  issueComment(
    p: IssueParams &
      AuthorParams & {
        commentId?: number;
        onPullRequest?: boolean;
        action?: 'created' | 'edited';
        /** For `edited`: the body before the edit. */
        previousBody?: string;
      } = {},
  ): WebhookPayload {
    const params = withAuthorAsSender(p);
    const ctx = ctxOf(params);
    const out = rebrand(example('issue_comment', 'created'), ctx);
    const action = params.action ?? 'created';
    const issue = issueObject(ctx, asRecord(out.issue), params, params.onPullRequest ?? false);
    const author = authorOf(ctx, params);
    const id = params.commentId ?? 5_000_000_001;
    const now = isoNow();
    out.action = action;
    out.issue = issue;
    out.comment = {
      ...asRecord(out.comment),
      url: `${API}/repos/${ctx.fullName}/issues/comments/${id}`,
      html_url: `${issue.html_url}#issuecomment-${id}`,
      issue_url: issue.url,
      id,
      node_id: Buffer.from(`012:IssueComment${id}`).toString('base64'),
      user: author.user,
      created_at: now,
      updated_at: now,
      author_association: author.association,
      body: params.body ?? 'Please also update the docs.',
      performed_via_github_app: null,
    };
    if (action === 'edited') out.changes = { body: { from: params.previousBody ?? 'before' } };
    return out;
  },

  /** `pull_request_review_comment.created|edited`: a comment on a line of the PR diff. */
  reviewComment(
    p: PullParams &
      AuthorParams & {
        commentId?: number;
        reviewId?: number;
        path?: string;
        line?: number;
        diffHunk?: string;
        action?: 'created' | 'edited';
        previousBody?: string;
      } = {},
  ): WebhookPayload {
    const params = withAuthorAsSender(p);
    const ctx = ctxOf(params);
    const out = rebrand(example('pull_request_review_comment', 'created'), ctx);
    const action = params.action ?? 'created';
    const pr = pullObject(ctx, asRecord(out.pull_request), params);
    const author = authorOf(ctx, params);
    const id = params.commentId ?? 6_000_000_001;
    const now = isoNow();
    const htmlUrl = `${pr.html_url}#discussion_r${id}`;
    out.action = action;
    out.pull_request = pr;
    out.comment = {
      ...asRecord(out.comment),
      url: `${API}/repos/${ctx.fullName}/pulls/comments/${id}`,
      pull_request_review_id: params.reviewId ?? 7_000_000_001,
      id,
      node_id: Buffer.from(`024:PullRequestReviewComment${id}`).toString('base64'),
      diff_hunk: params.diffHunk ?? '@@ -1,3 +1,3 @@',
      path: params.path ?? 'src/index.ts',
      commit_id: pr.head.sha,
      original_commit_id: pr.head.sha,
      user: author.user,
      body: params.body ?? 'This line needs a guard.',
      created_at: now,
      updated_at: now,
      html_url: htmlUrl,
      pull_request_url: pr.url,
      author_association: author.association,
      _links: {
        self: { href: `${API}/repos/${ctx.fullName}/pulls/comments/${id}` },
        html: { href: htmlUrl },
        pull_request: { href: pr.url },
      },
      line: params.line ?? 12,
      original_line: params.line ?? 12,
      side: 'RIGHT',
    };
    if (action === 'edited') out.changes = { body: { from: params.previousBody ?? 'before' } };
    return out;
  },

  /** `pull_request_review.submitted`. */
  review(
    p: PullParams &
      Omit<AuthorParams, 'body'> & {
        /** GitHub sends null for a review submitted without a body. */
        body?: string | null;
        reviewId?: number;
        state?: 'commented' | 'approved' | 'changes_requested';
      } = {},
  ): WebhookPayload {
    const params = withAuthorAsSender(p);
    const ctx = ctxOf(params);
    const out = rebrand(example('pull_request_review', 'submitted'), ctx);
    const pr = pullObject(ctx, asRecord(out.pull_request), params);
    const author = authorOf(ctx, params);
    const id = params.reviewId ?? 7_000_000_001;
    const htmlUrl = `${pr.html_url}#pullrequestreview-${id}`;
    out.action = 'submitted';
    out.pull_request = pr;
    out.review = {
      ...asRecord(out.review),
      id,
      node_id: Buffer.from(`017:PullRequestReview${id}`).toString('base64'),
      user: author.user,
      body: params.body === undefined ? 'Looks close; see comments.' : params.body,
      commit_id: pr.head.sha,
      submitted_at: isoNow(),
      state: params.state ?? 'commented',
      html_url: htmlUrl,
      pull_request_url: pr.url,
      author_association: author.association,
      _links: { html: { href: htmlUrl }, pull_request: { href: pr.url } },
    };
    return out;
  },

  /**
   * `workflow_run.completed`. GitHub leaves `pull_requests` empty for runs on a fork's branch,
   * which is how the agent's PRs arrive, so the default is [].
   */
  workflowRunCompleted(
    p: RepoParams & {
      runId?: number;
      conclusion?: 'failure' | 'success' | 'cancelled' | 'timed_out' | 'skipped';
      headSha?: string;
      headBranch?: string;
      workflowName?: string;
      workflowPath?: string;
      event?: string;
      pullRequests?: Array<{ number: number; headSha: string; headRef?: string }>;
      /** `run_attempt`: 2 and up after the failed jobs were re-run; default 1. */
      runAttempt?: number;
    } = {},
  ): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(
      example('workflow_run', 'completed', (x) => {
        const run = asRecord(x.workflow_run);
        return Array.isArray(run.pull_requests) && run.pull_requests.length > 0;
      }),
      ctx,
    );
    const runId = p.runId ?? 9_000_000_001;
    const headSha = p.headSha ?? 'a'.repeat(40);
    const workflowPath = p.workflowPath ?? '.github/workflows/ci.yml';
    const workflowName = p.workflowName ?? 'CI';
    const runApi = `${API}/repos/${ctx.fullName}/actions/runs/${runId}`;
    const repoRef = { id: 186853002, url: `${API}/repos/${ctx.fullName}`, name: ctx.repo };
    const repository = out.repository;
    out.action = 'completed';
    out.workflow = {
      ...asRecord(out.workflow),
      id: 161_335,
      name: workflowName,
      path: workflowPath,
      html_url: `${HTML}/${ctx.fullName}/blob/${ctx.defaultBranch}/${workflowPath}`,
    };
    out.workflow_run = {
      ...asRecord(out.workflow_run),
      id: runId,
      name: workflowName,
      path: workflowPath,
      display_title: workflowName,
      event: p.event ?? 'pull_request',
      status: 'completed',
      conclusion: p.conclusion ?? 'failure',
      head_sha: headSha,
      head_branch: p.headBranch ?? 'fix-42',
      html_url: `${HTML}/${ctx.fullName}/actions/runs/${runId}`,
      url: runApi,
      jobs_url: `${runApi}/jobs`,
      logs_url: `${runApi}/logs`,
      run_attempt: p.runAttempt ?? 1,
      pull_requests: (p.pullRequests ?? []).map((pr) => ({
        url: `${API}/repos/${ctx.fullName}/pulls/${pr.number}`,
        id: 3_000_000_000 + pr.number,
        number: pr.number,
        head: { ref: pr.headRef ?? `fix-${pr.number}`, sha: pr.headSha, repo: repoRef },
        base: { ref: ctx.defaultBranch, sha: '0'.repeat(40), repo: repoRef },
      })),
      head_commit: { ...asRecord(asRecord(out.workflow_run).head_commit), id: headSha },
      actor: out.sender,
      triggering_actor: out.sender,
      repository,
      head_repository: repository,
    };
    return out;
  },

  /**
   * `pull_request.dequeued`: the pull request left the merge queue, `reason` saying why (a
   * string in GitHub's schema; deliveries carry upper-case codes such as `MANUAL`). GitHub's
   * examples have none, so built from `pull_request.opened`:
   * https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
   */
  pullRequestDequeued(p: PullParams & { reason?: string } = {}): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(example('pull_request', 'opened'), ctx);
    const pr = pullObject(ctx, asRecord(out.pull_request), p);
    out.action = 'dequeued';
    out.number = pr.number;
    out.pull_request = pr;
    out.reason = p.reason ?? 'MANUAL';
    return out;
  },

  /**
   * `merge_group.checks_requested` (a merge group was created: checks should run on its head)
   * and `merge_group.destroyed` with `reason` `merged`, `invalidated` or `dequeued`. The group's
   * head is `refs/heads/gh-readonly-queue/<base>/pr-<n>-<base sha>`. GitHub's examples have only
   * `checks_requested`; `destroyed` is built from it:
   * https://docs.github.com/en/webhooks/webhook-events-and-payloads#merge_group
   */
  mergeGroup(
    p: RepoParams & {
      action?: 'checks_requested' | 'destroyed';
      reason?: 'merged' | 'invalidated' | 'dequeued';
      /** The pull request at the head of the group; default 7. */
      prNumber?: number;
      headSha?: string;
      baseSha?: string;
    } = {},
  ): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(example('merge_group', 'checks_requested'), ctx);
    const action = p.action ?? 'checks_requested';
    const baseSha = p.baseSha ?? '0'.repeat(40);
    const headSha = p.headSha ?? 'e'.repeat(40);
    const group = asRecord(out.merge_group);
    const number = p.prNumber ?? 7;
    out.action = action;
    out.merge_group = {
      ...group,
      head_sha: headSha,
      head_ref: `refs/heads/gh-readonly-queue/${ctx.defaultBranch}/pr-${number}-${baseSha}`,
      base_sha: baseSha,
      base_ref: `refs/heads/${ctx.defaultBranch}`,
      head_commit: {
        ...asRecord(group.head_commit),
        id: headSha,
        message: `Merge pull request #${number}`,
      },
    };
    if (action === 'destroyed') out.reason = p.reason ?? 'merged';
    return out;
  },

  /** `push` of `after` to `ref` (default: the default branch). */
  push(
    p: RepoParams & {
      ref?: string;
      before?: string;
      after?: string;
      message?: string;
      /** Files the pushed commit modifies; default the config file. */
      modified?: string[];
    } = {},
  ): WebhookPayload {
    const ctx = ctxOf(p);
    const out = rebrand(
      example('push', undefined, (x) => String(x.ref).startsWith('refs/heads/') && !x.deleted),
      ctx,
    );
    const after = p.after ?? 'b'.repeat(40);
    const before = p.before ?? 'c'.repeat(40);
    const now = isoNow();
    const person = {
      name: ctx.sender,
      email: `${ctx.senderId}+${ctx.sender}@users.noreply.github.com`,
    };
    const commit = {
      id: after,
      tree_id: 'd'.repeat(40),
      distinct: true,
      message: p.message ?? 'Update config',
      timestamp: now,
      url: `${HTML}/${ctx.fullName}/commit/${after}`,
      author: { ...person, username: ctx.sender },
      committer: { ...person, username: ctx.sender },
      added: [],
      removed: [],
      modified: p.modified ?? ['.code-factory/config.toml'],
    };
    Object.assign(out, {
      ref: p.ref ?? `refs/heads/${ctx.defaultBranch}`,
      before,
      after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `${HTML}/${ctx.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: [commit],
      head_commit: commit,
      pusher: person,
    });
    return out;
  },
};
