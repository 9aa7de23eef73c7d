/**
 * Failed CI runs the shepherd's triage (`repo-routes.ts`) does not take: a run with no agent
 * pull request goes to the repo config's failed-run hook, once per run; and the shape before
 * the shepherd (replays of runs recorded without `repository-shepherd`), where every failure
 * of an agent pull request was told at once.
 */
import type { Repository, RouteCiFailure } from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';
import { log, proxyActivities } from '@temporalio/workflow';
import type { RepositoryActivities } from './repo-activities';
import type { RouteContext } from './repo-routes';
import {
  type FailedRun,
  matchingHook,
  REPO_ACTIVITY_OPTIONS,
  type RepoWorkActivities,
} from './repo-work';

const acts = proxyActivities<RepositoryActivities & RepoWorkActivities>(REPO_ACTIVITY_OPTIONS);

/** Failed runs already reported to a hook, remembered so a re-run or redelivery acts once. */
const REPORTED_RUNS_LIMIT = 500;

export interface FailedRunContext {
  repo: Repository;
  taskNamePrefix: string;
  config(): RepoConfig | null;
  /** Runs reported to a hook (carried across continue-as-new), changed in place. */
  reportedRuns: number[];
}

/** A failed run with no agent pull request: work for the config's failed-run hook, if any. */
export async function failedRunHook(ctx: FailedRunContext, event: RouteCiFailure): Promise<void> {
  const ref = { installationId: event.installationId, repository: ctx.repo };
  const run: FailedRun = event.run;
  const hook = matchingHook(ctx.config(), run, event.headBranch);
  if (!hook) {
    log.info('no agent pull request at the run commit and no failed-run hook; skipped', {
      deliveryId: event.deliveryId,
    });
    return;
  }
  if (ctx.reportedRuns.includes(run.id)) {
    log.info('failed run already reported; skipped', {
      deliveryId: event.deliveryId,
      runId: run.id,
    });
    return;
  }
  ctx.reportedRuns.push(run.id);
  while (ctx.reportedRuns.length > REPORTED_RUNS_LIMIT) ctx.reportedRuns.shift();
  const report = await acts.reportFailedRun({
    ...ref,
    taskNamePrefix: ctx.taskNamePrefix,
    run,
    branch: event.headBranch,
    ...(hook.promptAdditions !== undefined ? { promptAdditions: hook.promptAdditions } : {}),
    deliveryId: event.deliveryId,
  });
  log.info('failed run reported', { runId: run.id, action: report.action });
  if (report.action === 'opened') {
    await acts.handIssueToAgent({
      ...ref,
      taskNamePrefix: ctx.taskNamePrefix,
      issue: report.issue,
      sender: report.sender,
      deliveryId: `failed-run-${run.id}`,
    });
  }
}

/** Before the shepherd (replays of runs recorded without it): every failure is told. */
export async function tellEveryFailure(
  ctx: RouteContext & FailedRunContext,
  event: RouteCiFailure,
): Promise<void> {
  const ref = { installationId: event.installationId, repository: ctx.repo };
  const pulls = await acts.agentPullRequestsForRun({
    ...ref,
    pullRequestNumbers: event.pullRequestNumbers,
    headSha: event.run.headSha,
  });
  if (pulls.length === 0) await failedRunHook(ctx, event);
  for (const pull of pulls) {
    for (const linked of pull.issueNumbers) {
      const issueNumber = typeof linked === 'number' ? linked : linked.number;
      await ctx.forward(issueNumber, {
        kind: 'ci.failed',
        deliveryId: event.deliveryId,
        receivedAt: event.receivedAt,
        repository: ctx.repo,
        issueNumber,
        installationId: event.installationId,
        pullRequest: { number: pull.number, url: pull.url },
        run: event.run,
        ...(typeof linked === 'number'
          ? {}
          : { issueRepository: { owner: linked.owner, name: linked.name } }),
      });
    }
  }
}
