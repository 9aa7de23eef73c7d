import { ExternalError } from '@code-factory/errors';
import type { CommentSource } from '@code-factory/events/kinds';
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { CODEOWNERS_PATHS, ownersOfPaths, parseCodeOwners } from './codeowners';
import { parseResponse, toExternalError } from './errors';
import { logTail } from './log-tail';
import {
  type Comparison,
  compare,
  type Mergeability,
  mergeability,
  type Refusable,
  type ReviewThread,
  requestReviewers,
  reviewThreads,
  updateBranch,
} from './pull-requests';
import {
  failedRunsAt,
  latestCompletedRun,
  rerunFailedJobs,
  type WorkflowRunSummary,
  workflowRun,
} from './workflow-runs';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface CollaboratorPermission {
  permission: Permission;
  /** admin, maintain and write may assign work to the agent (docs/architecture.md#the-ingress). */
  allowed: boolean;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/** Where a comment that gets a reaction came from; reviews themselves cannot have reactions. */
export type ReactionSource = CommentSource;

function reviewCommentOf(c: z.infer<typeof reviewCommentSchema>) {
  const { id, path, body, html_url: url } = c;
  return {
    id,
    path,
    line: c.line ?? c.original_line ?? null,
    body,
    author: c.user?.login ?? 'ghost',
    url,
  };
}

const reviewCommentSchema = z.object({
  id: z.number().int().positive(),
  path: z.string(),
  line: z.number().int().nullish(),
  original_line: z.number().int().nullish(),
  body: z.string(),
  html_url: z.string(),
  user: z.object({ login: z.string() }).nullable(),
});

export type ReactionContent =
  | '+1'
  | '-1'
  | 'laugh'
  | 'confused'
  | 'heart'
  | 'hooray'
  | 'rocket'
  | 'eyes';

export interface PullRequestSummary {
  number: number;
  /** html_url */
  url: string;
  state: 'open' | 'closed';
  authorLogin: string;
  headSha: string;
  headRef: string;
  /** The branch it merges into. */
  baseRef: string;
  merged: boolean;
}

export interface FailedJob {
  id: number;
  name: string;
  /** html_url */
  url: string;
}

const PERMISSIONS: readonly Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];
const ALLOWED: readonly Permission[] = ['admin', 'maintain', 'write'];
const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out']);

const permissionSchema = z.object({
  permission: z.enum(['admin', 'write', 'read', 'none']),
  // Custom repository roles have names of their own; only the built-in ones refine `permission`.
  role_name: z.string().nullish(),
});

const commentSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  user: z.object({ login: z.string(), type: z.string() }).nullable(),
});

const pullSchema = z.object({
  number: z.number(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  user: z.object({ login: z.string() }).nullable(),
  head: z.object({ sha: z.string(), ref: z.string() }),
  base: z.object({ ref: z.string() }),
  merged_at: z.string().nullish(),
});

const linkedIssuesSchema = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          closingIssuesReferences: z.object({
            nodes: z.array(
              z
                .object({
                  number: z.number(),
                  repository: z
                    .object({ name: z.string(), owner: z.object({ login: z.string() }) })
                    .optional(),
                })
                .nullable(),
            ),
          }),
        })
        .nullable(),
    })
    .nullable(),
});

const jobSchema = z.object({
  id: z.number(),
  name: z.string(),
  html_url: z.string().nullable(),
  conclusion: z.string().nullable(),
});

const contentSchema = z.object({
  type: z.literal('file'),
  encoding: z.string(),
  content: z.string(),
});

/** An issue a pull request closes: its number, with its repository when that is another one. */
export type LinkedIssue = number | { owner: string; name: string; number: number };

const LINKED_ISSUES_QUERY = `query($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      closingIssuesReferences(first: 10) { nodes { number repository { name owner { login } } } }
    }
  }
}`;

function toPullRequest(pull: z.output<typeof pullSchema>): PullRequestSummary {
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.state,
    // GitHub shows deleted accounts as "ghost".
    authorLogin: pull.user?.login ?? 'ghost',
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseRef: pull.base.ref,
    merged: pull.merged_at != null,
  };
}

function firstLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').trim();
}

