/**
 * A fake GitHub API for tests and `pnpm dev`: the App endpoints, issues and comments, pull
 * requests, Actions, contents and the App's webhook deliveries, with GitHub's JSON shapes and
 * error bodies. State and JSON shapes live in `fake-github/state.ts`, routes in one module per
 * family (`fake-github/routes-*.ts`, each citing the GitHub docs it follows); this module
 * composes them. Routes are served at `/` (github.com) and `/api/v3` + `/api/graphql` (GitHub
 * Enterprise Server).
 */
import { Hono } from 'hono';
import { ghError, iso, notFound } from './fake-github/http';
import { registerActionsRoutes } from './fake-github/routes-actions';
import { registerAppRoutes } from './fake-github/routes-app';
import { registerCommitRoutes, storedCommit } from './fake-github/routes-commits';
import { comparisonKey, registerCompareRoutes } from './fake-github/routes-compare';
import { registerContentsRoutes } from './fake-github/routes-contents';
import { registerIssueRoutes } from './fake-github/routes-issues';
import { registerGraphqlRoutes, registerPullRoutes } from './fake-github/routes-pulls';
import {
  type BranchProtectionSeed,
  type CheckRunSeed,
  type CommitSeed,
  type CommitStatusSeed,
  type ComparisonSeed,
  conclusionOf,
  type FakeGitHubOptions,
  GITHUB_ACTIONS_APP,
  type GitHubPermission,
  GitHubState,
  inRepo,
  type JobConclusion,
  type Mergeability,
  type PullRequestSeed,
  type ReviewCommentSeed,
  type ReviewThreadSeed,
  type RulesetSeed,
  repoKey,
  userJson,
  type WorkflowRunSeed,
} from './fake-github/state';
import { DeliveryLog, type WebhookTarget } from './fake-github-deliveries';
import { type FakeEnv, type FaultSpec, HttpFake, listen, type RunningServer } from './http-fake';

export type {
  BranchProtectionSeed,
  CheckRunSeed,
  CommitSeed,
  CommitStatusSeed,
  PullRequestSeed,
  RulesetSeed,
  WorkflowJobSeed,
  WorkflowRunSeed,
} from './fake-github/state';

export type FakeGitHubApp = ReturnType<typeof createFakeGitHub>;
export type FakeGitHub = FakeGitHubApp & RunningServer;

