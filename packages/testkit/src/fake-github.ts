import { createHash, randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type RepoWorkControls, repoWorkRoutes } from './fake-github/routes-repo-work';
import {
  DeliveryLog,
  deliveryItemJson,
  type RecordedDelivery,
  type SentWebhook,
  type WebhookTarget,
} from './fake-github-deliveries';
import {
  type FakeContext,
  type FakeControls,
  type FakeEnv,
  type FaultSpec,
  HttpFake,
  listen,
  type RunningServer,
} from './http-fake';

export type GitHubPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export type ReactionContent =
  | '+1'
  | '-1'
  | 'laugh'
  | 'confused'
  | 'heart'
  | 'hooray'
  | 'rocket'
  | 'eyes';

export interface FakeGitHubOptions {
  /** Port to listen on (startFakeGitHub only); default 0, a free port. */
  port?: number;
  appId?: number;
  /** The App's slug; its bot login is `<slug>[bot]`. Default "code-factory". */
  appSlug?: string;
  appName?: string;
  appOwner?: string;
  /** Base of html_url fields; default https://github.com. */
  htmlUrl?: string;
  /** Branch used for contents requests without `ref`; default "main". */
  defaultBranch?: string;
}

export interface IssueCommentJson {
  url: string;
  html_url: string;
  issue_url: string;
  id: number;
  node_id: string;
  user: GitHubUserJson;
  created_at: string;
  updated_at: string;
  author_association: string;
  body: string;
  performed_via_github_app: null;
}

export interface GitHubUserJson {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
}

export interface PullRequestSeed {
  owner: string;
  repo: string;
  number: number;
  /** PR author login (for the agent's PRs: the agent). */
  author: string;
  authorId?: number;
  headSha: string;
  headRef: string;
  /** Owner of the head repository (a fork's owner); default the author. */
  headOwner?: string;
  baseRef?: string;
  state?: 'open' | 'closed';
  title?: string;
  body?: string;
}

export interface WorkflowJobSeed {
  id: number;
  name: string;
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | null;
  status?: 'queued' | 'in_progress' | 'completed';
  log?: string;
}

export interface WorkflowRunSeed {
  owner: string;
  repo: string;
  runId: number;
  name?: string;
  path?: string;
  headSha?: string;
  headBranch?: string;
  jobs: WorkflowJobSeed[];
}

export interface RecordedReaction {
  owner: string;
  repo: string;
  /** Which comment API it went through. */
  subject: 'issue_comment' | 'pull_request_review_comment';
  commentId: number;
  content: ReactionContent;
  id: number;
}

export interface IssuedToken {
  installationId: number;
  jwt: string;
  token: string;
}

export interface FakeGitHubApp extends FakeControls, RepoWorkControls {
  readonly app: Hono<FakeEnv>;
  readonly appSlug: string;
  /** `<slug>[bot]` */
  readonly botLogin: string;
  /** Role of `login` on the repo; unknown users get "none", as on GitHub. */
  setPermission(
    owner: string,
    repo: string,
    login: string,
    permission: GitHubPermission,
    userId?: number,
  ): void;
  /** Seeds a comment written by someone else (default a human). */
  addComment(
    owner: string,
    repo: string,
    issue: number,
    comment: { body: string; login: string; type?: 'User' | 'Bot'; authorAssociation?: string },
  ): IssueCommentJson;
  comments(owner: string, repo: string, issue: number): IssueCommentJson[];
  reactions(): RecordedReaction[];
  addPullRequest(seed: PullRequestSeed): void;
  linkIssue(owner: string, repo: string, prNumber: number, issueNumber: number): void;
  addWorkflowRun(seed: WorkflowRunSeed): void;
  setFile(owner: string, repo: string, ref: string, path: string, text: string): void;
  /** Installation tokens handed out, with the App JWT that asked for each. */
  installationTokens(): IssuedToken[];
  /** Origin used in `url` fields of helper results; startFakeGitHub sets it to the server. */
  useApiUrl(url: string): void;
  /** Where webhooks sent through the fake go (the ingress), signed with `secret`. */
  configureWebhook(target: WebhookTarget): void;
  /**
   * Sends a webhook the way GitHub does, and records it in the App's delivery log with its
   * outcome (listed by `GET /app/hook/deliveries`, redelivered by `POST …/attempts`).
   */
  sendWebhook(event: string, payload: unknown, options?: { guid?: string }): Promise<SentWebhook>;
  /** The delivery log, oldest first. */
  deliveries(): RecordedDelivery[];
  /** Resolves once redeliveries started by `POST …/attempts` have been answered. */
  redeliveriesSettled(): Promise<void>;
}

