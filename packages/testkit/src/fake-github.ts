/**
 * A fake GitHub API for tests and `pnpm dev`: the App endpoints, issues and comments, pull
 * requests, Actions, contents and the App's webhook deliveries, with GitHub's JSON shapes and
 * error bodies. State and JSON shapes live in `fake-github/state.ts`, routes in one module per
 * family (`fake-github/routes-*.ts`, each citing the GitHub docs it follows); this module
 * composes them. Routes are served at `/` (github.com) and `/api/v3` + `/api/graphql` (GitHub
 * Enterprise Server).
 */
import { Hono } from 'hono';
import { registerActionsRoutes } from './fake-github/routes-actions';
import { registerAppRoutes } from './fake-github/routes-app';
import { comparisonKey, registerCompareRoutes } from './fake-github/routes-compare';
import { registerContentsRoutes } from './fake-github/routes-contents';
import { registerIssueRoutes } from './fake-github/routes-issues';
import { registerGraphqlRoutes, registerPullRoutes } from './fake-github/routes-pulls';
import { type RepoWorkControls, repoWorkRoutes } from './fake-github/routes-repo-work';
import { registerReviewRequestRoutes } from './fake-github/routes-review-requests';
import {
  bodyObject,
  type ComparisonSeed,
  conclusionOf,
  type FakeGitHubOptions,
  type GitHubPermission,
  GitHubState,
  ghError,
  type IssueCommentJson,
  type IssuedToken,
  iso,
  type JobConclusion,
  type Mergeability,
  notFound,
  type PullRequestSeed,
  paginate,
  type RecordedBranchUpdate,
  type RecordedReaction,
  type ReviewCommentSeed,
  type ReviewThreadSeed,
  repoKey,
  type StoredPull,
  type StoredRun,
  type StoredThread,
  userJson,
  type WorkflowRunSeed,
} from './fake-github/state';
import {
  DeliveryLog,
  type RecordedDelivery,
  type SentWebhook,
  type WebhookTarget,
} from './fake-github-deliveries';
import {
  type FakeControls,
  type FakeEnv,
  type FaultSpec,
  HttpFake,
  listen,
  type RunningServer,
} from './http-fake';

export type {
  ComparisonSeed,
  FakeGitHubOptions,
  GitHubPermission,
  GitHubUserJson,
  IssueCommentJson,
  IssuedToken,
  JobConclusion,
  Mergeability,
  MergeableState,
  PullRequestSeed,
  ReactionContent,
  RecordedBranchUpdate,
  RecordedReaction,
  ReviewCommentSeed,
  ReviewThreadSeed,
  WorkflowJobSeed,
  WorkflowRunSeed,
} from './fake-github/state';

