/**
 * The fake GitHub's state (permissions, comments, reactions, pull requests, workflow runs,
 * files, issues, check runs, installation tokens) and the JSON shapes GitHub's REST API answers
 * with. The route modules beside this one read and change it; `createFakeGitHub` seeds it.
 */
import { createHash } from 'node:crypto';
import { iso } from './http';

export type GitHubPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
/** Reaction contents GitHub accepts: https://docs.github.com/en/rest/reactions/reactions */
export const REACTION_CONTENTS = [
  '+1',
  '-1',
  'laugh',
  'confused',
  'heart',
  'hooray',
  'rocket',
  'eyes',
];

export interface FakeGitHubOptions {
  /** Port to listen on (startFakeGitHub only); default 0, a free port. */
  port?: number;
  appId?: number;
  /** The App's slug; its bot login is `<slug>[bot]`. Default "code-factory". */
  appSlug?: string;
  appName?: string;
  appOwner?: string;
  /**
   * The App's public key (PEM). With it, App JWTs are verified as GitHub does (RS256 signature,
   * `exp` in the future) and a bad one is a 401; without it any JWT-shaped bearer passes.
   */
  appPublicKey?: string;
  /** Base of html_url fields; default https://github.com. */
  htmlUrl?: string;
  /** Branch used for contents requests without `ref`; default "main". */
  defaultBranch?: string;
}

export type GitHubUserJson = ReturnType<typeof userJson>;

export interface PullRequestSeed {
  owner: string;
  repo: string;
  number: number;
  /** PR author login (for the agent's PRs: the agent); null for a deleted account (`user: null`). */
  author: string | null;
  authorId?: number;
  headSha: string;
  headRef: string;
  /** Owner of the head repository (a fork's owner); default the author (else the owner). */
  headOwner?: string;
  baseRef?: string;
  state?: 'open' | 'closed';
  /** When it was merged (ISO); merged pull requests are closed. */
  mergedAt?: string;
  title?: string;
  body?: string;
  /** The base branch's tip; default 40 zeros. */
  baseSha?: string;
  draft?: boolean;
  /** "Allow edits by maintainers" on a fork's pull request; default true. */
  maintainerCanModify?: boolean;
  /** Default true / 'clean'; change later with `setMergeability`. */
  mergeable?: boolean | null;
  mergeableState?: MergeableState;
  /** The merge commit of a merged pull request (default: a sha derived from head and base). */
  mergeCommitSha?: string;
}

/**
 * `mergeable_state` of "Get a pull request" (GraphQL's MergeStateStatus in lower case):
 * https://docs.github.com/en/graphql/reference/enums#mergestatestatus
 */
export type MergeableState = Mergeable | 'dirty' | 'behind' | 'blocked' | 'draft' | 'unknown';
/** The states a merge may go ahead in (`unstable`, `has_hooks`: with failing or pending hooks). */
type Mergeable = 'clean' | 'unstable' | 'has_hooks';

export interface Mergeability {
  mergeable: boolean | null;
  state: MergeableState;
  /** The next n reads answer `mergeable: null` / `unknown`, as while GitHub computes it. */
  pendingReads?: number;
}

export type JobConclusion = 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | null;
type RunStatus = 'queued' | 'in_progress' | 'completed';

export interface WorkflowJobSeed {
  id: number;
  name: string;
  conclusion: JobConclusion;
  status?: RunStatus;
  log?: string;
  /** Content type the log download is served with (default text/plain). */
  logContentType?: string;
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
  /** The workflow's id (default: stable per path); `/actions/workflows/{id}/runs` takes it or the file name. */
  workflowId?: number;
  event?: string;
  /** Default completed when every job is. */
  status?: RunStatus;
  /** When it was created (ISO); lists are newest first. Default: when seeded. */
  createdAt?: string;
}

export interface RecordedReaction {
  owner: string;
  repo: string;
  /** Which comment API it went through. */
  subject: 'issue_comment' | 'pull_request_review_comment';
  commentId: number;
  content: string;
  id: number;
}