/**
 * GitHub calls made as one App installation. Every method takes and returns small plain
 * JSON and fails only with `ExternalError` (see ./errors.ts), because each is the body of a
 * Temporal activity.
 */
export class GitHubInstallation {
  constructor(
    readonly installationId: number,
    /** For the request modules beside this class (check-runs.ts, issues.ts). */
    readonly octokit: Octokit,
  ) {}

  async collaboratorPermission(
    input: RepoRef & { username: string },
  ): Promise<CollaboratorPermission> {
    const action = `permission of ${input.username} on ${input.owner}/${input.repo}`;
    return this.call(action, async () => {
      const res = await this.octokit.request(
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        { owner: input.owner, repo: input.repo, username: input.username },
      );
      const data = parseResponse(permissionSchema, res.data, action);
      const role = PERMISSIONS.find((p) => p === data.role_name);
      const permission = role ?? data.permission;
      return { permission, allowed: ALLOWED.includes(permission) };
    });
  }

  /**
   * Edits the issue's status comment in place, or creates it. `commentId` is the id remembered
   * from last time; when it is unknown or gone, the comment is found again by `marker` on its
   * first line and a Bot author. `body` gets the marker prepended when it lacks it.
   */
  async upsertStatusComment(
    input: RepoRef & {
      issueNumber: number;
      commentId: number | null;
      body: string;
      marker: string;
    },
  ): Promise<{ commentId: number }> {
    const { owner, repo, issueNumber } = input;
    const action = `status comment on ${owner}/${repo}#${issueNumber}`;
    const body =
      firstLine(input.body) === input.marker ? input.body : `${input.marker}\n${input.body}`;
    return this.call(action, async () => {
      if (input.commentId !== null) {
        const updated = await this.updateComment(input, input.commentId, body, action);
        if (updated !== null) return { commentId: updated };
      }
      const found = await this.findStatusComment(input, input.marker, action);
      if (found !== null) {
        const updated = await this.updateComment(input, found, body, action);
        if (updated !== null) return { commentId: updated };
      }
      const res = await this.octokit.request(
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { owner, repo, issue_number: issueNumber, body },
      );
      return { commentId: parseResponse(commentSchema, res.data, action).id };
    });
  }

  /** The id of the edited comment, or null when it no longer exists. */
  private async updateComment(
    ref: RepoRef,
    commentId: number,
    body: string,
    action: string,
  ): Promise<number | null> {
    try {
      const res = await this.octokit.request(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        { owner: ref.owner, repo: ref.repo, comment_id: commentId, body },
      );
      return parseResponse(commentSchema, res.data, action).id;
    } catch (err) {
      const error = toExternalError(err, action);
      if (error.kind === 'not_found') return null;
      throw error;
    }
  }

