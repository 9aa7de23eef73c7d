/**
 * The GitHub calls of the shepherd's producers: CI triage (re-run failed jobs, tell flakes,
 * the failure report with earlier attempts and base-branch failures), the agent pull requests
 * a branch push moves, and a merge group's failed checks. Activity bodies: small plain JSON
 * in and out; errors leave through `withFailureMapping` in `activities.ts`, which spreads
 * these into the worker's activities.
 */
import type { CiFailed } from '@code-factory/events';
import type { GitHubInstallation } from '@code-factory/github';
import {
  type CiFailureJob,
  type CiFailureReport,
  MAX_FAILED_JOBS,
  MAX_LOG_LINES,
} from '@code-factory/messages';
import { withDefaults } from '@code-factory/repo-config';
import {
  type AgentPullRequest,
  flakes,
  type MovedPullRequest,
  type RepoRef,
  type RepositoryActivities,
} from '@code-factory/workflows';
import { log } from '@temporalio/activity';
import type { ActivityDeps } from './activities';

/** Lines of each failed check's log a merge-queue exit carries (the message shows 60). */
const CHECK_LOG_LINES = 60;
/** At most this many failed checks reach the agent (`pr.dequeued` takes 5). */
const MAX_FAILED_CHECKS = 5;
/** A re-run has at most this many attempts before it (`rerun_failed_jobs` is at most 3). */
const MAX_ATTEMPTS_READ = 4;

type ShepherdActivities = Pick<
  RepositoryActivities,
  | 'rerunFailedJobs'
  | 'flakyJobs'
  | 'agentPullRequestsOnBranch'
  | 'agentPullRequest'
  | 'failedChecksAt'
>;

/** What these activities use of the worker's dependencies. */
export type ShepherdDeps = Pick<ActivityDeps, 'github' | 'agentLogin' | 'storedRepoConfig'>;

const target = (input: RepoRef) => ({
  owner: input.repository.owner,
  repo: input.repository.name,
});

export function repoShepherdActivities(deps: ShepherdDeps): ShepherdActivities {
  const gh = (input: RepoRef) => deps.github.installation(input.installationId);
  const isAgent = (login: string) => login.toLowerCase() === deps.agentLogin.toLowerCase();
  const withIssues = async (
    input: RepoRef,
    pull: { number: number; url: string },
  ): Promise<AgentPullRequest> => ({
    number: pull.number,
    url: pull.url,
    issueNumbers: await gh(input).linkedIssues({ ...target(input), pullNumber: pull.number }),
  });

  return {
    async rerunFailedJobs(input) {
      await gh(input).rerunFailedJobs({ ...target(input), runId: input.runId });
    },

    async flakyJobs(input) {
      const failedIn = async (attempt: number) =>
        (
          await gh(input).failedJobs({ ...target(input), runId: input.runId, attempt, max: 50 })
        ).map((job) => job.name);
      const earlier: string[][] = [];
      const first = Math.max(1, input.attempt - MAX_ATTEMPTS_READ);
      for (let attempt = first; attempt < input.attempt; attempt++) {
        earlier.push(await failedIn(attempt));
      }
      return flakes(earlier, await failedIn(input.attempt));
    },

    async agentPullRequestsOnBranch(input) {
      const github = gh(input);
      const into = await github.openPullRequestsOn({ ...target(input), base: input.branch });
      // "List pull requests" takes the head as `owner:branch`: branches of this repository.
      const from = await github.openPullRequestsOn({
        ...target(input),
        head: `${input.repository.owner}:${input.branch}`,
      });
      const moved: MovedPullRequest[] = [];
      for (const [side, pulls] of [
        ['base', into],
        ['head', from],
      ] as const) {
        for (const pull of pulls) {
          if (!isAgent(pull.authorLogin)) continue;
          moved.push({ ...(await withIssues(input, pull)), side });
        }
      }
      return moved;
    },

    async agentPullRequest(input) {
      const pull = await gh(input).pullRequest({ ...target(input), number: input.pullNumber });
      if (!isAgent(pull.authorLogin) || pull.state !== 'open') return null;
      return withIssues(input, pull);
    },

    async failedChecksAt(input) {
      const github = gh(input);
      const runs = await github.failedRunsAt({ ...target(input), headSha: input.headSha });
      const checks = [];
      for (const run of runs) {
        const left = MAX_FAILED_CHECKS - checks.length;
        if (left <= 0) break;
        const jobs = await github.runAttemptJobs({
          ...target(input),
          runId: run.id,
          attempt: run.runAttempt,
          max: left,
          lines: CHECK_LOG_LINES,
        });
        for (const job of jobs) {
          checks.push({ name: `${run.name} / ${job.name}`, url: job.url, logTail: job.logTail });
        }
      }
      return checks;
    },
  };
}