export interface FakeGitHub extends FakeGitHubApp, RunningServer {}

const DOCS = 'https://docs.github.com/rest';
const REACTIONS = new Set(['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']);
const ROLE_TO_PERMISSION: Record<GitHubPermission, 'admin' | 'write' | 'read' | 'none'> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

interface StoredComment {
  owner: string;
  repo: string;
  issue: number;
  id: number;
  body: string;
  user: GitHubUserJson;
  authorAssociation: string;
  createdAt: number;
  updatedAt: number;
}

interface StoredPull extends Required<Omit<PullRequestSeed, 'authorId'>> {
  authorId: number;
  createdAt: number;
}

interface StoredRun extends Required<Omit<WorkflowRunSeed, 'jobs'>> {
  jobs: Array<WorkflowJobSeed & { createdAt: number }>;
}

function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

function ghError(
  c: FakeContext,
  status: ContentfulStatusCode,
  message: string,
  documentationUrl = DOCS,
): Response {
  return c.json({ message, documentation_url: documentationUrl, status: String(status) }, status);
}

const notFound = (c: FakeContext) => ghError(c, 404, 'Not Found');

function iso(ms: number): string {
  // GitHub timestamps have no milliseconds.
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function userJson(login: string, id: number, type: 'User' | 'Bot' = 'User'): GitHubUserJson {
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    type,
    site_admin: false,
  };
}

/** Stable fake id for a login, so the same login always gets the same user id. */
function idFor(login: string): number {
  return (createHash('sha1').update(login).digest().readUInt32BE(0) % 90_000_000) + 10_000_000;
}