/** A review thread as the fake holds it (`line` is what GraphQL shows before it is outdated). */
export interface FakeReviewThread {
  id: string;
  owner: string;
  repo: string;
  number: number;
  path: string;
  line: number | null;
  resolved: boolean;
  outdated: boolean;
  comments: Array<{ author: string | null; body: string; createdAt: string }>;
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
  /** The comments of a submitted review, in order (listed by the review's comments route). */
  setReviewComments(
    owner: string,
    repo: string,
    pull: number,
    reviewId: number,
    comments: ReviewCommentSeed[],
  ): void;
  /**
   * The pull request closes this issue when merged ("Fixes #12"); `issueRepo` when the issue
   * lives in another repository ("Fixes other/repo#12": closingIssuesReferences crosses them).
   */
  linkIssue(
    owner: string,
    repo: string,
    prNumber: number,
    issueNumber: number,
    issueRepo?: { owner: string; name: string },
  ): void;
  addWorkflowRun(seed: WorkflowRunSeed): void;
  /**
   * What GitHub's background mergeability job found for the pull request; `pendingReads: n`
   * makes the next n reads answer `mergeable: null` / `mergeable_state: "unknown"` first.
   */
  setMergeability(owner: string, repo: string, number: number, mergeability: Mergeability): void;
  /** Someone pushed to the pull request's branch: its head is now `headSha`. */
  setPullHead(owner: string, repo: string, number: number, headSha: string): void;
  /**
   * update-branch answers 422 with `message` (null: stop refusing), as GitHub does when it
   * cannot push to the head (a fork without maintainer edits is refused without this).
   */
  refuseUpdateBranch(owner: string, repo: string, number: number, message: string | null): void;
  /** Every update-branch call, refused ones too, oldest first. */
  branchUpdates(): RecordedBranchUpdate[];
  /** The answer to `GET /repos/{owner}/{repo}/compare/{base}...{head}`. */
  setComparison(seed: ComparisonSeed): void;
  /**
   * Finishes the latest attempt of a run (after `rerun-failed-jobs`): each re-run job gets the
   * conclusion `conclusions` names for it (default success) and the attempt completes.
   */
  completeRerun(
    owner: string,
    repo: string,
    runId: number,
    conclusions?: Record<string, JobConclusion>,
  ): void;
  /** The run's latest attempt: its number, status and conclusion. */
  runAttempt(
    owner: string,
    repo: string,
    runId: number,
  ): { runAttempt: number; status: string; conclusion: string | null };
  /** A team (`org/slug`, or `slug` in the owner's organization) that may review in the repo. */
  addTeam(owner: string, repo: string, team: string): void;
  /** Who has been requested to review (logins, and teams as `org/slug`). */
  requestedReviewers(
    owner: string,
    repo: string,
    number: number,
  ): { users: string[]; teams: string[] };
  /** Opens a review thread on the pull request; returns its GraphQL node id. */
  addReviewThread(owner: string, repo: string, number: number, seed: ReviewThreadSeed): string;
  /** Marks the thread resolved (or unresolved again with `false`). */
  resolveReviewThread(id: string, resolved?: boolean): void;
  /** A later push changed the thread's line: it is outdated (its `line` reads null). */
  outdateReviewThread(id: string): void;
  replyToReviewThread(id: string, reply: { author: string | null; body: string }): void;
  reviewThreads(owner: string, repo: string, number: number): FakeReviewThread[];
  setFile(owner: string, repo: string, ref: string, path: string, text: string): void;
  /** Installation tokens handed out, with the App JWT that asked for each. */
  installationTokens(): IssuedToken[];
  /** Origin used in `url` fields of helper results; startFakeGitHub sets it to the server. */
  useApiUrl(url: string): void;
  /** Origin job log downloads redirect to; startFakeGitHub serves a second one for it. */
  useLogsUrl(url: string): void;
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

export function createFakeGitHub(opts: FakeGitHubOptions = {}): FakeGitHubApp {
  const state = new GitHubState(opts);
  const deliveryLog = new DeliveryLog();
  const http = new HttpFake();

  const routes = new Hono<FakeEnv>();
  routes.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_logs/')) return next(); // pre-signed download URL
    const auth = c.req.header('authorization') ?? '';
    if (!/^(token|bearer)\s+\S+/i.test(auth)) return ghError(c, 401, 'Requires authentication');
    await next();
  });
  registerAppRoutes(routes, state, deliveryLog, opts);
  registerIssueRoutes(routes, state);
  registerPullRoutes(routes, state);
  registerReviewRequestRoutes(routes, state);
  registerCompareRoutes(routes, state);
  registerActionsRoutes(routes, state);
  registerContentsRoutes(routes, state);
  const repoWork = repoWorkRoutes(routes, {
    bot: state.bot,
    htmlBase: state.htmlBase,
    defaultBranch: state.defaultBranch,
    ghError,
    body: bodyObject,
    paginate,
  });
  const graphql = new Hono<FakeEnv>();
  registerGraphqlRoutes(graphql, state);
  // github.com paths, and GitHub Enterprise Server's (`/api/v3` for REST, `/api/graphql`).
  http.app.route('/', routes);
  http.app.route('/api/v3', routes);
  http.app.route('/', graphql);
  http.app.route('/api', graphql);
  http.app.notFound((c) => notFound(c));

  // Test helpers build JSON outside a request; startFakeGitHub points this at the server.
  let helperApiUrl = 'https://api.github.com';

  const pullOf = (owner: string, repo: string, number: number): StoredPull => {
    const pull = state.pull(owner, repo, number);
    if (!pull) throw new Error(`fake github: no pull request ${owner}/${repo}#${number}`);
    return pull;
  };
  const runOf = (owner: string, repo: string, runId: number): StoredRun => {
    const run = state.run(owner, repo, runId);
    if (!run) throw new Error(`fake github: no workflow run ${runId} in ${owner}/${repo}`);
    return run;
  };
  const threadOf = (id: string): StoredThread => {
    const thread = state.threads.get(id);
    if (!thread) throw new Error(`fake github: no review thread ${id}`);
    return thread;
  };
  const threadView = (t: StoredThread): FakeReviewThread => {
    const [, owner = '', repo = '', number = '0'] = /^([^/]+)\/(.+)#(\d+)$/.exec(t.pullKey) ?? [];
    return {
      id: t.id,
      owner,
      repo,
      number: Number(number),
      path: t.path,
      line: t.isOutdated ? null : t.originalLine,
      resolved: t.isResolved,
      outdated: t.isOutdated,
      comments: t.comments.map((comment) => ({ ...comment })),
    };
  };

  return {
    app: http.app,
    appSlug: state.appSlug,
    botLogin: state.botLogin,
    calls: () => http.calls(),
    callsTo: (method, path) => http.callsTo(method, path),
    fail: (fault) => http.fail(fault),
    reset: () => http.reset(),
    releaseDelays: () => http.releaseDelays(),
    setPermission: (owner, repo, login, permission, userId) => {
      state.permissions.set(`${repoKey(owner, repo)}:${login.toLowerCase()}`, permission);
      if (userId !== undefined) state.userIds.set(login.toLowerCase(), userId);
    },
    addComment: (owner, repo, issue, comment) => {
      const user = userJson(comment.login, state.idOf(comment.login), comment.type ?? 'User');
      const association = comment.authorAssociation ?? 'MEMBER';
      const stored = state.storeComment(owner, repo, issue, comment.body, user, association);
      return state.commentJson(helperApiUrl, stored);
    },
    comments: (owner, repo, issue) =>
      state.listComments(owner, repo, issue).map((s) => state.commentJson(helperApiUrl, s)),
    reactions: () => state.reactions.map((r) => ({ ...r })),
    addPullRequest: (seed) => state.addPullRequest(seed),
    setReviewComments: (owner, repo, pull, reviewId, comments) => {
      state.reviewComments.set(`${repoKey(owner, repo)}#${pull}/${reviewId}`, [...comments]);
    },
    linkIssue: (owner, repo, prNumber, issueNumber, issueRepo) => {
      const key = `${repoKey(owner, repo)}#${prNumber}`;
      const ref = issueRepo ? `${issueRepo.owner}/${issueRepo.name}#${issueNumber}` : issueNumber;
      state.links.set(key, [...(state.links.get(key) ?? []), ref]);
    },
    addWorkflowRun: (seed) => state.addWorkflowRun(seed),
    setMergeability: (owner, repo, number, m) => {
      pullOf(owner, repo, number).mergeability = {
        mergeable: m.mergeable,
        state: m.state,
        pendingReads: m.pendingReads ?? 0,
      };
    },
    setPullHead: (owner, repo, number, headSha) => {
      pullOf(owner, repo, number).headSha = headSha;
    },
    refuseUpdateBranch: (owner, repo, number, message) => {
      pullOf(owner, repo, number).updateBranchRefusal = message;
    },
    branchUpdates: () => state.branchUpdates.map((u) => ({ ...u })),
    setComparison: (seed) => {
      state.comparisons.set(comparisonKey(seed.owner, seed.repo, seed.base, seed.head), seed);
    },
    completeRerun: (owner, repo, runId, conclusions = {}) => {
      const run = runOf(owner, repo, runId);
      const attempt = run.attempts.at(-1);
      if (!attempt) return;
      for (const job of attempt.jobs) {
        if (job.runAttempt !== attempt.number) continue; // carried over from an earlier attempt
        job.conclusion = conclusions[job.name] ?? 'success';
        job.status = 'completed';
      }
      attempt.status = 'completed';
    },
    runAttempt: (owner, repo, runId) => {
      const run = runOf(owner, repo, runId);
      const attempt = run.attempts.at(-1);
      const status = attempt?.status ?? 'completed';
      return {
        runAttempt: attempt?.number ?? 1,
        status,
        conclusion: conclusionOf(attempt?.jobs ?? [], status),
      };
    },
    addTeam: (owner, repo, team) => {
      const full = team.includes('/') ? team : `${owner}/${team}`;
      state.teams.add(`${repoKey(owner, repo)}:${full.toLowerCase()}`);
    },
    requestedReviewers: (owner, repo, number) => {
      const pull = pullOf(owner, repo, number);
      return { users: [...pull.requestedReviewers], teams: [...pull.requestedTeams] };
    },
    addReviewThread: (owner, repo, number, seed) => {
      pullOf(owner, repo, number);
      const id = `PRRT_fake${state.nextId()}`;
      state.threads.set(id, {
        id,
        pullKey: `${repoKey(owner, repo)}#${number}`,
        path: seed.path,
        originalLine: seed.line ?? null,
        isResolved: seed.resolved ?? false,
        isOutdated: seed.outdated ?? false,
        comments: [
          { author: seed.author, body: seed.body, createdAt: seed.createdAt ?? iso(Date.now()) },
        ],
      });
      return id;
    },
    resolveReviewThread: (id, resolved = true) => {
      threadOf(id).isResolved = resolved;
    },
    outdateReviewThread: (id) => {
      threadOf(id).isOutdated = true;
    },
    replyToReviewThread: (id, reply) => {
      threadOf(id).comments.push({ ...reply, createdAt: iso(Date.now()) });
    },
    reviewThreads: (owner, repo, number) =>
      [...state.threads.values()]
        .filter((t) => t.pullKey === `${repoKey(owner, repo)}#${number}`)
        .map(threadView),
    setFile: (owner, repo, ref, path, text) => {
      state.files.set(`${repoKey(owner, repo)}@${ref}:${path.replace(/^\//, '')}`, text);
    },
    installationTokens: () => state.tokens.map((t) => ({ ...t })),
    useApiUrl: (url) => {
      helperApiUrl = url;
    },
    useLogsUrl: (url) => {
      state.logsUrl = url;
    },
    configureWebhook: (target) => deliveryLog.configure(target),
    sendWebhook: (event, payload, options) => deliveryLog.send(event, payload, options),
    deliveries: () => deliveryLog.all(),
    redeliveriesSettled: () => deliveryLog.settled(),
    ...repoWork,
  };
}

/**
 * Starts a fake GitHub API on 127.0.0.1; use its `url` as Octokit's `baseUrl`. Job logs are
 * served from a second port, so that a log download crosses origins as on GitHub.
 */
export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = createFakeGitHub(opts);
  const server = await listen(fake, opts.port);
  const logs = await listen(fake);
  fake.useApiUrl(server.url);
  fake.useLogsUrl(logs.url);
  return Object.assign(fake, server, {
    close: async () => {
      await Promise.all([server.close(), logs.close()]);
    },
  });
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