  private async findStatusComment(
    input: RepoRef & { issueNumber: number },
    marker: string,
    action: string,
  ): Promise<number | null> {
    const pages = this.octokit.paginate.iterator(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner: input.owner, repo: input.repo, issue_number: input.issueNumber, per_page: 100 },
    );
    for await (const page of pages) {
      const comments = parseResponse(z.array(commentSchema), page.data, action);
      const mine = comments.find(
        (c) => c.user?.type === 'Bot' && firstLine(c.body ?? '') === marker,
      );
      if (mine) return mine.id;
    }
    return null;
  }

  async addReaction(
    input: RepoRef & { commentId: number; source: ReactionSource; content: ReactionContent },
  ): Promise<void> {
    const { owner, repo, commentId, content } = input;
    const action = `reaction on ${input.source} ${commentId} in ${owner}/${repo}`;
    await this.call(action, async () => {
      switch (input.source) {
        case 'review':
          return; // GitHub has no reactions on reviews.
        case 'review_comment':
          // 200 means the reaction was already there: fine.
          await this.octokit.request(
            'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions',
            { owner, repo, comment_id: commentId, content },
          );
          return;
        case 'issue_comment':
        case 'pr_comment':
          await this.octokit.request(
            'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
            { owner, repo, comment_id: commentId, content },
          );
          return;
      }
    });
  }

  async pullRequest(input: RepoRef & { number: number }): Promise<PullRequestSummary> {
    const action = `pull request ${input.owner}/${input.repo}#${input.number}`;
    return this.call(action, async () => {
      const res = await this.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner: input.owner,
        repo: input.repo,
        pull_number: input.number,
      });
      return toPullRequest(parseResponse(pullSchema, res.data, action));
    });
  }

  /** Open pull requests whose head is at `headSha` (a workflow run without its PR listed). */
  async openPullRequestsWithHead(
    input: RepoRef & { headSha: string },
  ): Promise<PullRequestSummary[]> {
    const action = `open pull requests of ${input.owner}/${input.repo} at ${input.headSha}`;
    return this.call(action, async () => {
      const found: PullRequestSummary[] = [];
      const open = { owner: input.owner, repo: input.repo, state: 'open' };
      for await (const pull of this.listed(
        'GET /repos/{owner}/{repo}/pulls',
        open,
        pullSchema,
        action,
      )) {
        if (pull.head.sha === input.headSha) found.push(toPullRequest(pull));
      }
      return found;
    });
  }

  /**
   * Open pull requests into `base`, or from `head` (`owner:branch`, as "List pull requests"
   * takes it): the ones a push to that branch moves.
   */
  async openPullRequestsOn(
    input: RepoRef & ({ base: string; head?: never } | { head: string; base?: never }),
  ): Promise<PullRequestSummary[]> {
    const filter = input.base !== undefined ? { base: input.base } : { head: input.head };
    const action = `open pull requests of ${input.owner}/${input.repo} with ${JSON.stringify(filter)}`;
    return this.call(action, async () => {
      const found: PullRequestSummary[] = [];
      const open = { owner: input.owner, repo: input.repo, state: 'open', ...filter };
      for await (const pull of this.listed(
        'GET /repos/{owner}/{repo}/pulls',
        open,
        pullSchema,
        action,
      )) {
        found.push(toPullRequest(pull));
      }
      return found;
    });
  }

  /** Every item of a paginated list, page by page, each page checked against `schema`. */
  private async *listed<T>(
    route: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T>,
    action: string,
  ): AsyncGenerator<T> {
    const pages = this.octokit.paginate.iterator(
      route as never,
      {
        ...params,
        per_page: 100,
      } as never,
    ) as AsyncIterable<{ data: unknown }>;
    for await (const page of pages) yield* parseResponse(z.array(schema), page.data, action);
  }

  /**
   * Issues the pull request closes when merged ("Fixes #12"): a number for an issue of the pull
   * request's repository, `{ owner, name, number }` for one of another ("Fixes other/repo#12").
   */
  async linkedIssues(input: RepoRef & { pullNumber: number }): Promise<LinkedIssue[]> {
    const action = `linked issues of ${input.owner}/${input.repo}#${input.pullNumber}`;
    return this.call(action, async () => {
      const data = await this.octokit.graphql(LINKED_ISSUES_QUERY, {
        owner: input.owner,
        repo: input.repo,
        number: input.pullNumber,
      });
      const parsed = parseResponse(linkedIssuesSchema, data, action);
      const pull = parsed.repository?.pullRequest;
      if (!pull) {
        throw new ExternalError(`GitHub ${action}: pull request not found`, {
          kind: 'not_found',
          service: 'github',
        });
      }
      return pull.closingIssuesReferences.nodes.flatMap((n): LinkedIssue[] => {
        if (!n) return [];
        const repo = n.repository;
        const elsewhere =
          repo &&
          (repo.owner.login.toLowerCase() !== input.owner.toLowerCase() ||
            repo.name.toLowerCase() !== input.repo.toLowerCase());
        return [
          elsewhere ? { owner: repo.owner.login, name: repo.name, number: n.number } : n.number,
        ];
      });
    });
  }

  /**
   * The comments of one submitted review, in the order GitHub lists them, at most `max`, as
   * plain JSON (`line` null: outdated; `author` 'ghost' for a deleted account).
   */
  async reviewComments(input: RepoRef & { pullNumber: number; reviewId: number; max?: number }) {
    const max = input.max ?? 50;
    const action = `comments of review ${input.reviewId} on ${input.owner}/${input.repo}#${input.pullNumber}`;
    return this.call(action, async () => {
      const found: ReturnType<typeof reviewCommentOf>[] = [];
      if (max <= 0) return found;
      for await (const c of this.listed(
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments',
        {
          owner: input.owner,
          repo: input.repo,
          pull_number: input.pullNumber,
          review_id: input.reviewId,
        },
        reviewCommentSchema,
        action,
      )) {
        found.push(reviewCommentOf(c));
        if (found.length >= max) break;
      }
      return found;
    });
  }

  /** Failed (or timed-out) jobs of the run's latest attempt (or of `attempt`), at most `max`. */
  async failedJobs(
    input: RepoRef & { runId: number; max?: number; attempt?: number },
  ): Promise<FailedJob[]> {
    const max = input.max ?? 5;
    const of = input.attempt === undefined ? '' : ` attempt ${input.attempt}`;
    const action = `jobs of run ${input.runId}${of} in ${input.owner}/${input.repo}`;
    return this.call(action, async () => {
      const failed: FailedJob[] = [];
      if (max <= 0) return failed;
      const run = { owner: input.owner, repo: input.repo, run_id: input.runId };
      const jobs =
        input.attempt === undefined
          ? this.listed(
              'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
              { ...run, filter: 'latest' },
              jobSchema,
              action,
            )
          : this.listed(
              'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
              { ...run, attempt_number: input.attempt },
              jobSchema,
              action,
            );
      for await (const job of jobs) {
        if (job.conclusion !== null && FAILED_CONCLUSIONS.has(job.conclusion)) {
          failed.push({ id: job.id, name: job.name, url: job.html_url ?? '' });
        }
        if (failed.length >= max) break;
      }
      return failed;
    });
  }

  /**
   * The failed jobs of a run (at most `max`) with the tail of each job's log; a log that
   * cannot be read says why instead of failing the whole report.
   */
  async failedJobsWithLogs(
    input: RepoRef & { runId: number; max: number; lines: number },
  ): Promise<(Omit<FailedJob, 'id'> & { logTail: string })[]> {
    const jobs = await this.withLogTails(input, await this.failedJobs(input));
    return jobs.map(({ name, url, logTail }) => ({ name, url, logTail }));
  }

  /**
   * The failed jobs of one attempt of a run (at most `max`, default 5) with the last `lines`
   * (default 100) of each log: what a re-run did not fix.
   */
  async runAttemptJobs(
    input: RepoRef & { runId: number; attempt: number; max?: number; lines?: number },
  ): Promise<(FailedJob & { logTail: string })[]> {
    return this.withLogTails(input, await this.failedJobs(input), input.lines ?? 100);
  }

  private async withLogTails(
    ref: RepoRef & { lines?: number },
    jobs: FailedJob[],
    lines = ref.lines ?? 100,
  ): Promise<(FailedJob & { logTail: string })[]> {
    const withLogs = [];
    for (const job of jobs) {
      const logTail = await this.jobLogTail({ ...ref, jobId: job.id, lines }).catch(
        (err: unknown) => `(log unavailable: ${err instanceof Error ? err.message : String(err)})`,
      );
      withLogs.push({ ...job, logTail });
    }
    return withLogs;
  }

  /** The run's attempt, status and conclusion (see ./workflow-runs.ts). */
  workflowRun(input: RepoRef & { runId: number }): Promise<WorkflowRunSummary> {
    return workflowRun(this.octokit, input);
  }

  /** Runs at a commit that failed (newest first, at most `max`, default 5): a merge group's checks. */
  failedRunsAt(input: RepoRef & { headSha: string; max?: number }): Promise<WorkflowRunSummary[]> {
    return failedRunsAt(this.octokit, input);
  }

  /** The newest completed run of a workflow (id or file name) on a branch, or null. */
  latestCompletedRun(
    input: RepoRef & { workflowId: number | string; branch: string },
  ): Promise<WorkflowRunSummary | null> {
    return latestCompletedRun(this.octokit, input);
  }

  /** Starts a new attempt of the run re-running its failed jobs. */
  rerunFailedJobs(input: RepoRef & { runId: number }): Promise<void> {
    return rerunFailedJobs(this.octokit, input);
  }

  /**
   * Whether the pull request can merge, asking again (`tries`, default 5, `delayMs` apart,
   * default 1 s) while GitHub is still computing it (see ./pull-requests.ts).
   */
  mergeability(
    input: RepoRef & { number: number; tries?: number; delayMs?: number },
  ): Promise<Mergeability> {
    return mergeability(this.octokit, input);
  }

  /** Files and commits of `head` that `base` lacks, with how far each is ahead and behind. */
  compare(
    input: RepoRef & { base: string; head: string; maxCommits?: number },
  ): Promise<Comparison> {
    return compare(this.octokit, input);
  }

  /** Merges the base into the pull request's branch; a 422 is `{ ok: false, reason }`. */
  updateBranch(input: RepoRef & { number: number; expectedHeadSha: string }): Promise<Refusable> {
    return updateBranch(this.octokit, input);
  }

  /** Requests reviews from logins and teams; a 422 is `{ ok: false, reason }`. */
  requestReviewers(
    input: RepoRef & { number: number; reviewers: string[]; teams?: string[] },
  ): Promise<Refusable> {
    return requestReviewers(this.octokit, input);
  }

  /** The pull request's review threads, resolved and outdated ones included. */
  reviewThreads(input: RepoRef & { number: number; max?: number }): Promise<ReviewThread[]> {
    return reviewThreads(this.octokit, input);
  }

  /**
   * Who owns `paths` by the repository's CODEOWNERS at `ref` (pass the pull request's base
   * branch, which is where GitHub reads it; the default branch when omitted):
   * logins and teams (`org/slug`) to request reviews from, emails (which the API cannot
   * request), and the paths nobody owns. `file` is the CODEOWNERS used, null when there is none.
   */
  async codeOwners(input: RepoRef & { paths: string[]; ref?: string }): Promise<{
    file: string | null;
    logins: string[];
    teams: string[];
    emails: string[];
    unowned: string[];
  }> {
    for (const path of CODEOWNERS_PATHS) {
      const text = await this.fileText({ ...input, path });
      if (text === null) continue;
      return { file: path, ...ownersOfPaths(parseCodeOwners(text), input.paths) };
    }
    return { file: null, logins: [], teams: [], emails: [], unowned: [...input.paths] };
  }

  /**
   * The last `lines` lines of a job's log without timestamps, at most 20 KB. GitHub answers
   * with a redirect to a signed URL; fetch follows it and drops our Authorization header
   * because the storage host is another origin.
   */
  async jobLogTail(input: RepoRef & { jobId: number; lines?: number }): Promise<string> {
    const action = `log of job ${input.jobId} in ${input.owner}/${input.repo}`;
    return this.call(action, async () => {
      const res = await this.octokit.request(
        'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
        {
          owner: input.owner,
          repo: input.repo,
          job_id: input.jobId,
          // Read the body ourselves: storage may label the text application/octet-stream.
          request: { parseSuccessResponseBody: false },
        },
      );
      const body: unknown = res.data;
      const text = body === undefined || body === null || body === '' ? '' : await readText(body);
      return logTail(text, input.lines ?? 100);
    });
  }

  /** A file's text at `ref` (default branch when omitted), or null when there is no such file. */
  async fileText(input: RepoRef & { path: string; ref?: string }): Promise<string | null> {
    const where = `${input.owner}/${input.repo}/${input.path}${input.ref ? `@${input.ref}` : ''}`;
    const action = `file ${where}`;
    const path = input.path.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
    try {
      return await this.call(action, async () => {
        const res = await this.octokit.request(`GET /repos/{owner}/{repo}/contents/${path}`, {
          owner: input.owner,
          repo: input.repo,
          ...(input.ref ? { ref: input.ref } : {}),
        });
        const file = parseResponse(contentSchema, res.data, action);
        if (file.encoding !== 'base64') {
          // Files over 1 MB come without content; nothing we read is that large.
          throw new ExternalError(`GitHub ${action}: content not inlined (${file.encoding})`, {
            kind: 'rejected',
            service: 'github',
          });
        }
        return Buffer.from(file.content, 'base64').toString('utf8');
      });
    } catch (err) {
      if (err instanceof ExternalError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toExternalError(err, action);
    }
  }
}

async function readText(body: unknown): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof ReadableStream || body instanceof ArrayBuffer || body instanceof Uint8Array) {
    return new Response(body).text();
  }
  throw new ExternalError('GitHub job log: unexpected response body', {
    kind: 'rejected',
    service: 'github',
  });
}
