/**
 * What shepherding a pull request to a merge reads from GitHub and asks of it:
 *
 *  - "Get a pull request" `GET /repos/{owner}/{repo}/pulls/{pull_number}`: `mergeable` is
 *    computed in the background and reads null until it is done, so `mergeability` asks again
 *    a few times; `mergeable_state` is GraphQL's MergeStateStatus in lower case:
 *    https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
 *    https://docs.github.com/en/rest/guides/using-the-rest-api-to-interact-with-your-git-database#checking-mergeability-of-pull-requests
 *    https://docs.github.com/en/graphql/reference/enums#mergestatestatus
 *  - "Compare two commits" `GET /repos/{owner}/{repo}/compare/{base}...{head}` (when paged,
 *    `files` (up to 300) come on the first page only, `commits` are paged):
 *    https://docs.github.com/en/rest/commits/commits#compare-two-commits
 *  - "Update a pull request branch" `PUT …/pulls/{pull_number}/update-branch`
 *    `{ expected_head_sha }` → 202; 422 when the head moved, the base has nothing new, or
 *    GitHub may not push to the head (a refusal, not an error):
 *    https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request-branch
 *  - "Request reviewers for a pull request" `POST …/pulls/{pull_number}/requested_reviewers`
 *    `{ reviewers, team_reviewers }` → 201; 422 for the author or someone without access:
 *    https://docs.github.com/en/rest/pulls/review-requests#request-reviewers-for-a-pull-request
 *  - GraphQL `repository.pullRequest.reviewThreads(first, after)`, PullRequestReviewThread
 *    `{ id isResolved isOutdated path line comments(first: 1) { … } }`:
 *    https://docs.github.com/en/graphql/reference/objects#pullrequestreviewthread
 */
import { ExternalError } from '@code-factory/errors';
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { callGitHub, parseResponse, statusOf, toExternalError } from './errors';
import type { RepoRef } from './installation';

/** `mergeable_state` (`clean`, `dirty`, `behind`, `blocked`, `unstable`, `has_hooks`, `draft`, `unknown`). */
export type MergeableState =
  | 'clean'
  | 'dirty'
  | 'behind'
  | 'blocked'
  | 'unstable'
  | 'has_hooks'
  | 'draft'
  | 'unknown'
  | (string & {});

export interface Mergeability {
  /** null: GitHub had not finished computing it after every try. */
  mergeable: boolean | null;
  state: MergeableState;
  merged: boolean;
  draft: boolean;
  headSha: string;
  baseRef: string;
  baseSha: string;
  maintainerCanModify: boolean;
  /** The test merge commit while mergeable; the merge commit once merged. */
  mergeCommitSha: string | null;
}

export interface Comparison {
  status: 'identical' | 'ahead' | 'behind' | 'diverged' | (string & {});
  aheadBy: number;
  behindBy: number;
  totalCommits: number;
  files: { filename: string; status: string; previousFilename?: string }[];
  /** Oldest first; `title` is the first line of the message; author null when not a GitHub user. */
  commits: { sha: string; title: string; author: string | null }[];
}

export type Refusable = { ok: true } | { ok: false; reason: string };

export interface ReviewThread {
  /** GraphQL node id (resolves the thread). */
  id: string;
  resolved: boolean;
  outdated: boolean;
  path: string;
  /** null when outdated. */
  line: number | null;
  /** The first comment's author; 'ghost' for a deleted account. */
  author: string;
  /** The first line of the first comment. */
  firstLine: string;
  createdAt: string;
  /** Comments in the thread, the first included (1: nobody replied). */
  comments: number;
}

const mergeabilitySchema = z.object({
  mergeable: z.boolean().nullable(),
  mergeable_state: z.string(),
  merged: z.boolean(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
  merge_commit_sha: z.string().nullable(),
  head: z.object({ sha: z.string() }),
  base: z.object({ ref: z.string(), sha: z.string() }),
});

const comparisonSchema = z.object({
  status: z.string(),
  ahead_by: z.number(),
  behind_by: z.number(),
  total_commits: z.number(),
  files: z
    .array(
      z.object({
        filename: z.string(),
        status: z.string(),
        previous_filename: z.string().optional(),
      }),
    )
    .optional(),
  commits: z.array(
    z.object({
      sha: z.string(),
      commit: z.object({ message: z.string() }),
      author: z.object({ login: z.string() }).nullable(),
    }),
  ),
});

const threadsSchema = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          reviewThreads: z.object({
            pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
            nodes: z.array(
              z
                .object({
                  id: z.string(),
                  isResolved: z.boolean(),
                  isOutdated: z.boolean(),
                  path: z.string(),
                  line: z.number().nullable(),
                  comments: z.object({
                    totalCount: z.number().optional(),
                    nodes: z.array(
                      z
                        .object({
                          author: z.object({ login: z.string() }).nullable(),
                          body: z.string(),
                          createdAt: z.string(),
                        })
                        .nullable(),
                    ),
                  }),
                })
                .nullable(),
            ),
          }),
        })
        .nullable(),
    })
    .nullable(),
});

const REVIEW_THREADS_QUERY = `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id isResolved isOutdated path line
          comments(first: 1) { totalCount nodes { author { login } body createdAt } }
        }
      }
    }
  }
}`;

const firstLine = (text: string) => (text.split('\n', 1)[0] ?? '').trim();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 422 as a refusal with GitHub's message; anything else fails as an ExternalError. */
async function refusable(action: string, run: () => Promise<unknown>): Promise<Refusable> {
  try {
    await run();
    return { ok: true };
  } catch (err) {
    if (statusOf(err) === 422) {
      const message = (err as { response?: { data?: { message?: unknown } } }).response?.data
        ?.message;
      return { ok: false, reason: typeof message === 'string' ? message : 'refused (422)' };
    }
    throw toExternalError(err, action);
  }
}