function gitBlobSha(text: string): string {
  const data = Buffer.from(text);
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** Reads per_page/page like GitHub (default 30, max 100) and sets its Link header. */
function paginate<T>(c: FakeContext, items: T[]): T[] {
  const perPage = Math.min(Math.max(Number(c.req.query('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(c.req.query('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => {
    const url = new URL(c.req.url);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(p));
    return `<${url}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  if (links.length > 0) c.header('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

function bodyObject(c: FakeContext): Record<string, unknown> {
  const body = c.get('body');
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

export function createFakeGitHub(opts: FakeGitHubOptions = {}): FakeGitHubApp {
  const appSlug = opts.appSlug ?? 'code-factory';
  const appId = opts.appId ?? 1;
  const botLogin = `${appSlug}[bot]`;
  const bot = userJson(botLogin, 41_000_000 + appId, 'Bot');
  const htmlBase = opts.htmlUrl ?? 'https://github.com';
  const defaultBranch = opts.defaultBranch ?? 'main';

  const permissions = new Map<string, GitHubPermission>();
  const comments = new Map<number, StoredComment>();
  const reactions: RecordedReaction[] = [];
  const pulls = new Map<string, StoredPull>();
  const links = new Map<string, number[]>();
  const runs = new Map<string, StoredRun>();
  const jobs = new Map<number, { run: StoredRun; job: StoredRun['jobs'][number] }>();
  const files = new Map<string, string>();
  const tokens: IssuedToken[] = [];
  const userIds = new Map<string, number>();
  const idOf = (login: string) => userIds.get(login.toLowerCase()) ?? idFor(login);
  let nextId = 2_000_000_001;

  const apiBase = (c: FakeContext) => new URL(c.req.url).origin;

  const commentJson = (api: string, s: StoredComment): IssueCommentJson => ({
    url: `${api}/repos/${s.owner}/${s.repo}/issues/comments/${s.id}`,
    html_url: `${htmlBase}/${s.owner}/${s.repo}/issues/${s.issue}#issuecomment-${s.id}`,
    issue_url: `${api}/repos/${s.owner}/${s.repo}/issues/${s.issue}`,
    id: s.id,
    node_id: Buffer.from(`012:IssueComment${s.id}`).toString('base64'),
    user: s.user,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    author_association: s.authorAssociation,
    body: s.body,
    performed_via_github_app: null,
  });

  const pullJson = (c: FakeContext, p: StoredPull) => {
    const repoJson = (owner: string) => ({
      name: p.repo,
      full_name: `${owner}/${p.repo}`,
      owner: userJson(owner, idFor(owner)),
      html_url: `${htmlBase}/${owner}/${p.repo}`,
    });
    return {
      url: `${apiBase(c)}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
      id: 3_000_000_000 + p.number,
      html_url: `${htmlBase}/${p.owner}/${p.repo}/pull/${p.number}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      body: p.body,
      user: userJson(p.author, p.authorId),
      created_at: iso(p.createdAt),
      updated_at: iso(p.createdAt),
      closed_at: p.state === 'closed' ? iso(p.createdAt) : null,
      merged_at: null,
      draft: false,
      head: {
        label: `${p.headOwner}:${p.headRef}`,
        ref: p.headRef,
        sha: p.headSha,
        user: userJson(p.headOwner, idFor(p.headOwner)),
        repo: repoJson(p.headOwner),
      },
      base: {
        label: `${p.owner}:${p.baseRef}`,
        ref: p.baseRef,
        sha: '0'.repeat(40),
        user: userJson(p.owner, idFor(p.owner)),
        repo: repoJson(p.owner),
      },
      author_association: 'CONTRIBUTOR',
    };
  };

  const jobJson = (run: StoredRun, job: StoredRun['jobs'][number]) => ({
    id: job.id,
    run_id: run.runId,
    workflow_name: run.name,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    html_url: `${htmlBase}/${run.owner}/${run.repo}/actions/runs/${run.runId}/job/${job.id}`,
    status: job.status ?? 'completed',
    conclusion: job.conclusion,
    created_at: iso(job.createdAt),
    started_at: iso(job.createdAt),
    completed_at: (job.status ?? 'completed') === 'completed' ? iso(job.createdAt) : null,
    name: job.name,
    steps: [],
    labels: ['ubuntu-latest'],
  });

  const deliveryLog = new DeliveryLog();
  const http = new HttpFake();
  const app = http.app;

  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_logs/')) return next(); // pre-signed download URL
    const auth = c.req.header('authorization') ?? '';
    if (!/^(token|bearer)\s+\S+/i.test(auth)) return ghError(c, 401, 'Requires authentication');
    await next();
  });

  app.get('/app', (c) =>
    c.json({
      id: appId,
      slug: appSlug,
      node_id: Buffer.from(`03:Integration${appId}`).toString('base64'),
      name: opts.appName ?? 'Code Factory',
      owner: userJson(opts.appOwner ?? 'acme', idFor(opts.appOwner ?? 'acme')),
      html_url: `${htmlBase}/apps/${appSlug}`,
      events: ['issues', 'issue_comment', 'pull_request_review', 'pull_request_review_comment'],
    }),
  );

  app.post('/app/installations/:id/access_tokens', (c) => {
    const installationId = Number(c.req.param('id'));
    const jwt = (c.req.header('authorization') ?? '').replace(/^bearer\s+/i, '');
    const token = `ghs_fake${randomBytes(16).toString('hex')}`;
    tokens.push({ installationId, jwt, token });
    return c.json(
      {
        token,
        expires_at: iso(Date.now() + 3_600_000),
        permissions: {
          issues: 'write',
          pull_requests: 'write',
          contents: 'read',
          actions: 'read',
          metadata: 'read',
        },
        repository_selection: 'all',
      },
      201,
    );
  });

  // The App's webhook deliveries take the App's JWT, never an installation token.
  app.use('/app/hook/*', async (c, next) => {
    const auth = c.req.header('authorization') ?? '';
    if (!/^bearer\s+[\w-]+\.[\w-]+\.[\w-]+$/i.test(auth)) {
      return ghError(c, 401, 'A JSON web token could not be decoded');
    }
    await next();
  });

  app.get('/app/hook/deliveries', (c) => {
    const perPage = Math.min(Math.max(Number(c.req.query('per_page') ?? 30) || 30, 1), 100);
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !/^v1_\d+$/.test(cursor)) {
      return ghError(c, 400, 'Invalid cursor');
    }
    const { items, next } = deliveryLog.page(perPage, cursor);
    if (next) {
      const url = new URL(c.req.url);
      url.searchParams.set('per_page', String(perPage));
      url.searchParams.set('cursor', next);
      c.header('link', `<${url}>; rel="next"`);
    }
    return c.json(items.map(deliveryItemJson));
  });

  app.get('/app/hook/deliveries/:id', (c) => {
    const delivery = deliveryLog.get(Number(c.req.param('id')));
    if (!delivery) return notFound(c);
    return c.json({
      ...deliveryItemJson(delivery),
      url: '',
      request: { headers: {}, payload: delivery.payload },
      response: { headers: {}, payload: delivery.response.body },
    });
  });

  app.post('/app/hook/deliveries/:id/attempts', (c) => {
    if (!deliveryLog.redeliver(Number(c.req.param('id')))) return notFound(c);
    return c.json({}, 202);
  });

  app.get('/repos/:owner/:repo/collaborators/:login/permission', (c) => {
    const { owner, repo, login } = c.req.param();
    const role = permissions.get(`${repoKey(owner, repo)}:${login.toLowerCase()}`) ?? 'none';
    return c.json({
      permission: ROLE_TO_PERMISSION[role],
      role_name: role,
      user: userJson(login, idOf(login)),
    });
  });

  app.get('/repos/:owner/:repo/issues/comments/:id', (c) => {
    const stored = comments.get(Number(c.req.param('id')));
    if (!stored || repoKey(stored.owner, stored.repo) !== repoKey(...ownerRepo(c))) {
      return notFound(c);
    }
    return c.json(commentJson(apiBase(c), stored));
  });

  app.patch('/repos/:owner/:repo/issues/comments/:id', (c) => {
    const stored = comments.get(Number(c.req.param('id')));
    if (!stored || repoKey(stored.owner, stored.repo) !== repoKey(...ownerRepo(c))) {
      return notFound(c);
    }
    const body = bodyObject(c).body;
    if (typeof body !== 'string')
      return ghError(c, 422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    stored.body = body;
    stored.updatedAt = Date.now();
    return c.json(commentJson(apiBase(c), stored));
  });

  app.get('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const issue = Number(c.req.param('number'));
    return c.json(
      paginate(c, listComments(owner, repo, issue)).map((s) => commentJson(apiBase(c), s)),
    );
  });

  app.post('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const body = bodyObject(c).body;
    if (typeof body !== 'string')
      return ghError(c, 422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    const stored = storeComment(owner, repo, Number(c.req.param('number')), body, bot, 'NONE');
    return c.json(commentJson(apiBase(c), stored), 201);
  });

  const reactionRoute =
    (subject: RecordedReaction['subject']) =>
    (c: FakeContext): Response => {
      const [owner, repo] = ownerRepo(c);
      const commentId = Number(c.req.param('id'));
      const content = bodyObject(c).content;
      if (typeof content !== 'string' || !REACTIONS.has(content)) {
        return ghError(c, 422, 'Validation Failed');
      }
      // Comments from webhooks are not seeded here, so any comment id is accepted.
      const existing = reactions.find(
        (r) =>
          r.subject === subject &&
          r.commentId === commentId &&
          r.content === content &&
          repoKey(r.owner, r.repo) === repoKey(owner, repo),
      );
      const reaction = existing ?? {
        owner,
        repo,
        subject,
        commentId,
        content: content as ReactionContent,
        id: nextId++,
      };
      if (!existing) reactions.push(reaction);
      // GitHub answers 200 when this user already left that reaction, 201 when it is new.
      return c.json(
        {
          id: reaction.id,
          node_id: Buffer.from(`08:Reaction${reaction.id}`).toString('base64'),
          user: bot,
          content: reaction.content,
          created_at: iso(Date.now()),
        },
        existing ? 200 : 201,
      );
    };
  app.post('/repos/:owner/:repo/issues/comments/:id/reactions', reactionRoute('issue_comment'));
  app.post(
    '/repos/:owner/:repo/pulls/comments/:id/reactions',
    reactionRoute('pull_request_review_comment'),
  );

  app.get('/repos/:owner/:repo/pulls', (c) => {
    const [owner, repo] = ownerRepo(c);
    const state = c.req.query('state') ?? 'open';
    const head = c.req.query('head');
    const base = c.req.query('base');
    const list = [...pulls.values()]
      .filter((p) => repoKey(p.owner, p.repo) === repoKey(owner, repo))
      .filter((p) => state === 'all' || p.state === state)
      .filter((p) => !head || `${p.headOwner}:${p.headRef}`.toLowerCase() === head.toLowerCase())
      .filter((p) => !base || p.baseRef === base)
      .sort((a, b) => b.number - a.number);
    return c.json(paginate(c, list).map((p) => pullJson(c, p)));
  });

  app.get('/repos/:owner/:repo/pulls/:number', (c) => {
    const pull = pulls.get(`${repoKey(...ownerRepo(c))}#${c.req.param('number')}`);
    return pull ? c.json({ ...pullJson(c, pull), merged: false }) : notFound(c);
  });

  app.post('/graphql', (c) => {
    const body = bodyObject(c);
    const query = typeof body.query === 'string' ? body.query : '';
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    if (!query.includes('closingIssuesReferences')) {
      return c.json({ errors: [{ message: 'fake github: unsupported GraphQL query' }] });
    }
    const owner = String(vars.owner ?? '');
    const repo = String(vars.repo ?? vars.name ?? '');
    const number = Number(vars.number ?? vars.pr ?? vars.prNumber);
    const key = `${repoKey(owner, repo)}#${number}`;
    if (!pulls.has(key) && !links.has(key)) {
      return c.json({
        data: { repository: { pullRequest: null } },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['repository', 'pullRequest'],
            message: `Could not resolve to a PullRequest with the number of ${number}.`,
          },
        ],
      });
    }
    const first = Number(/closingIssuesReferences\s*\(\s*first:\s*(\d+)/.exec(query)?.[1] ?? 100);
    const issues = links.get(key) ?? [];
    return c.json({
      data: {
        repository: {
          pullRequest: {
            number,
            closingIssuesReferences: {
              totalCount: issues.length,
              nodes: issues.slice(0, first).map((n) => ({
                number: n,
                repository: {
                  name: repo,
                  nameWithOwner: `${owner}/${repo}`,
                  owner: { login: owner },
                },
              })),
            },
          },
        },
      },
    });
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId', (c) => {
    const run = runs.get(`${repoKey(...ownerRepo(c))}#${c.req.param('runId')}`);
    if (!run) return notFound(c);
    const failed = run.jobs.some((j) => j.conclusion === 'failure');
    return c.json({
      id: run.runId,
      name: run.name,
      path: run.path,
      head_sha: run.headSha,
      head_branch: run.headBranch,
      status: 'completed',
      conclusion: failed ? 'failure' : 'success',
      html_url: `${htmlBase}/${run.owner}/${run.repo}/actions/runs/${run.runId}`,
      jobs_url: `${apiBase(c)}/repos/${run.owner}/${run.repo}/actions/runs/${run.runId}/jobs`,
      pull_requests: [],
    });
  });

  app.get('/repos/:owner/:repo/actions/runs/:runId/jobs', (c) => {
    const run = runs.get(`${repoKey(...ownerRepo(c))}#${c.req.param('runId')}`);
    if (!run) return notFound(c);
    return c.json({
      total_count: run.jobs.length,
      jobs: paginate(c, run.jobs).map((j) => jobJson(run, j)),
    });
  });

  app.get('/repos/:owner/:repo/actions/jobs/:jobId/logs', (c) => {
    const entry = jobs.get(Number(c.req.param('jobId')));
    if (!entry || repoKey(entry.run.owner, entry.run.repo) !== repoKey(...ownerRepo(c))) {
      return notFound(c);
    }
    return c.redirect(`${apiBase(c)}/_logs/${entry.job.id}`, 302);
  });

  app.get('/_logs/:jobId', (c) => {
    const entry = jobs.get(Number(c.req.param('jobId')));
    if (!entry) return c.text('Not Found', 404);
    return c.text(entry.job.log ?? '');
  });

  app.get('/repos/:owner/:repo/contents/:path{.+}', (c) => {
    const [owner, repo] = ownerRepo(c);
    const path = c.req.param('path');
    const ref = c.req.query('ref') ?? defaultBranch;
    const text = files.get(`${repoKey(owner, repo)}@${ref}:${path}`);
    if (text === undefined) return notFound(c);
    if (/\.raw\b/.test(c.req.header('accept') ?? '')) return c.text(text);
    const content = Buffer.from(text).toString('base64');
    const sha = gitBlobSha(text);
    return c.json({
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(text),
      name: path.split('/').pop() ?? path,
      path,
      // GitHub wraps the base64 at 60 characters.
      content: `${content.replace(/(.{60})/g, '$1\n')}\n`,
      sha,
      url: `${apiBase(c)}/repos/${owner}/${repo}/contents/${path}?ref=${ref}`,
      html_url: `${htmlBase}/${owner}/${repo}/blob/${ref}/${path}`,
      download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/${path}`,
    });
  });

  const repoWork = repoWorkRoutes(app, {
    bot,
    htmlBase,
    defaultBranch,
    ghError,
    body: bodyObject,
    paginate,
  });

  app.notFound((c) => notFound(c));

  function ownerRepo(c: FakeContext): [string, string] {
    return [c.req.param('owner') ?? '', c.req.param('repo') ?? ''];
  }

  function listComments(owner: string, repo: string, issue: number): StoredComment[] {
    return [...comments.values()]
      .filter((s) => s.issue === issue && repoKey(s.owner, s.repo) === repoKey(owner, repo))
      .sort((a, b) => a.id - b.id);
  }

  function storeComment(
    owner: string,
    repo: string,
    issue: number,
    body: string,
    user: GitHubUserJson,
    authorAssociation: string,
  ): StoredComment {
    const now = Date.now();
    const stored: StoredComment = {
      owner,
      repo,
      issue,
      id: nextId++,
      body,
      user,
      authorAssociation,
      createdAt: now,
      updatedAt: now,
    };
    comments.set(stored.id, stored);
    return stored;
  }

  // Test helpers build JSON outside a request; startFakeGitHub points this at the server.
  let helperApiUrl = 'https://api.github.com';

  return {
    app,
    appSlug,
    botLogin,
    calls: () => http.calls(),
    callsTo: (method, path) => http.callsTo(method, path),
    fail: (fault) => http.fail(fault),
    reset: () => http.reset(),
    releaseDelays: () => http.releaseDelays(),
    setPermission: (owner, repo, login, permission, userId) => {
      permissions.set(`${repoKey(owner, repo)}:${login.toLowerCase()}`, permission);
      if (userId !== undefined) userIds.set(login.toLowerCase(), userId);
    },
    addComment: (owner, repo, issue, comment) => {
      const user = userJson(comment.login, idOf(comment.login), comment.type ?? 'User');
      const stored = storeComment(
        owner,
        repo,
        issue,
        comment.body,
        user,
        comment.authorAssociation ?? 'MEMBER',
      );
      return commentJson(helperApiUrl, stored);
    },
    comments: (owner, repo, issue) =>
      listComments(owner, repo, issue).map((s) => commentJson(helperApiUrl, s)),
    reactions: () => reactions.map((r) => ({ ...r })),
    addPullRequest: (seed) => {
      pulls.set(`${repoKey(seed.owner, seed.repo)}#${seed.number}`, {
        ...seed,
        authorId: seed.authorId ?? idFor(seed.author),
        headOwner: seed.headOwner ?? seed.author,
        baseRef: seed.baseRef ?? defaultBranch,
        state: seed.state ?? 'open',
        title: seed.title ?? `Pull request #${seed.number}`,
        body: seed.body ?? '',
        createdAt: Date.now(),
      });
    },
    linkIssue: (owner, repo, prNumber, issueNumber) => {
      const key = `${repoKey(owner, repo)}#${prNumber}`;
      links.set(key, [...(links.get(key) ?? []), issueNumber]);
    },
    addWorkflowRun: (seed) => {
      const run: StoredRun = {
        owner: seed.owner,
        repo: seed.repo,
        runId: seed.runId,
        name: seed.name ?? 'CI',
        path: seed.path ?? '.github/workflows/ci.yml',
        headSha: seed.headSha ?? '0'.repeat(40),
        headBranch: seed.headBranch ?? defaultBranch,
        jobs: seed.jobs.map((j) => ({ ...j, createdAt: Date.now() })),
      };
      runs.set(`${repoKey(seed.owner, seed.repo)}#${seed.runId}`, run);
      for (const job of run.jobs) jobs.set(job.id, { run, job });
    },
    setFile: (owner, repo, ref, path, text) => {
      files.set(`${repoKey(owner, repo)}@${ref}:${path.replace(/^\//, '')}`, text);
    },
    installationTokens: () => tokens.map((t) => ({ ...t })),
    useApiUrl: (url) => {
      helperApiUrl = url;
    },
    configureWebhook: (target) => deliveryLog.configure(target),
    sendWebhook: (event, payload, options) => deliveryLog.send(event, payload, options),
    deliveries: () => deliveryLog.all(),
    redeliveriesSettled: () => deliveryLog.settled(),
    ...repoWork,
  };
}

