import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { idFor } from './fake-github/state';

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
// Sample payloads: GitHub's own examples (@octokit/webhooks-examples) moved to our repository
// (`rebranded`), with the objects a builder's parameters name put in (`issueObject`,
// `pullObject`, `commented`). A new builder is one entry of `samplePayloads` on these; an issue
// event of another action is `issueEvent(action, …)`.

type Json = Record<string, unknown>;
let examples: Array<{ name: string; examples: Json[] }> | undefined;

/** The examples of `event.action` (every action when undefined). */
function examplesOf(event: string, action: string | undefined): Json[] {
  // 4 MB of JSON: loaded on first use, and not through `import` so tsc does not type it.
  examples ??= createRequire(import.meta.url)('@octokit/webhooks-examples');
  const all = examples?.find((g) => g.name === event)?.examples ?? [];
  return all.filter((p) => action === undefined || p.action === action);
}

/** The example of `event.action` that `pick` likes (one with an installation if any). */
function example(event: string, action: string | undefined, pick = (_: Json) => true): Json {
  const matching = examplesOf(event, action);
  const chosen =
    matching.find((p) => pick(p) && 'installation' in p) ?? matching.find(pick) ?? matching[0];
  if (!chosen) throw new Error(`no @octokit/webhooks-examples payload for ${event}.${action}`);
  return chosen;
}

/** `value` with every `from` in its JSON replaced by `to`. */
const renamed = <T>(value: T, from: string, to: string): T =>
  JSON.parse(JSON.stringify(value).replaceAll(from, to));

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

const LEAD = { login: 'octo-lead', id: 1001 };
const AGENT = { login: 'xmtp-coder-agent', id: 2002 };
const HTML = 'https://github.com';
const API = 'https://api.github.com';
const nodeId = (kind: string, id: number) => Buffer.from(`${kind}${id}`).toString('base64');
/** Now as GitHub writes times: no milliseconds. */
export const isoNow = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const record = (value: unknown) => (value ?? {}) as Json;
/** The well-known logins keep their ids; any other gets a stable one. */
const idOf = (login: string) =>
  login === LEAD.login ? LEAD.id : login === AGENT.login ? AGENT.id : idFor(login);

