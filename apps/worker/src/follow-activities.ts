/**
 * The GitHub calls of the follow-through after a merge (the task workflow's
 * `steps/follow.ts`): the agent's merged pull request at close, what a failed run at its merge
 * commit breaks compared with the commit's first parent, and reopening the issue. Activity
 * bodies: small plain JSON in and out; errors leave through `withFailureMapping` in
 * `activities.ts`, which spreads these into the worker's activities.
 */
import {
  commitParents,
  type GitHubInstallation,
  mergedPullRequestsClosing,
  reopenIssue,
  runJobs,
  runsAtCommit,
  type WorkflowRunSummary,
} from '@code-factory/github';
import { MAX_REGRESSION_JOBS, REGRESSION_LOG_LINES } from '@code-factory/messages';
import type { IssueRef, TaskActivities } from '@code-factory/workflows';
import { log } from '@temporalio/activity';
import type { ActivityDeps } from './activities';
import { isFailed, regressedJobs } from './follow-rules';

/** A log tail carried into history (and into the next agent's brief) is at most this long. */
const MAX_TAIL_CHARS = 4_000;

type FollowActivities = Pick<
  TaskActivities,
  'mergedPullRequest' | 'checkMergeRegression' | 'reopenIssue'
>;

const target = (input: IssueRef) => ({
  owner: input.repository.owner,
  repo: input.repository.name,
});

/** The jobs of each run's latest attempt, each with its run. */
async function jobsOfRuns(
  gh: GitHubInstallation,
  at: { owner: string; repo: string },
  runs: WorkflowRunSummary[],
) {
  const jobs = [];
  for (const run of runs) {
    for (const job of await runJobs(gh, { ...at, runId: run.id })) {
      const workflowName = run.name || (run.path.split('/').pop() ?? run.path);
      jobs.push({ ...job, run, workflowPath: run.path, workflowName });
    }
  }
  return jobs;
}

export function followActivities(
  deps: Pick<ActivityDeps, 'github' | 'agentLogin'>,
): FollowActivities {
  const gh = (input: IssueRef) => deps.github.installation(input.installationId);
  return {
    async mergedPullRequest(input) {
      const merged = await mergedPullRequestsClosing(gh(input), {
        ...target(input),
        issueNumber: input.issueNumber,
      });
      const agent = deps.agentLogin.toLowerCase();
      const pull = merged.find((p) => p.authorLogin.toLowerCase() === agent);
      if (!pull) return null;
      return { number: pull.number, url: pull.url, sha: pull.mergeCommitSha, branch: pull.baseRef };
    },

    async checkMergeRegression(input) {
      const github = gh(input);
      const at = target(input);
      const failedRuns = (await runsAtCommit(github, { ...at, headSha: input.sha })).filter(
        (run) => run.status === 'completed' && isFailed(run),
      );
      const [parentSha = null] = await commitParents(github, { ...at, ref: input.sha });
      const parentRuns = parentSha ? await runsAtCommit(github, { ...at, headSha: parentSha }) : [];
      const atMerge = await jobsOfRuns(github, at, failedRuns);
      const atParent = await jobsOfRuns(github, at, parentRuns);
      const { counted, uncounted } = regressedJobs(atMerge, atParent);
      const jobs = [];
      for (const job of counted.slice(0, MAX_REGRESSION_JOBS)) {
        const tail = await github
          .jobLogTail({ ...at, jobId: job.id, lines: REGRESSION_LOG_LINES })
          .catch(
            (err: unknown) => `(log unavailable: ${err instanceof Error ? err.message : err})`,
          );
        jobs.push({
          workflow: job.workflowName,
          name: job.name,
          url: job.url,
          runUrl: job.run.url,
          logTail: tail.length > MAX_TAIL_CHARS ? tail.slice(-MAX_TAIL_CHARS) : tail,
        });
      }
      log.info('failed runs at a merge commit compared with its parent', {
        sha: input.sha,
        parentSha,
        runs: failedRuns.length,
        counted: counted.length,
        uncounted: uncounted.length,
      });
      return { parentSha, runs: failedRuns.map((run) => run.id), jobs, uncounted };
    },

    async reopenIssue(input) {
      await reopenIssue(gh(input), { ...target(input), issueNumber: input.issueNumber });
    },
  };
}