/** Starts a fake GitHub API on 127.0.0.1; use its `url` as Octokit's `baseUrl`. */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = createFakeGitHub(opts);
  const server = await listen(fake, opts.port);
  fake.useApiUrl(server.url);
  return Object.assign(fake, server);
}

/** Ready-made faults shaped like GitHub's own throttling and outage answers. */
export const githubFaults = {
  /** 403 + retry-after: what GitHub sends when a client trips the secondary rate limit. */
  secondaryRateLimit(o: {
    path: RegExp;
    method?: string;
    times?: number;
    retryAfterSec?: number;
  }): FaultSpec {
    return {
      method: o.method,
      path: o.path,
      times: o.times,
      status: 403,
      headers: { 'retry-after': String(o.retryAfterSec ?? 1) },
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '403',
      },
    };
  },
  /** 403 with x-ratelimit-remaining 0: the primary (hourly) limit. */
  primaryRateLimit(o: { path: RegExp; method?: string; times?: number; resetInSec?: number }) {
    const reset = Math.ceil(Date.now() / 1000) + (o.resetInSec ?? 1);
    return {
      method: o.method,
      path: o.path,
      times: o.times,
      status: 403,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(reset),
      },
      body: {
        message: 'API rate limit exceeded for installation ID 1.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit',
        status: '403',
      },
    } satisfies FaultSpec;
  },
  serverError(o: { path: RegExp; method?: string; times?: number; status?: number }): FaultSpec {
    return {
      method: o.method,
      path: o.path,
      times: o.times,
      status: o.status ?? 502,
      body: { message: 'Server Error' },
    };
  },
};