/** A full GitHub user object, as webhooks carry it: GitHub's example user renamed. */
function githubUser(login: string, id = idOf(login), type = 'User') {
  const codertocat = record(example('issues', 'assigned').sender);
  return {
    ...renamed(codertocat, String(codertocat.login), login),
    id,
    node_id: nodeId('04:User', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    type,
  };
}

type Ctx = Required<RepoParams> & { fullName: string; api: string; html: string };

function ctxOf(p: RepoParams): Ctx {
  const { owner = 'acme', repo = 'widgets', sender = LEAD.login } = p;
  const fullName = `${owner}/${repo}`;
  return {
    owner,
    repo,
    fullName,
    api: `${API}/repos/${fullName}`,
    html: `${HTML}/${fullName}`,
    installationId: p.installationId ?? 1,
    defaultBranch: p.defaultBranch ?? 'main',
    sender,
    senderId: p.senderId ?? idOf(sender),
  };
}

/**
 * A deep copy of an example moved to our repository: every URL and full_name, the repository,
 * its owner (an organization), the sender and the installation.
 */
function rebranded(p: RepoParams, event: string, action?: string, pick?: (x: Json) => boolean) {
  const ctx = ctxOf(p);
  const text = JSON.stringify(example(event, action, pick));
  const out = JSON.parse(
    text.replace(/Codertocat\/Hello-World|octo-org\/octo-repo/g, ctx.fullName),
  );
  const repository = record(out.repository);
  const owner = githubUser(ctx.owner, idOf(ctx.owner), 'Organization');
  out.repository = {
    ...repository,
    name: ctx.repo,
    full_name: ctx.fullName,
    owner: { ...record(repository.owner), ...owner },
    html_url: ctx.html,
    url: ctx.api,
    default_branch: ctx.defaultBranch,
    ...('master_branch' in repository ? { master_branch: ctx.defaultBranch } : {}),
    private: false,
  };
  out.sender = githubUser(ctx.sender, ctx.senderId);
  const installation = ctx.installationId;
  out.installation = {
    id: installation,
    node_id: nodeId('023:IntegrationInstallation', installation),
  };
  // GitHub's example organization renamed, with the owner's ids.
  const org = record(example('issues', 'assigned', (x) => 'organization' in x).organization);
  out.organization = {
    ...renamed(org, String(org.login), ctx.owner),
    id: owner.id,
    node_id: owner.node_id,
    avatar_url: owner.avatar_url,
    description: '',
  };
  return { out: out as Json, ctx };
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

function issueObject(ctx: Ctx, base: unknown, p: IssueParams, pr = false) {
  const number = p.issueNumber ?? 42;
  const author = p.issueAuthor ?? ctx.sender;
  const url = `${ctx.api}/issues/${number}`;
  const assignee = githubUser(p.assignee ?? AGENT.login, p.assigneeId);
  const pullUrl = `${ctx.html}/pull/${number}`;
  return {
    ...record(base),
    url,
    repository_url: ctx.api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: pr ? pullUrl : `${ctx.html}/issues/${number}`,
    id: 1_000_000_000 + number,
    node_id: nodeId('05:Issue', number),
    number,
    title: p.title ?? `Issue ${number}`,
    body: p.body ?? 'Please fix the widget.',
    user: githubUser(author, author === ctx.sender ? ctx.senderId : undefined),
    labels: [],
    state: 'open',
    assignee,
    assignees: [assignee],
    milestone: null,
    author_association: 'MEMBER',
    ...(pr && {
      pull_request: {
        url: `${ctx.api}/pulls/${number}`,
        html_url: pullUrl,
        diff_url: `${pullUrl}.diff`,
        patch_url: `${pullUrl}.patch`,
        merged_at: null,
      },
    }),
  };
}

/**
 * `issues.<action>` about our issue: GitHub's example of that action (of `assigned` where it has
 * none, e.g. `closed`), `issue` as `issueObject` builds it with `issueFields` over it, and the
 * action's own top-level fields (`assignee`, `label`, `changes`...) from `fields`; the example's
 * top-level `assignee` is left out unless given.
 */
function issueEvent(action: string, p: IssueParams, issueFields: Json = {}, fields: Json = {}) {
  const known = examplesOf('issues', action).length > 0;
  const { out, ctx } = rebranded(p, 'issues', known ? action : 'assigned');
  const { assignee: _, ...rest } = out;
  const issue = { ...issueObject(ctx, out.issue, p), ...issueFields };
  return { ...rest, action, issue, ...fields };
}

interface PullParams extends RepoParams {
  prNumber?: number;
  /** PR author login; default the agent ("xmtp-coder-agent"). */
  prAuthor?: string;
  headSha?: string;
  headRef?: string;
  /** Owner of the head repository; default the PR author (the agent pushes to a fork). */
  headOwner?: string;
  title?: string;
}

function pullObject(ctx: Ctx, base: unknown, p: PullParams) {
  const number = p.prNumber ?? 7;
  const author = p.prAuthor ?? AGENT.login;
  const headOwner = p.headOwner ?? author;
  const headRef = p.headRef ?? `fix-${number}`;
  const html = `${ctx.html}/pull/${number}`;
  const { head, base: baseSide, ...rest } = record(base);
  const side = (from: unknown, owner: string, ref: string) => ({
    ...record(from),
    label: `${owner}:${ref}`,
    ref,
    user: githubUser(owner),
    repo: {
      ...record(record(baseSide).repo),
      name: ctx.repo,
      full_name: `${owner}/${ctx.repo}`,
      owner: githubUser(owner),
      html_url: `${HTML}/${owner}/${ctx.repo}`,
      url: `${API}/repos/${owner}/${ctx.repo}`,
      default_branch: ctx.defaultBranch,
      fork: owner !== ctx.owner,
    },
  });
  return {
    ...rest,
    url: `${ctx.api}/pulls/${number}`,
    id: 3_000_000_000 + number,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${ctx.api}/issues/${number}`,
    number,
    state: 'open',
    title: p.title ?? `Fix #${number}`,
    user: githubUser(author),
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    labels: [],
    milestone: null,
    head: { ...side(head, headOwner, headRef), sha: p.headSha ?? 'a'.repeat(40) },
    base: side(baseSide, ctx.owner, ctx.defaultBranch),
    author_association: 'CONTRIBUTOR',
  };
}

interface AuthorParams {
  /** Comment/review author; default the sender, who is this author unless given. */
  authorLogin?: string;
  authorId?: number;
  authorAssociation?: 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'NONE' | string;
}

/** A comment's or review's author, who sent the delivery unless the sender is given. */
function authored<T extends RepoParams & AuthorParams>(p: T) {
  const byAuthor = p.sender === undefined && p.authorLogin !== undefined;
  const params = byAuthor ? { ...p, sender: p.authorLogin, senderId: p.authorId } : p;
  const login = params.authorLogin ?? params.sender ?? LEAD.login;
  const id = params.authorId ?? (login === params.sender ? params.senderId : undefined);
  const author = {
    user: githubUser(login, id),
    author_association: p.authorAssociation ?? 'MEMBER',
  };
  return { params, author };
}

interface CommentParams extends AuthorParams {
  body?: string;
  commentId?: number;
  action?: 'created' | 'edited';
  /** For `edited`: the body before the edit. */
  previousBody?: string;
}

/** A comment's delivery: the example rebranded, its id and action, author and times. */
function commented<T extends RepoParams & CommentParams>(p: T, event: string, defaultId: number) {
  const { params, author } = authored(p);
  const now = isoNow();
  return {
    ...rebranded(params, event, 'created'),
    params,
    id: p.commentId ?? defaultId,
    action: p.action ?? 'created',
    fields: { ...author, created_at: now, updated_at: now },
  };
}

/** What an edit carries: the body before it. */
const edited = (action: string, previousBody = 'before') =>
  action === 'edited' ? { changes: { body: { from: previousBody } } } : {};

export const samplePayloads = {
  /** `issues.assigned`: `sender` assigned `assignee` (the agent by default). */
  issueAssigned(p: IssueParams = {}): WebhookPayload {
    const event = issueEvent('assigned', p);
    return { ...event, assignee: event.issue.assignee };
  },

  /** `issues.closed` (GitHub's examples have none, so built from `issues.assigned`). */
  issueClosed(p: IssueParams = {}): WebhookPayload {
    const closedAt = isoNow();
    return issueEvent('closed', p, {
      state: 'closed',
      state_reason: 'completed',
      closed_at: closedAt,
      updated_at: closedAt,
    });
  },

  /** `issue_comment.created|edited`, on the issue or (onPullRequest) on a pull request. */
  issueComment(p: IssueParams & CommentParams & { onPullRequest?: boolean } = {}): WebhookPayload {
    const { out, ctx, params, id, action, fields } = commented(p, 'issue_comment', 5_000_000_001);
    const issue = issueObject(ctx, out.issue, params, p.onPullRequest ?? false);
    const comment = {
      ...record(out.comment),
      url: `${ctx.api}/issues/comments/${id}`,
      html_url: `${issue.html_url}#issuecomment-${id}`,
      issue_url: issue.url,
      id,
      node_id: nodeId('012:IssueComment', id),
      ...fields,
      body: p.body ?? 'Please also update the docs.',
      performed_via_github_app: null,
    };
    return { ...out, action, issue, comment, ...edited(action, p.previousBody) };
  },

  /** `pull_request_review_comment.created|edited`: a comment on a line of the PR diff. */
  reviewComment(
    p: PullParams & CommentParams & { reviewId?: number; path?: string; line?: number } = {},
  ): WebhookPayload {
    const made = commented(p, 'pull_request_review_comment', 6_000_000_001);
    const { out, ctx, params, id, action, fields } = made;
    const pr = pullObject(ctx, out.pull_request, params);
    const url = `${ctx.api}/pulls/comments/${id}`;
    const links = reviewLinks(pr, `#discussion_r${id}`);
    const comment = {
      ...record(out.comment),
      url,
      pull_request_review_id: p.reviewId ?? 7_000_000_001,
      id,
      node_id: nodeId('024:PullRequestReviewComment', id),
      diff_hunk: '@@ -1,3 +1,3 @@',
      path: p.path ?? 'src/index.ts',
      commit_id: pr.head.sha,
      original_commit_id: pr.head.sha,
      ...fields,
      body: p.body ?? 'This line needs a guard.',
      ...links,
      _links: { self: { href: url }, ...links._links },
      line: p.line ?? 12,
      original_line: p.line ?? 12,
      side: 'RIGHT',
    };
    return { ...out, action, pull_request: pr, comment, ...edited(action, p.previousBody) };
  },

  /** `pull_request_review.submitted`. */
  review(
    p: PullParams &
      AuthorParams & {
        /** GitHub sends null for a review submitted without a body. */
        body?: string | null;
        reviewId?: number;
        state?: 'commented' | 'approved' | 'changes_requested';
      } = {},
  ): WebhookPayload {
    const { params, author } = authored(p);
    const { out, ctx } = rebranded(params, 'pull_request_review', 'submitted');
    const pr = pullObject(ctx, out.pull_request, params);
    const id = p.reviewId ?? 7_000_000_001;
    const review = {
      ...record(out.review),
      id,
      node_id: nodeId('017:PullRequestReview', id),
      user: author.user,
      body: p.body === undefined ? 'Looks close; see comments.' : p.body,
      commit_id: pr.head.sha,
      submitted_at: isoNow(),
      state: p.state ?? 'commented',
      ...reviewLinks(pr, `#pullrequestreview-${id}`),
      author_association: author.author_association,
    };
    return { ...out, action: 'submitted', pull_request: pr, review };
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
    const withPulls = (x: Json) =>
      ((record(x.workflow_run).pull_requests as unknown[]) ?? []).length > 0;
    const { out, ctx } = rebranded(p, 'workflow_run', 'completed', withPulls);
    const runId = p.runId ?? 9_000_000_001;
    const headSha = p.headSha ?? 'a'.repeat(40);
    const path = p.workflowPath ?? '.github/workflows/ci.yml';
    const name = p.workflowName ?? 'CI';
    const repo = { id: 186853002, url: ctx.api, name: ctx.repo };
    // The example's run id, in its id and every URL of the run, becomes ours.
    const run = record(out.workflow_run);
    const workflow_run = {
      ...renamed(run, String(run.id), String(runId)),
      name,
      path,
      display_title: name,
      event: p.event ?? 'pull_request',
      status: 'completed',
      conclusion: p.conclusion ?? 'failure',
      head_sha: headSha,
      head_branch: p.headBranch ?? 'fix-42',
      run_attempt: p.runAttempt ?? 1,
      pull_requests: (p.pullRequests ?? []).map((pr) => ({
        url: `${ctx.api}/pulls/${pr.number}`,
        id: 3_000_000_000 + pr.number,
        number: pr.number,
        head: { ref: pr.headRef ?? `fix-${pr.number}`, sha: pr.headSha, repo },
        base: { ref: ctx.defaultBranch, sha: '0'.repeat(40), repo },
      })),
      head_commit: { ...record(run.head_commit), id: headSha },
      actor: out.sender,
      triggering_actor: out.sender,
      repository: out.repository,
      head_repository: out.repository,
    };
    const html_url = `${ctx.html}/blob/${ctx.defaultBranch}/${path}`;
    const workflow = { ...record(out.workflow), id: 161_335, name, path, html_url };
    return { ...out, action: 'completed', workflow, workflow_run };
  },
  /**
   * `pull_request.dequeued`: the pull request left the merge queue, `reason` saying why (a
   * string in GitHub's schema; deliveries carry upper-case codes such as `MANUAL`). GitHub's
   * examples have none, so built from `pull_request.opened`:
   * https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request
   */
  pullRequestDequeued(p: PullParams & { reason?: string } = {}): WebhookPayload {
    const { out, ctx } = rebranded(p, 'pull_request', 'opened');
    const pull_request = pullObject(ctx, out.pull_request, p);
    const reason = p.reason ?? 'MANUAL';
    return { ...out, action: 'dequeued', number: pull_request.number, pull_request, reason };
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
    const { out, ctx } = rebranded(p, 'merge_group', 'checks_requested');
    const action = p.action ?? 'checks_requested';
    const baseSha = p.baseSha ?? '0'.repeat(40);
    const headSha = p.headSha ?? 'e'.repeat(40);
    const group = record(out.merge_group);
    const number = p.prNumber ?? 7;
    const merge_group = {
      ...group,
      head_sha: headSha,
      head_ref: `refs/heads/gh-readonly-queue/${ctx.defaultBranch}/pr-${number}-${baseSha}`,
      base_sha: baseSha,
      base_ref: `refs/heads/${ctx.defaultBranch}`,
      head_commit: {
        ...record(group.head_commit),
        id: headSha,
        message: `Merge pull request #${number}`,
      },
    };
    const reason = action === 'destroyed' ? { reason: p.reason ?? 'merged' } : {};
    return { ...out, action, merge_group, ...reason };
  },

  /** `push` of `after` to `ref` (default: the default branch). */
  push(
    p: RepoParams & {
      ref?: string;
      after?: string;
      /** Files the pushed commit modifies; default the config file. */
      modified?: string[];
      /** The pushed commit's message (a revert's names the commit it reverts). */
      message?: string;
    } = {},
  ): WebhookPayload {
    const branchPush = (x: Json) => String(x.ref).startsWith('refs/heads/') && !x.deleted;
    const { out, ctx } = rebranded(p, 'push', undefined, branchPush);
    const after = p.after ?? 'b'.repeat(40);
    const before = 'c'.repeat(40);
    const person = {
      name: ctx.sender,
      email: `${ctx.senderId}+${ctx.sender}@users.noreply.github.com`,
    };
    const commit = {
      id: after,
      tree_id: 'd'.repeat(40),
      distinct: true,
      message: p.message ?? 'Update config',
      timestamp: isoNow(),
      url: `${ctx.html}/commit/${after}`,
      author: { ...person, username: ctx.sender },
      committer: { ...person, username: ctx.sender },
      added: [],
      removed: [],
      modified: p.modified ?? ['.code-factory/config.toml'],
    };
    return {
      ...out,
      ref: p.ref ?? `refs/heads/${ctx.defaultBranch}`,
      before,
      after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `${ctx.html}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
      commits: [commit],
      head_commit: commit,
      pusher: person,
    };
  },

  // --- Triggers beyond assignment (issue 27): `issues.opened|edited|labeled|unlabeled`. ------
  // Shapes: GitHub's examples, and https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
  // (`changes.body.from` is the body before an edit, present only when the body changed;
  // `label` is the label added or removed).

  /** `issues.opened` by `sender` (the issue's author), not assigned to anyone. */
  issueOpened(p: IssueParams & Pick<AuthorParams, 'authorAssociation'> = {}): WebhookPayload {
    return issueEvent('opened', p, unassigned(p));
  },

  /** `issues.edited` by `sender`: the body (from `previousBody`), or only the title, changed. */
  issueEdited(
    p: IssueParams &
      Pick<AuthorParams, 'authorAssociation'> & {
        previousBody?: string | null;
        changed?: 'body' | 'title';
      } = {},
  ): WebhookPayload {
    const event = issueEvent('edited', p, unassigned(p));
    const from = p.previousBody === undefined ? 'Please fix the widget.' : p.previousBody;
    const changes =
      p.changed === 'title'
        ? { title: { from: `${event.issue.title} (old)` } }
        : { body: { from } };
    return { ...event, changes };
  },

  /** `issues.labeled|unlabeled`: `sender` added (or removed) `label` (default `code-factory`). */
  issueLabeled(
    p: IssueParams & {
      label?: string;
      action?: 'labeled' | 'unlabeled';
      state?: 'open' | 'closed';
    } = {},
  ): WebhookPayload {
    const action = p.action ?? 'labeled';
    const event = issueEvent(action, p, { ...unassigned(p), state: p.state ?? 'open' });
    const name = p.label ?? 'code-factory';
    const url = `${event.issue.repository_url}/labels/${encodeURIComponent(name)}`;
    const label = { ...record((event as Json).label), name, url, default: false };
    const labels = action === 'labeled' ? [label] : [];
    return { ...event, issue: { ...event.issue, labels }, label };
  },
};

/** An issue nobody is assigned to, written by `issueAuthor` (the sender by default). */
const unassigned = (p: IssueParams & { authorAssociation?: string }) => ({
  assignee: null,
  assignees: [],
  author_association: p.authorAssociation ?? 'MEMBER',
});

/** The `html_url`, `pull_request_url` and `_links` of a review or review comment. */
function reviewLinks(pr: { html_url: string; url: string }, anchor: string) {
  const html = `${pr.html_url}${anchor}`;
  return {
    html_url: html,
    pull_request_url: pr.url,
    _links: { html: { href: html }, pull_request: { href: pr.url } },
  };
}