/**
 * The report of a failed run the task forwards: the failed jobs of the attempt with their log
 * tails, those of the attempts before it (the re-runs that failed too), each job marked when
 * the base branch's latest completed run of the same workflow fails it too, and `heldBack`
 * when every one does and the repository's `shepherd.ignore_base_failures` holds them back.
 */
export async function collectCiFailure(
  deps: ShepherdDeps,
  event: CiFailed,
): Promise<CiFailureReport> {
  const gh = deps.github.installation(event.installationId);
  const repo = { owner: event.repository.owner, repo: event.repository.name };
  const pull = await gh.pullRequest({ ...repo, number: event.pullRequest.number });
  if (pull.headSha !== event.run.headSha) return { current: false, jobs: [] };
  const read = { ...repo, runId: event.run.id, max: MAX_FAILED_JOBS, lines: MAX_LOG_LINES };
  const attemptJobs = async (attempt: number) =>
    (await gh.runAttemptJobs({ ...read, attempt })).map(({ name, url, logTail }) => ({
      name,
      url,
      logTail,
    }));
  const failed =
    event.attempt === undefined
      ? await gh.failedJobsWithLogs(read)
      : await attemptJobs(event.attempt);
  const earlierAttempts = [];
  const attempt = event.attempt ?? 1;
  for (let before = Math.max(1, attempt - MAX_ATTEMPTS_READ); before < attempt; before++) {
    earlierAttempts.push({ attempt: before, jobs: await attemptJobs(before) });
  }
  const jobs = await markBaseFailures(gh, event, pull.baseRef, failed);
  const report: CiFailureReport = {
    current: true,
    jobs,
    ...(earlierAttempts.length > 0 ? { earlierAttempts } : {}),
  };
  if (jobs.length === 0 || !jobs.every((job) => job.alsoFailingOn)) return report;
  const stored = await deps.storedRepoConfig(event.repository);
  if (!withDefaults(stored?.config).shepherd.ignoreBaseFailures) return report;
  const names = jobs.map((job) => job.name).join(', ');
  return {
    ...report,
    heldBack: `every failing job (${names}) fails on ${pull.baseRef} too, and shepherd.ignore_base_failures holds such failures back`,
  };
}

/**
 * Marks the jobs that fail in the base branch's latest completed run of the same workflow.
 * The report matters more than the mark: a base that cannot be read marks nothing.
 */
async function markBaseFailures(
  gh: GitHubInstallation,
  event: CiFailed,
  base: string,
  jobs: CiFailureJob[],
): Promise<CiFailureJob[]> {
  const repo = { owner: event.repository.owner, repo: event.repository.name };
  try {
    // "List workflow runs for a workflow" takes the file name (`ci.yml`) as the workflow id.
    const workflowId = event.run.path.split('/').pop() ?? event.run.path;
    const run = await gh.latestCompletedRun({ ...repo, workflowId, branch: base });
    if (!run || run.id === event.run.id || run.conclusion === 'success') return jobs;
    const failing = new Set(
      (await gh.failedJobs({ ...repo, runId: run.id, max: 50 })).map((job) => job.name),
    );
    return jobs.map((job) => (failing.has(job.name) ? { ...job, alsoFailingOn: base } : job));
  } catch (err) {
    log.warn('base branch run not read; failures not compared', {
      base,
      error: err instanceof Error ? err.message : String(err),
    });
    return jobs;
  }
}
