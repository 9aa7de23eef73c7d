/**
 * Workflow runs the shepherd triages:
 *  - "Get a workflow run" `GET /repos/{owner}/{repo}/actions/runs/{run_id}` (`run_attempt`,
 *    `status`, `conclusion`, `workflow_id`):
 *    https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
 *  - "List workflow runs for a repository" `GET /repos/{owner}/{repo}/actions/runs`
 *    (`head_sha`; `status` takes a conclusion such as `failure` too; newest first):
 *    https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
 *  - "List workflow runs for a workflow" `GET …/actions/workflows/{workflow_id}/runs`
 *    (`workflow_id` the id or the file name; `branch`, `status=completed`; newest first):
 *    https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
 *  - "Re-run failed jobs from a workflow run" `POST …/runs/{run_id}/rerun-failed-jobs` → 201,
 *    a new attempt (`run_attempt` + 1) re-running the failed jobs and those that need them:
 *    https://docs.github.com/en/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run
 * The jobs of one attempt ("List jobs for a workflow run attempt") are read by
 * `GitHubInstallation.failedJobs({ attempt })`:
 * https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt
 */
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { callGitHub, parseResponse } from './errors';
import type { RepoRef } from './installation';

export interface WorkflowRunSummary {
  id: number;
  name: string;
  /** `.github/workflows/ci.yml` */
  path: string;
  workflowId: number;
  headBranch: string | null;
  headSha: string;
  runAttempt: number;
  status: string;
  /** null until completed. */
  conclusion: string | null;
  /** html_url */
  url: string;
  createdAt: string;
}

const runSchema = z.object({
  id: z.number(),
  name: z.string().nullish(),
  path: z.string(),
  workflow_id: z.number(),
  head_branch: z.string().nullable(),
  head_sha: z.string(),
  run_attempt: z.number().int().positive().optional(),
  status: z.string().nullable(),
  conclusion: z.string().nullable(),
  html_url: z.string(),
  created_at: z.string(),
});

export const runListSchema = z.object({ workflow_runs: z.array(runSchema) });

export function toRun(run: z.output<typeof runSchema>): WorkflowRunSummary {
  return {
    id: run.id,
    name: run.name ?? '',
    path: run.path,
    workflowId: run.workflow_id,
    headBranch: run.head_branch,
    headSha: run.head_sha,
    runAttempt: run.run_attempt ?? 1,
    status: run.status ?? 'unknown',
    conclusion: run.conclusion,
    url: run.html_url,
    createdAt: run.created_at,
  };
}

export async function workflowRun(
  octokit: Octokit,
  input: RepoRef & { runId: number },
): Promise<WorkflowRunSummary> {
  const action = `workflow run ${input.runId} in ${input.owner}/${input.repo}`;
  return callGitHub(action, async () => {
    const res = await octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
      owner: input.owner,
      repo: input.repo,
      run_id: input.runId,
    });
    return toRun(parseResponse(runSchema, res.data, action));
  });
}

/**
 * The newest completed run of a workflow (its id, or its file name such as `ci.yml`) on
 * `branch`: what the base branch says about a failure a pull request also has. Null when it
 * has none.
 */
export async function latestCompletedRun(
  octokit: Octokit,
  input: RepoRef & { workflowId: number | string; branch: string },
): Promise<WorkflowRunSummary | null> {
  const action = `latest completed run of workflow ${input.workflowId} on ${input.branch} in ${input.owner}/${input.repo}`;
  return callGitHub(action, async () => {
    const res = await octokit.request(
      'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      {
        owner: input.owner,
        repo: input.repo,
        workflow_id: input.workflowId,
        branch: input.branch,
        status: 'completed',
        per_page: 1,
      },
    );
    const [run] = parseResponse(runListSchema, res.data, action).workflow_runs;
    return run ? toRun(run) : null;
  });
}

/** The failed runs at a commit, newest first, at most `max` (default 5). */
export async function failedRunsAt(
  octokit: Octokit,
  input: RepoRef & { headSha: string; max?: number },
): Promise<WorkflowRunSummary[]> {
  const action = `failed runs at ${input.headSha} in ${input.owner}/${input.repo}`;
  return callGitHub(action, async () => {
    const res = await octokit.request('GET /repos/{owner}/{repo}/actions/runs', {
      owner: input.owner,
      repo: input.repo,
      head_sha: input.headSha,
      status: 'failure',
      per_page: Math.min(Math.max(input.max ?? 5, 1), 100),
    });
    return parseResponse(runListSchema, res.data, action).workflow_runs.map(toRun);
  });
}

export async function rerunFailedJobs(
  octokit: Octokit,
  input: RepoRef & { runId: number },
): Promise<void> {
  const action = `re-run of the failed jobs of run ${input.runId} in ${input.owner}/${input.repo}`;
  await callGitHub(action, () =>
    octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', {
      owner: input.owner,
      repo: input.repo,
      run_id: input.runId,
    }),
  );
}