export function createFakeGitHub(opts: FakeGitHubOptions = {}) {
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
  // One family of REST routes a module (`fake-github/routes-*.ts`); a new family is one entry.
  const families = [
    registerIssueRoutes,
    registerPullRoutes,
    registerCompareRoutes,
    registerCommitRoutes,
    registerActionsRoutes,
    registerContentsRoutes,
  ];
  for (const register of families) register(routes, state);
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

  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`fake github: no ${what}`);
    return value;
  };
  const pullOf = (owner: string, repo: string, number: number) =>
    must(state.pull(owner, repo, number), `pull request ${owner}/${repo}#${number}`);
  const lastAttempt = (owner: string, repo: string, runId: number) =>
    must(state.run(owner, repo, runId), `workflow run ${runId} in ${owner}/${repo}`).attempts.at(
      -1,
    );
  const threadOf = (id: string) => must(state.threads.get(id), `review thread ${id}`);
  const ofRepo = <T extends { owner: string; repo: string }>(
    items: T[],
    owner: string,
    repo: string,
  ) => items.filter(inRepo(owner, repo)).map((i) => ({ ...i }));

  return {
    ...http,
    appSlug: state.appSlug,
    /** `<slug>[bot]` */
    botLogin: state.botLogin,
    /** Role of `login` on the repo; unknown users get "none", as on GitHub. */
    setPermission: (
      owner: string,
      repo: string,
      login: string,
      permission: GitHubPermission,
      userId?: number,
    ) => {
      state.permissions.set(`${repoKey(owner, repo)}:${login.toLowerCase()}`, permission);
      if (userId !== undefined) state.userIds.set(login.toLowerCase(), userId);
    },
    /** Seeds a comment written by someone else (default a human). */
    addComment: (
      owner: string,
      repo: string,
      issue: number,
      comment: { body: string; login: string; type?: 'User' | 'Bot'; authorAssociation?: string },
    ) => {
      const { body, login, type = 'User', authorAssociation = 'MEMBER' } = comment;
      const where = { owner, repo, issue, body, user: userJson(login, state.idOf(login), type) };
      return state.commentJson(helperApiUrl, state.storeComment({ ...where, authorAssociation }));
    },
    comments: (owner: string, repo: string, issue: number) =>
      state.listComments(owner, repo, issue).map((s) => state.commentJson(helperApiUrl, s)),
    reactions: () => state.reactions.map((r) => ({ ...r })),
    addPullRequest: (seed: PullRequestSeed) => state.addPullRequest(seed),
    /** The comments of a submitted review, in order (listed by the review's comments route). */
    setReviewComments: (
      owner: string,
      repo: string,
      pull: number,
      reviewId: number,
      comments: ReviewCommentSeed[],
    ) => {
      state.reviewComments.set(`${repoKey(owner, repo)}#${pull}/${reviewId}`, [...comments]);
    },
    /**
     * The pull request closes this issue when merged ("Fixes #12"); `issueRepo` when the issue
     * lives in another repository ("Fixes other/repo#12": closingIssuesReferences crosses them).
     */
    linkIssue: (
      owner: string,
      repo: string,
      prNumber: number,
      issueNumber: number,
      issueRepo?: { owner: string; name: string },
    ) => {
      const key = `${repoKey(owner, repo)}#${prNumber}`;
      const ref = issueRepo ? `${issueRepo.owner}/${issueRepo.name}#${issueNumber}` : issueNumber;
      state.links.set(key, [...(state.links.get(key) ?? []), ref]);
    },
    addWorkflowRun: (seed: WorkflowRunSeed) => state.addWorkflowRun(seed),
    /**
     * What GitHub's background mergeability job found for the pull request; `pendingReads: n`
     * makes the next n reads answer `mergeable: null` / `mergeable_state: "unknown"` first.
     */
    setMergeability: (owner: string, repo: string, number: number, m: Mergeability) => {
      const { mergeable, state: mergeState, pendingReads = 0 } = m;
      pullOf(owner, repo, number).mergeability = { mergeable, state: mergeState, pendingReads };
    },
    /**
     * A commit "List commits" can walk (from a sha through its parents) and filter by `path`
     * and `since`; make it a pull request's head with `setPullHead` or `headSha`.
     */
    addCommit: (owner: string, repo: string, seed: CommitSeed) => {
      state.commits.set(`${repoKey(owner, repo)}@${seed.sha}`, storedCommit(owner, repo, seed));
    },
    /** Someone pushed to the pull request's branch: its head is now `headSha`. */
    setPullHead: (owner: string, repo: string, number: number, headSha: string) => {
      pullOf(owner, repo, number).headSha = headSha;
    },
    /**
     * update-branch answers 422 with `message` (null: stop refusing), as GitHub does when it
     * cannot push to the head (a fork without maintainer edits is refused without this).
     */
    refuseUpdateBranch: (owner: string, repo: string, number: number, message: string | null) => {
      pullOf(owner, repo, number).updateBranchRefusal = message;
    },
    /** Every update-branch call, refused ones too, oldest first. */
    branchUpdates: () => state.branchUpdates.map((u) => ({ ...u })),
    /** The answer to `GET /repos/{owner}/{repo}/compare/{base}...{head}`. */
    setComparison: (seed: ComparisonSeed) => {
      state.comparisons.set(comparisonKey(seed.owner, seed.repo, seed.base, seed.head), seed);
    },
    /**
     * Finishes the latest attempt of a run (after `rerun-failed-jobs`): each re-run job gets the
     * conclusion `conclusions` names for it (default success) and the attempt completes.
     */
    completeRerun: (
      owner: string,
      repo: string,
      runId: number,
      conclusions: Record<string, JobConclusion> = {},
    ) => {
      const attempt = lastAttempt(owner, repo, runId);
      if (!attempt) return;
      // Jobs carried over from an earlier attempt keep their conclusion.
      for (const job of attempt.jobs.filter((j) => j.runAttempt === attempt.number)) {
        job.conclusion = conclusions[job.name] ?? 'success';
        job.status = 'completed';
      }
      attempt.status = 'completed';
    },
    /** The run's latest attempt: its number, status and conclusion. */
    runAttempt: (owner: string, repo: string, runId: number) => {
      const attempt = lastAttempt(owner, repo, runId);
      const status = attempt?.status ?? 'completed';
      const conclusion = conclusionOf(attempt?.jobs ?? [], status);
      return { runAttempt: attempt?.number ?? 1, status, conclusion };
    },
    /** A team (`org/slug`, or `slug` in the owner's organization) that may review in the repo. */
    addTeam: (owner: string, repo: string, team: string) => {
      const full = team.includes('/') ? team : `${owner}/${team}`;
      state.teams.add(`${repoKey(owner, repo)}:${full.toLowerCase()}`);
    },
    /** Who has been requested to review (logins, and teams as `org/slug`). */
    requestedReviewers: (owner: string, repo: string, number: number) => {
      const pull = pullOf(owner, repo, number);
      return { users: [...pull.requestedReviewers], teams: [...pull.requestedTeams] };
    },
    /** Opens a review thread on the pull request; returns its GraphQL node id. */
    addReviewThread: (owner: string, repo: string, number: number, seed: ReviewThreadSeed) => {
      pullOf(owner, repo, number);
      const id = `PRRT_fake${state.nextId()}`;
      const { author, body, createdAt = iso(Date.now()) } = seed;
      state.threads.set(id, {
        id,
        owner,
        repo,
        number,
        path: seed.path,
        line: seed.line ?? null,
        resolved: seed.resolved ?? false,
        outdated: seed.outdated ?? false,
        comments: [{ author, body, createdAt }],
      });
      return id;
    },
    /** Marks the thread resolved (or unresolved again with `false`). */
    resolveReviewThread: (id: string, resolved = true) => {
      threadOf(id).resolved = resolved;
    },
    /** A later push changed the thread's line: it is outdated (its `line` reads null). */
    outdateReviewThread: (id: string) => {
      threadOf(id).outdated = true;
    },
    replyToReviewThread: (id: string, reply: { author: string | null; body: string }) => {
      threadOf(id).comments.push({ ...reply, createdAt: iso(Date.now()) });
    },
    reviewThreads: (owner: string, repo: string, number: number) =>
      ofRepo([...state.threads.values()], owner, repo)
        .filter((t) => t.number === number)
        .map((t) => ({
          ...t,
          line: t.outdated ? null : t.line,
          comments: t.comments.map((c) => ({ ...c })),
        })),
    setFile: (owner: string, repo: string, ref: string, path: string, text: string) => {
      state.files.set(`${repoKey(owner, repo)}@${ref}:${path.replace(/^\//, '')}`, text);
    },
    /** Installation tokens handed out, with the App JWT that asked for each. */
    installationTokens: () => state.tokens.map((t) => ({ ...t })),
    /** Where webhooks sent through the fake go (the ingress), signed with `secret`. */
    configureWebhook: (target: WebhookTarget) => deliveryLog.configure(target),
    /**
     * Sends a webhook the way GitHub does, and records it in the App's delivery log with its
     * outcome (listed by `GET /app/hook/deliveries`, redelivered by `POST …/attempts`).
     */
    sendWebhook: (event: string, payload: unknown, options?: { guid?: string }) =>
      deliveryLog.send(event, payload, options),
    /** The delivery log, oldest first. */
    deliveries: () => deliveryLog.all(),
    /** Resolves once redeliveries started by `POST …/attempts` have been answered. */
    redeliveriesSettled: () => deliveryLog.settled(),
    /** Issues opened through the API (by the App), oldest first. */
    issues: (owner: string, repo: string) => ofRepo(state.issues, owner, repo),
    /** Closes an issue as a person would on GitHub. */
    closeIssue: (owner: string, repo: string, number: number) => {
      for (const issue of state.issues.filter(inRepo(owner, repo))) {
        if (issue.number === number) issue.state = 'closed';
      }
    },
    /** A branch that exists besides the default branch. */
    addBranch: (owner: string, repo: string, branch: string) =>
      state.branches.add(`${repoKey(owner, repo)}:${branch}`),
    checkRuns: (owner: string, repo: string) => ofRepo(state.checkRuns, owner, repo),
    /**
     * A check run another App (default GitHub Actions) reported on a commit; a later one of
     * the same name replaces it in the default (`latest`) listing, as a re-run does.
     */
    addCheckRun: (owner: string, repo: string, seed: CheckRunSeed) => {
      const status = seed.status ?? 'completed';
      const conclusion = status === 'completed' ? (seed.conclusion ?? 'success') : null;
      const id = 7_000_000_001 + state.checkRuns.length;
      const app = seed.app ?? GITHUB_ACTIONS_APP;
      const run = { owner, repo, id, name: seed.name, headSha: seed.headSha, app, output: null };
      state.checkRuns.push({ ...run, status, conclusion });
      return id;
    },
    /** A commit status a CI service posted on a commit (the latest per context counts). */
    addCommitStatus: (owner: string, repo: string, sha: string, seed: CommitStatusSeed) => {
      const { description = '', targetUrl = '' } = seed;
      const at = { owner, repo, sha, id: state.nextId(), createdAt: Date.now() };
      state.statuses.push({
        ...at,
        context: seed.context,
        state: seed.state,
        description,
        targetUrl,
      });
    },
    /** Classic branch protection requiring status checks (null: unprotected again). */
    protectBranch: (
      owner: string,
      repo: string,
      branch: string,
      protection: BranchProtectionSeed | null,
    ) => {
      const key = `${repoKey(owner, repo)}:${branch}`;
      if (protection === null) return void state.protections.delete(key);
      const { requiredChecks, enforcementLevel = 'non_admins' } = protection;
      state.protections.set(key, { requiredChecks: [...requiredChecks], enforcementLevel });
    },
    /** A repository ruleset; returns its id. */
    addRuleset: (owner: string, repo: string, seed: RulesetSeed) => {
      const id = 900 + state.rulesets.length + 1;
      const { name = `ruleset ${id}`, enforcement = 'active', branches, rules } = seed;
      const copies = { branches: [...branches], rules: rules.map((rule) => ({ ...rule })) };
      state.rulesets.push({ owner, repo, id, name, enforcement, ...copies });
      return id;
    },
    /** Origins of `url` fields in helper results and of job log downloads (startFakeGitHub). */
    useUrls: (api: string, logs: string) => {
      helperApiUrl = api;
      state.logsUrl = logs;
    },
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
  fake.useUrls(server.url, logs.url);
  return Object.assign(fake, server, {
    close: async () => {
      await Promise.all([server.close(), logs.close()]);
    },
  });
}

type FaultOptions = { path: RegExp; method?: string; times?: number };

/** Ready-made faults shaped like GitHub's own throttling and outage answers. */
export const githubFaults = {
  /** 403 + retry-after: what GitHub sends when a client trips the secondary rate limit. */
  secondaryRateLimit: ({
    retryAfterSec,
    ...o
  }: FaultOptions & { retryAfterSec?: number }): FaultSpec => ({
    ...o,
    status: 403,
    headers: { 'retry-after': String(retryAfterSec ?? 1) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  }),
  serverError: ({ status, ...o }: FaultOptions & { status?: number }): FaultSpec => ({
    ...o,
    status: status ?? 502,
    body: { message: 'Server Error' },
  }),
};