export interface StoredComment {
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

export type StoredPull = Required<
  Omit<PullRequestSeed, 'author' | 'mergedAt' | 'mergeable' | 'mergeableState' | 'mergeCommitSha'>
> & {
  author: string | null;
  mergedAt: string | null;
  createdAt: number;
  mergeability: Required<Mergeability>;
  mergeCommitSha: string | null;
  requestedReviewers: string[];
  requestedTeams: string[];
  /** Set by `refuseUpdateBranch`: update-branch answers 422 with this message. */
  updateBranchRefusal: string | null;
};

export type StoredJob = WorkflowJobSeed & { createdAt: number; runAttempt: number };

export interface RunAttempt {
  number: number;
  /** Every job of the attempt: re-run ones (new ids) and those carried over from before. */
  jobs: StoredJob[];
  status: RunStatus;
  createdAt: number;
}

export type StoredRun = Required<Omit<WorkflowRunSeed, 'jobs' | 'status' | 'createdAt'>> & {
  /** The latest attempt's jobs. */
  jobs: StoredJob[];
  attempts: RunAttempt[];
  createdAt: number;
};

/** "Compare two commits": what `setComparison` seeds. */
export interface ComparisonSeed {
  owner: string;
  repo: string;
  base: string;
  head: string;
  /** Default from ahead/behind: identical, ahead, behind or diverged. */
  status?: 'identical' | 'ahead' | 'behind' | 'diverged';
  /** Default: the number of commits. */
  aheadBy?: number;
  behindBy?: number;
  files: Array<{
    filename: string;
    status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
    previousFilename?: string;
    additions?: number;
    deletions?: number;
  }>;
  commits: Array<{ sha: string; message: string; author?: string }>;
}

/** A review thread as GraphQL's PullRequestReviewThread shows it. */
export interface ReviewThreadSeed {
  path: string;
  /** The line the thread is on; reads null once the thread is outdated. */
  line?: number | null;
  /** The first comment's author (null: a deleted account). */
  author: string | null;
  body: string;
  /** ISO; default now. */
  createdAt?: string;
  resolved?: boolean;
  outdated?: boolean;
}

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

/** A commit the fake knows (`addCommit`): what "List commits" walks and filters. */
export interface CommitSeed {
  sha: string;
  /** Its parents (none: a root commit); "List commits" walks them from `sha`. */
  parents?: string[];
  /** Paths it changed (`path=` matches a file or a directory above it). */
  files: string[];
  message?: string;
  /** The author's login (null: not a GitHub user). Default null. */
  author?: string | null;
  /** When it was committed (ISO); what `since`/`until` compare. Default: now. */
  committedAt?: string;
}

export type StoredCommit = Required<CommitSeed> & { owner: string; repo: string };

/** A call to update-branch, as recorded by the fake. */
export interface RecordedBranchUpdate {
  owner: string;
  repo: string;
  number: number;
  expectedHeadSha: string | null;
  status: 202 | 422;
  /** The new head (202), or why it was refused (422). */
  headSha?: string;
  refusal?: string;
}

/** A review comment as `GET …/pulls/{n}/reviews/{id}/comments` lists it. */
export interface ReviewCommentSeed {
  id: number;
  body: string;
  path: string;
  /** null: the line is outdated. */
  line: number | null;
  login: string;
}

export interface FakeIssue {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  author: string;
}

/** The GitHub App that reported a check run, as check runs show it (`app { id, slug }`). */
export interface CheckRunApp {
  id: number;
  slug: string;
}

/** GitHub Actions, which reports each workflow job as a check run named after the job. */
export const GITHUB_ACTIONS_APP: CheckRunApp = { id: 15368, slug: 'github-actions' };

/** A check run some App reported on a commit (`addCheckRun`). */
export interface CheckRunSeed {
  headSha: string;
  name: string;
  /** Default completed. */
  status?: 'queued' | 'in_progress' | 'completed';
  /** Default success when completed. */
  conclusion?: JobConclusion | 'neutral' | 'action_required' | 'stale';
  /** Default GitHub Actions. */
  app?: CheckRunApp;
}

/** A commit status (the older API CI services post with a `context`): `addCommitStatus`. */
export interface CommitStatusSeed {
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description?: string;
  targetUrl?: string;
}

export type StoredStatus = Required<CommitStatusSeed> & {
  owner: string;
  repo: string;
  sha: string;
  id: number;
  createdAt: number;
};

/** Classic branch protection's required status checks (`protectBranch`). */
export interface BranchProtectionSeed {
  /** A context any app may report, or one bound to an App (`appId`; null: any). */
  requiredChecks: Array<string | { context: string; appId: number | null }>;
  /** Default non_admins. */
  enforcementLevel?: 'non_admins' | 'everyone';
}

/** A repository ruleset (`addRuleset`). */
export interface RulesetSeed {
  name?: string;
  /** Branch names or patterns it targets (`*`, `**`), or `~DEFAULT_BRANCH`, `~ALL`. */
  branches: string[];
  /** Only `active` rulesets' rules apply; default active. */
  enforcement?: 'active' | 'evaluate' | 'disabled';
  /** e.g. `{ type: 'required_status_checks', parameters: { required_status_checks: [{ context }] } }`. */
  rules: Array<{ type: string; parameters?: Record<string, unknown> }>;
}

export type StoredRuleset = Required<RulesetSeed> & { owner: string; repo: string; id: number };

export interface RecordedCheckRun {
  owner: string;
  repo: string;
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  app: CheckRunApp;
  output: {
    title: string;
    summary: string;
    annotations: Array<
      Record<'path' | 'annotation_level' | 'message', string> &
        Record<'start_line' | 'end_line', number>
    >;
  } | null;
}

export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** Whether an item belongs to `owner/repo` (GitHub matches names case-insensitively). */
export const inRepo = (owner: string, repo: string) => (item: { owner: string; repo: string }) =>
  repoKey(item.owner, item.repo) === repoKey(owner, repo);

export function userJson(login: string, id: number, type: 'User' | 'Bot' = 'User') {
  const node_id = Buffer.from(`04:User${id}`).toString('base64');
  return { login, id, node_id, type, site_admin: false };
}

const sha1 = (...parts: Array<string | Buffer>) => {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Stable fake id for a login, so the same login always gets the same user id. */
export const idFor = (login: string) => (sha1(login).readUInt32BE(0) % 90_000_000) + 10_000_000;

/** A stable 40-hex sha for fake commits. */
export const fakeSha = (...parts: string[]) => sha1(parts.join('\0')).toString('hex');

export function gitBlobSha(text: string): string {
  const data = Buffer.from(text);
  return sha1(`blob ${data.length}\0`, data).toString('hex');
}

const RERUN_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled']);

export class GitHubState {
  readonly appId: number;
  readonly appSlug: string;
  readonly botLogin: string;
  readonly bot: GitHubUserJson;
  readonly htmlBase: string;
  readonly defaultBranch: string;

  readonly permissions = new Map<string, GitHubPermission>();
  readonly comments = new Map<number, StoredComment>();
  readonly reactions: RecordedReaction[] = [];
  readonly pulls = new Map<string, StoredPull>();
  /** Review comments per `owner/repo#pull/reviewId`, in the order they were written. */
  readonly reviewComments = new Map<string, ReviewCommentSeed[]>();
  /** `owner/repo#pr` → the issues it closes: a number (same repository) or `owner/repo#n`. */
  readonly links = new Map<string, Array<number | string>>();
  readonly runs = new Map<string, StoredRun>();
  readonly jobs = new Map<number, { run: StoredRun; job: StoredJob }>();
  /** `owner/repo@base...head` → its comparison. */
  readonly comparisons = new Map<string, ComparisonSeed>();
  /** `owner/repo@sha` → a commit seeded with `addCommit`. */
  readonly commits = new Map<string, StoredCommit>();
  /** Review threads by id, in the order they were added. */
  readonly threads = new Map<string, FakeReviewThread>();
  readonly branchUpdates: RecordedBranchUpdate[] = [];
  /** `owner/repo:org/team` of teams with access to the repository. */
  readonly teams = new Set<string>();
  readonly files = new Map<string, string>();
  readonly tokens: Array<{ installationId: number; jwt: string; token: string }> = [];
  readonly userIds = new Map<string, number>();
  /** Issues the App opened, check runs it created, branches besides the default one. */
  readonly issues: FakeIssue[] = [];
  readonly checkRuns: RecordedCheckRun[] = [];
  readonly branches = new Set<string>();
  /** Commit statuses, oldest first (the combined status shows each context's latest). */
  readonly statuses: StoredStatus[] = [];
  /** `owner/repo:branch` → its classic protection's required status checks. */
  readonly protections = new Map<string, Required<BranchProtectionSeed>>();
  readonly rulesets: StoredRuleset[] = [];
  /** Where job logs are downloaded from (GitHub redirects to storage on another origin). */
  logsUrl: string | undefined;
  #nextId = 2_000_000_001;

  constructor(opts: FakeGitHubOptions) {
    this.appSlug = opts.appSlug ?? 'code-factory';
    this.appId = opts.appId ?? 1;
    this.botLogin = `${this.appSlug}[bot]`;
    this.bot = userJson(this.botLogin, 41_000_000 + this.appId, 'Bot');
    this.htmlBase = opts.htmlUrl ?? 'https://github.com';
    this.defaultBranch = opts.defaultBranch ?? 'main';
  }

  nextId(): number {
    return this.#nextId++;
  }

  idOf(login: string): number {
    return this.userIds.get(login.toLowerCase()) ?? idFor(login);
  }

  permission(owner: string, repo: string, login: string): GitHubPermission {
    return this.permissions.get(`${repoKey(owner, repo)}:${login.toLowerCase()}`) ?? 'none';
  }

  commentJson(api: string, s: StoredComment) {
    const repoApi = `${api}/repos/${s.owner}/${s.repo}/issues`;
    return {
      url: `${repoApi}/comments/${s.id}`,
      html_url: `${this.htmlBase}/${s.owner}/${s.repo}/issues/${s.issue}#issuecomment-${s.id}`,
      issue_url: `${repoApi}/${s.issue}`,
      id: s.id,
      node_id: Buffer.from(`012:IssueComment${s.id}`).toString('base64'),
      user: s.user,
      created_at: iso(s.createdAt),
      updated_at: iso(s.updatedAt),
      author_association: s.authorAssociation,
      body: s.body,
      performed_via_github_app: null,
    };
  }

  listComments(owner: string, repo: string, issue: number): StoredComment[] {
    return [...this.comments.values()]
      .filter((s) => s.issue === issue && inRepo(owner, repo)(s))
      .sort((a, b) => a.id - b.id);
  }

  storeComment(
    where: Pick<StoredComment, 'owner' | 'repo' | 'issue' | 'body' | 'user' | 'authorAssociation'>,
  ): StoredComment {
    const now = Date.now();
    const stored = { ...where, id: this.nextId(), createdAt: now, updatedAt: now };
    this.comments.set(stored.id, stored);
    return stored;
  }

  addPullRequest(seed: PullRequestSeed): void {
    const { mergeable = true, mergeableState = 'clean', mergeCommitSha, mergedAt, ...rest } = seed;
    this.pulls.set(`${repoKey(seed.owner, seed.repo)}#${seed.number}`, {
      ...rest,
      authorId: seed.authorId ?? idFor(seed.author ?? 'ghost'),
      headOwner: seed.headOwner ?? seed.author ?? seed.owner,
      baseRef: seed.baseRef ?? this.defaultBranch,
      baseSha: seed.baseSha ?? '0'.repeat(40),
      state: mergedAt ? 'closed' : (seed.state ?? 'open'),
      mergedAt: mergedAt ?? null,
      title: seed.title ?? `Pull request #${seed.number}`,
      body: seed.body ?? '',
      draft: seed.draft ?? false,
      maintainerCanModify: seed.maintainerCanModify ?? true,
      createdAt: Date.now(),
      mergeability: { mergeable, state: mergeableState, pendingReads: 0 },
      mergeCommitSha: mergeCommitSha ?? null,
      requestedReviewers: [],
      requestedTeams: [],
      updateBranchRefusal: null,
    });
  }

  pull(owner: string, repo: string, number: number | string): StoredPull | undefined {
    return this.pulls.get(`${repoKey(owner, repo)}#${number}`);
  }

  addWorkflowRun(seed: WorkflowRunSeed): void {
    const createdAt = seed.createdAt ? Date.parse(seed.createdAt) : Date.now();
    const path = seed.path ?? '.github/workflows/ci.yml';
    const jobs = seed.jobs.map((j) => ({ ...j, createdAt, runAttempt: 1 }));
    const allDone = jobs.every((j) => (j.status ?? 'completed') === 'completed');
    const status = seed.status ?? (allDone ? 'completed' : 'in_progress');
    const run: StoredRun = {
      owner: seed.owner,
      repo: seed.repo,
      runId: seed.runId,
      name: seed.name ?? 'CI',
      path,
      headSha: seed.headSha ?? '0'.repeat(40),
      headBranch: seed.headBranch ?? this.defaultBranch,
      workflowId: seed.workflowId ?? idFor(`${repoKey(seed.owner, seed.repo)}:${path}`),
      event: seed.event ?? 'pull_request',
      jobs,
      attempts: [{ number: 1, jobs, status, createdAt }],
      createdAt,
    };
    this.runs.set(`${repoKey(seed.owner, seed.repo)}#${seed.runId}`, run);
    for (const job of run.jobs) this.jobs.set(job.id, { run, job });
  }

  run(owner: string, repo: string, runId: number | string): StoredRun | undefined {
    return this.runs.get(`${repoKey(owner, repo)}#${runId}`);
  }

  /**
   * "Re-run failed jobs": a new attempt in which the failed, timed-out and cancelled jobs run
   * again under new ids (queued until `completeRerun`) and the others are carried over.
   */
  rerunFailedJobs(run: StoredRun): void {
    const now = Date.now();
    const number = run.attempts.length + 1;
    run.jobs = run.jobs.map((job): StoredJob => {
      if (!RERUN_CONCLUSIONS.has(job.conclusion ?? '')) return job;
      const again = { ...job, id: this.nextId(), conclusion: null, status: 'queued' as const };
      const rerun = { ...again, createdAt: now, runAttempt: number };
      this.jobs.set(rerun.id, { run, job: rerun });
      return rerun;
    });
    run.attempts.push({ number, jobs: run.jobs, status: 'queued', createdAt: now });
  }
}

/** A run's (or an attempt's) conclusion from its jobs; null while it is not completed. */
export function conclusionOf(jobs: StoredJob[], status: RunStatus) {
  if (status !== 'completed') return null;
  if (jobs.some((j) => j.conclusion === 'failure' || j.conclusion === 'timed_out'))
    return 'failure';
  return jobs.some((j) => j.conclusion === 'cancelled') ? 'cancelled' : 'success';
}