export async function mergeability(
  octokit: Octokit,
  input: RepoRef & { number: number; tries?: number; delayMs?: number },
): Promise<Mergeability> {
  const action = `mergeability of ${input.owner}/${input.repo}#${input.number}`;
  const tries = Math.max(1, input.tries ?? 5);
  return callGitHub(action, async () => {
    let read: Mergeability | undefined;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner: input.owner,
        repo: input.repo,
        pull_number: input.number,
      });
      const pull = parseResponse(mergeabilitySchema, res.data, action);
      read = {
        mergeable: pull.mergeable,
        state: pull.mergeable_state,
        merged: pull.merged,
        draft: pull.draft ?? false,
        headSha: pull.head.sha,
        baseRef: pull.base.ref,
        baseSha: pull.base.sha,
        maintainerCanModify: pull.maintainer_can_modify ?? false,
        mergeCommitSha: pull.merge_commit_sha,
      };
      // A merged pull request is not recomputed: its null will not change.
      if (read.mergeable !== null || read.merged) return read;
      if (attempt < tries) await sleep(input.delayMs ?? 1_000);
    }
    return read as Mergeability;
  });
}

export async function compare(
  octokit: Octokit,
  input: RepoRef & { base: string; head: string; maxCommits?: number },
): Promise<Comparison> {
  const action = `comparison ${input.base}...${input.head} in ${input.owner}/${input.repo}`;
  const maxCommits = input.maxCommits ?? 250;
  return callGitHub(action, async () => {
    let result: Comparison | undefined;
    for (let page = 1; ; page++) {
      const res = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
        owner: input.owner,
        repo: input.repo,
        basehead: `${input.base}...${input.head}`,
        per_page: 100,
        page,
      });
      const data = parseResponse(comparisonSchema, res.data, action);
      const commits = data.commits.map((c) => ({
        sha: c.sha,
        title: firstLine(c.commit.message),
        author: c.author?.login ?? null,
      }));
      if (!result) {
        result = {
          status: data.status,
          aheadBy: data.ahead_by,
          behindBy: data.behind_by,
          totalCommits: data.total_commits,
          files: (data.files ?? []).map((f) => ({
            filename: f.filename,
            status: f.status,
            ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
          })),
          commits: [],
        };
      }
      result.commits.push(...commits);
      const done =
        commits.length < 100 || result.commits.length >= Math.min(result.totalCommits, maxCommits);
      if (done) {
        result.commits = result.commits.slice(0, maxCommits);
        return result;
      }
    }
  });
}

export async function updateBranch(
  octokit: Octokit,
  input: RepoRef & { number: number; expectedHeadSha: string },
): Promise<Refusable> {
  const action = `update of ${input.owner}/${input.repo}#${input.number} from its base`;
  return refusable(action, () =>
    octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch', {
      owner: input.owner,
      repo: input.repo,
      pull_number: input.number,
      expected_head_sha: input.expectedHeadSha,
    }),
  );
}

/**
 * Asks `reviewers` (logins) and `teams` (`org/slug` or `slug`, as CODEOWNERS names them) for a
 * review. A 422 (the author, someone without access) is a refusal with GitHub's reason.
 */
export async function requestReviewers(
  octokit: Octokit,
  input: RepoRef & { number: number; reviewers: string[]; teams?: string[] },
): Promise<Refusable> {
  const action = `review request on ${input.owner}/${input.repo}#${input.number}`;
  const reviewers = input.reviewers.map((r) => r.replace(/^@/, ''));
  const teams = (input.teams ?? []).map((t) => t.replace(/^@/, '').split('/').pop() ?? t);
  if (reviewers.length === 0 && teams.length === 0) return { ok: true };
  return refusable(action, () =>
    octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      owner: input.owner,
      repo: input.repo,
      pull_number: input.number,
      reviewers,
      team_reviewers: teams,
    }),
  );
}

/** Every review thread of the pull request (paged 100 at a time), at most `max`. */
export async function reviewThreads(
  octokit: Octokit,
  input: RepoRef & { number: number; max?: number },
): Promise<ReviewThread[]> {
  const action = `review threads of ${input.owner}/${input.repo}#${input.number}`;
  const max = input.max ?? 1_000;
  return callGitHub(action, async () => {
    const threads: ReviewThread[] = [];
    let after: string | null = null;
    while (threads.length < max) {
      const data: unknown = await octokit.graphql(REVIEW_THREADS_QUERY, {
        owner: input.owner,
        repo: input.repo,
        number: input.number,
        after,
      });
      const pull = parseResponse(threadsSchema, data, action).repository?.pullRequest;
      if (!pull) {
        throw new ExternalError(`GitHub ${action}: pull request not found`, {
          kind: 'not_found',
          service: 'github',
        });
      }
      for (const node of pull.reviewThreads.nodes) {
        if (!node) continue;
        const first = node.comments.nodes[0];
        threads.push({
          id: node.id,
          resolved: node.isResolved,
          outdated: node.isOutdated,
          path: node.path,
          line: node.line,
          author: first?.author?.login ?? 'ghost',
          firstLine: firstLine(first?.body ?? ''),
          createdAt: first?.createdAt ?? '',
          comments: node.comments.totalCount ?? node.comments.nodes.length,
        });
      }
      const { hasNextPage, endCursor } = pull.reviewThreads.pageInfo;
      if (!hasNextPage || endCursor === null) break;
      after = endCursor;
    }
    return threads.slice(0, max);
  });
}
