/**
 * What the follow-through after a merge asks GitHub (issue 27, part 2):
 *  - GraphQL `repository.issue.closedByPullRequestsReferences(includeClosedPrs: true)`: the pull
 *    requests that close the issue, merged ones too, each with `merged`, `mergedAt`,
 *    `mergeCommit { oid }`, `baseRefName`, `author` and `repository`:
 *    https://docs.github.com/en/graphql/reference/objects#issue
 *  - "Get a commit" `GET /repos/{owner}/{repo}/commits/{ref}`: `parents[]` (`sha`), the first
 *    being the branch the merge was made on:
 *    https://docs.github.com/en/rest/commits/commits#get-a-commit
 *  - "List workflow runs for a repository" `GET …/actions/runs?head_sha=` (every run at a
 *    commit, any status; 100 a page):
 *    https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
 *  - "List jobs for a workflow run" `GET …/actions/runs/{run_id}/jobs` (the latest attempt's
 *    jobs, `filter=latest`, each with its `conclusion`):
 *    https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run
 *  - "Update an issue" `PATCH /repos/{owner}/{repo}/issues/{issue_number}` with `state: open`
 *    and `state_reason: reopened`: https://docs.github.com/en/rest/issues/issues#update-an-issue
 */
import { z } from 'zod';
import { callGitHub, parseResponse } from './errors';
import type { GitHubInstallation, RepoRef } from './installation';
import { runListSchema, toRun, type WorkflowRunSummary } from './workflow-runs';

/** A merged pull request that closed the issue. */
export interface MergedPull {
  number: number;
  url: string;
  authorLogin: string;
  /** Its merge commit and the branch it merged into. */
  mergeCommitSha: string;
  baseRef: string;
  mergedAt: string;
}

/** A job of a run's latest attempt and how it ended (null: not yet). */
export interface RunJob {
  id: number;
  name: string;
  url: string;
  conclusion: string | null;
}

const CLOSED_BY_QUERY = `query($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    issue(number: $number) {
      closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
        nodes {
          number url merged mergedAt baseRefName
          author { login }
          mergeCommit { oid }
          repository { name owner { login } }
        }
      }
    }
  }
}`;

const closedBySchema = z.object({
  repository: z
    .object({
      issue: z
        .object({
          closedByPullRequestsReferences: z.object({
            nodes: z.array(
              z
                .object({
                  number: z.number(),
                  url: z.string(),
                  merged: z.boolean(),
                  mergedAt: z.string().nullish(),
                  baseRefName: z.string(),
                  author: z.object({ login: z.string() }).nullable(),
                  mergeCommit: z.object({ oid: z.string() }).nullable(),
                  repository: z.object({
                    name: z.string(),
                    owner: z.object({ login: z.string() }),
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

/** The merged pull requests of the issue's own repository that close it, newest merge first. */
export async function mergedPullRequestsClosing(
  gh: GitHubInstallation,
  input: RepoRef & { issueNumber: number },
): Promise<MergedPull[]> {
  const action = `pull requests closing ${input.owner}/${input.repo}#${input.issueNumber}`;
  return callGitHub(action, async () => {
    const data = await gh.octokit.graphql(CLOSED_BY_QUERY, {
      owner: input.owner,
      repo: input.repo,
      number: input.issueNumber,
    });
    const nodes =
      parseResponse(closedBySchema, data, action).repository?.issue?.closedByPullRequestsReferences
        .nodes ?? [];
    const here = `${input.owner}/${input.repo}`.toLowerCase();
    return nodes
      .flatMap((n): MergedPull[] => {
        if (!n?.merged || !n.mergeCommit || !n.mergedAt) return [];
        if (`${n.repository.owner.login}/${n.repository.name}`.toLowerCase() !== here) return [];
        return [
          {
            number: n.number,
            url: n.url,
            // GitHub shows deleted accounts as "ghost".
            authorLogin: n.author?.login ?? 'ghost',
            mergeCommitSha: n.mergeCommit.oid,
            baseRef: n.baseRefName,
            mergedAt: n.mergedAt,
          },
        ];
      })
      .sort((a, b) => Date.parse(b.mergedAt) - Date.parse(a.mergedAt));
  });
}

const commitSchema = z.object({ sha: z.string(), parents: z.array(z.object({ sha: z.string() })) });

/** The parents of a commit, first parent first (a merge commit's first is its branch's tip). */
export async function commitParents(
  gh: GitHubInstallation,
  input: RepoRef & { ref: string },
): Promise<string[]> {
  const action = `commit ${input.ref} of ${input.owner}/${input.repo}`;
  return callGitHub(action, async () => {
    const res = await gh.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', {
      owner: input.owner,
      repo: input.repo,
      ref: input.ref,
    });
    return parseResponse(commitSchema, res.data, action).parents.map((p) => p.sha);
  });
}

/** Every workflow run at a commit, newest first (at most 100: one page). */
export async function runsAtCommit(
  gh: GitHubInstallation,
  input: RepoRef & { headSha: string },
): Promise<WorkflowRunSummary[]> {
  const action = `runs at ${input.headSha} in ${input.owner}/${input.repo}`;
  return callGitHub(action, async () => {
    const res = await gh.octokit.request('GET /repos/{owner}/{repo}/actions/runs', {
      owner: input.owner,
      repo: input.repo,
      head_sha: input.headSha,
      per_page: 100,
    });
    return parseResponse(runListSchema, res.data, action).workflow_runs.map(toRun);
  });
}

const jobListSchema = z.object({
  jobs: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      html_url: z.string().nullable(),
      conclusion: z.string().nullable(),
    }),
  ),
});

/** The jobs of a run's latest attempt (at most `max`, default 100), with their conclusions. */
export async function runJobs(
  gh: GitHubInstallation,
  input: RepoRef & { runId: number; max?: number },
): Promise<RunJob[]> {
  const action = `jobs of run ${input.runId} in ${input.owner}/${input.repo}`;
  const max = input.max ?? 100;
  return callGitHub(action, async () => {
    const jobs: RunJob[] = [];
    const pages = gh.octokit.paginate.iterator(
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      {
        owner: input.owner,
        repo: input.repo,
        run_id: input.runId,
        filter: 'latest',
        per_page: 100,
      },
    );
    for await (const page of pages) {
      // The iterator hands each page's `jobs` array as `data`; the schema reads it either way.
      const data: unknown = Array.isArray(page.data) ? { jobs: page.data } : page.data;
      for (const job of parseResponse(jobListSchema, data, action).jobs) {
        jobs.push({
          id: job.id,
          name: job.name,
          url: job.html_url ?? '',
          conclusion: job.conclusion,
        });
        if (jobs.length >= max) return jobs;
      }
    }
    return jobs;
  });
}

/** Reopens an issue (reopening an open one changes nothing). */
export async function reopenIssue(
  gh: GitHubInstallation,
  input: RepoRef & { issueNumber: number },
): Promise<void> {
  const action = `reopen ${input.owner}/${input.repo}#${input.issueNumber}`;
  await callGitHub(action, () =>
    gh.octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issueNumber,
      state: 'open',
      state_reason: 'reopened',
    }),
  );
}
