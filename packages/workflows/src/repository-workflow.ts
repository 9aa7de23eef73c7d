/**
 * One long-lived workflow per repository (ID `repo-owner/name`). It holds the repository's
 * `.code-factory/config.toml` (re-read on every push to the default branch) and routes the
 * events the ingress cannot key on an issue by itself: comments and reviews on the agent's
 * pull requests, CI runs (re-running failed jobs first, `repo-routes.ts`), branch pushes and
 * merge-queue exits. It resolves the issue each pull request closes and signals that issue's
 * task workflow, in the order the events arrived.
 */
import type { RepoEvent, TaskEvent } from '@code-factory/events';
import { taskName } from '@code-factory/naming';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RepositoryActivities } from './activities';
import { eventSignal, type RepoConfigState, repoConfigQuery, repoEventSignal } from './definitions';
import { checkRepoEvent } from './guards';
import {
  type RouteContext,
  routeDequeued,
  routeMergeGroup,
  routePush,
  triageRun,
} from './repo-routes';
import { emptyRepoShepherd, RepoShepherd, type RepoShepherdState } from './repo-shepherd';
import {
  type FailedRun,
  matchingHook,
  pauseSchedulesUpdate,
  REPO_ACTIVITY_OPTIONS,
  type RepoWorkActivities,
  resumeSchedulesUpdate,
  type ScheduleSync,
} from './repo-work';
import { RECENT_DELIVERIES_LIMIT } from './state';

/** Failed runs already reported to a hook, remembered so a re-run or redelivery acts once. */
const REPORTED_RUNS_LIMIT = 500;

export interface RepositoryWorkflowInput {
  repository: { owner: string; name: string };
  /** Task name prefix (CODER_TASK_NAME_PREFIX) used to find each issue's workflow. */
  taskNamePrefix: string;
  carried?: {
    config: RepoConfigState;
    inbox: RepoEvent[];
    recentDeliveries: string[];
    /** Operators paused the repository's job schedules (`pauseSchedules`). */
    schedulesPaused?: boolean;
    reportedRuns?: number[];
    /** Runs re-run and merge-queue exits told (`repo-shepherd.ts`). */
    shepherd?: RepoShepherdState;
  };
}

const MAX_HISTORY_EVENTS = 5_000;

const acts = proxyActivities<RepositoryActivities & RepoWorkActivities>(REPO_ACTIVITY_OPTIONS);

export async function repositoryWorkflow(input: RepositoryWorkflowInput): Promise<void> {
  const repo = input.repository;
  const config: RepoConfigState = input.carried?.config ?? {
    sha: null,
    config: null,
    errors: null,
  };
  const inbox: RepoEvent[] = input.carried?.inbox ?? [];
  const recent: string[] = input.carried?.recentDeliveries ?? [];
  const seen = new Set(recent);
  let schedulesPaused = input.carried?.schedulesPaused ?? false;
  const reportedRuns: number[] = input.carried?.reportedRuns ?? [];
  const shepherd = new RepoShepherd(input.carried?.shepherd ?? emptyRepoShepherd());

  setHandler(repoConfigQuery, () => config);
  const toggle = async (pause: boolean, arg: unknown) => {
    const raw = (arg as { reason?: unknown } | undefined)?.reason;
    const reason = typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, 200) : 'operator';
    schedulesPaused = pause;
    const ids = await acts.toggleJobSchedules.executeWithOptions(
      {
        startToCloseTimeout: '1 minute',
        summary: pause ? 'pause job schedules' : 'resume job schedules',
      },
      [{ installationId: lastInstallationId ?? 0, repository: repo, pause, reason }],
    );
    log.info(pause ? 'job schedules paused' : 'job schedules resumed', {
      reason,
      count: ids.length,
    });
    return ids;
  };
  let lastInstallationId: number | null = null;
  setHandler(pauseSchedulesUpdate, async (arg) => ({ paused: await toggle(true, arg) }));
  setHandler(resumeSchedulesUpdate, async (arg) => ({ resumed: await toggle(false, arg) }));
  setHandler(repoEventSignal, (raw) => {
    const parsed = checkRepoEvent(raw);
    if (!parsed.ok) {
      log.warn('repository event refused', { reason: parsed.reason });
      return;
    }
    const event = parsed.value;
    if (
      `${event.repository.owner}/${event.repository.name}`.toLowerCase() !==
      `${repo.owner}/${repo.name}`.toLowerCase()
    ) {
      log.warn('repository event for another repository refused', { deliveryId: event.deliveryId });
      return;
    }
    if (seen.has(event.deliveryId)) {
      log.info('duplicate delivery ignored', { deliveryId: event.deliveryId });
      return;
    }
    seen.add(event.deliveryId);
    recent.push(event.deliveryId);
    while (recent.length > RECENT_DELIVERIES_LIMIT) seen.delete(recent.shift() ?? '');
    inbox.push(event);
  });

  const forward = async (issueNumber: number, event: TaskEvent) => {
    const workflowId = taskName(input.taskNamePrefix, event.issueRepository ?? repo, issueNumber);
    try {
      await getExternalWorkflowHandle(workflowId).signal(eventSignal, event);
      log.info('routed to task', { deliveryId: event.deliveryId, workflowId, kind: event.kind });
    } catch (err) {
      // No running task for that issue (never assigned, or already closed): skip.
      log.info('no active task for the linked issue; skipped', {
        deliveryId: event.deliveryId,
        workflowId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };

  const routes: RouteContext = { repo, shepherd, config: () => config.config, forward };

  const handle = async (event: RepoEvent) => {
    const ref = { installationId: event.installationId, repository: repo };
    switch (event.kind) {
      case 'config.push': {
        lastInstallationId = event.installationId;
        await applyConfigPush(event, ref);
        // The default branch is the base of most agent pull requests.
        if (event.branch !== undefined && patched('repository-shepherd')) {
          await routePush(routes, { ...event, branch: event.branch });
        }
        return;
      }
      case 'route.push':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routePush(routes, event);
      case 'route.dequeued':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routeDequeued(routes, event);
      case 'route.merge-group':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routeMergeGroup(routes, event);
      case 'route.comment': {
        const issues = await acts.linkedIssues({ ...ref, pullNumber: event.pullRequestNumber });
        if (issues.length === 0)
          log.info('pull request links no issue; skipped', { deliveryId: event.deliveryId });
        for (const linked of issues) {
          // Another repository's issue ("Fixes other/repo#12"): its own task workflow.
          const elsewhere = typeof linked === 'number' ? null : linked;
          const issueNumber = typeof linked === 'number' ? linked : linked.number;
          await forward(issueNumber, {
            ...event.comment,
            issueNumber,
            deliveryId: event.deliveryId,
            ...(elsewhere
              ? { issueRepository: { owner: elsewhere.owner, name: elsewhere.name } }
              : {}),
          });
        }
        return;
      }
      case 'route.ci': {
        if (patched('repository-shepherd')) {
          return triageRun(routes, event, (failed) => failedRunHook(failed, ref));
        }
        // Before the shepherd (replays of runs recorded without it): every failure is told.
        const pulls = await acts.agentPullRequestsForRun({
          ...ref,
          pullRequestNumbers: event.pullRequestNumbers,
          headSha: event.run.headSha,
        });
        if (pulls.length === 0) {
          await failedRunHook(event, ref);
        }
        for (const pull of pulls) {
          for (const linked of pull.issueNumbers) {
            const issueNumber = typeof linked === 'number' ? linked : linked.number;
            await forward(issueNumber, {
              kind: 'ci.failed',
              deliveryId: event.deliveryId,
              receivedAt: event.receivedAt,
              repository: repo,
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
        return;
      }
    }
  };

  /**
   * A push to the default branch: read and check the config at that commit; a valid one (or
   * none) is stored and the job schedules follow it; an invalid one leaves the previous one in
   * force. A push that touches the file gets a check run saying which.
   */
  async function applyConfigPush(
    event: Extract<RepoEvent, { kind: 'config.push' }>,
    ref: { installationId: number; repository: typeof repo },
  ): Promise<void> {
    const read = await acts.readRepoConfig({ ...ref, sha: event.sha });
    let errors = read.status === 'invalid' ? read.errors : [];
    const jobs = read.status === 'valid' ? (read.config.scheduled_jobs ?? []) : [];
    if (jobs.length > 0) errors = await acts.checkJobBranches({ ...ref, jobs });
    let schedules: ScheduleSync | null = null;
    if (errors.length > 0) {
      config.errors = errors;
      log.warn('repo config invalid; keeping the previous one', { sha: event.sha, errors });
    } else {
      config.sha = event.sha;
      config.config = read.status === 'valid' ? read.config : null;
      config.errors = null;
      schedules = await acts.syncJobSchedules({
        ...ref,
        taskNamePrefix: input.taskNamePrefix,
        jobs,
        paused: schedulesPaused,
      });
      if (schedules.errors.length > 0) config.errors = schedules.errors;
      log.info('repo config stored', {
        sha: event.sha,
        status: read.status,
        schedules: `${schedules.created.length} created, ${schedules.updated.length} updated, ${schedules.deleted.length} deleted`,
      });
    }
    if (event.touchesConfig === false) return;
    await acts.publishConfigCheck({
      ...ref,
      sha: event.sha,
      status: errors.length > 0 ? 'invalid' : read.status,
      errors,
      config: config.config,
      keptSha: errors.length > 0 ? config.sha : null,
      schedules,
    });
  }

  /** An event a run recorded before the shepherd refused: it still does nothing on replay. */
  function unknownToThisShape(event: RepoEvent): void {
    log.warn('repository event refused', { reason: `kind: ${event.kind} is not routed here` });
  }

  /** A failed run with no agent pull request: work for the config's failed-run hook, if any. */
  async function failedRunHook(
    event: Extract<RepoEvent, { kind: 'route.ci' }>,
    ref: { installationId: number; repository: typeof repo },
  ): Promise<void> {
    const run: FailedRun = event.run;
    const hook = matchingHook(config.config, run, event.headBranch);
    if (!hook) {
      log.info('no agent pull request at the run commit and no failed-run hook; skipped', {
        deliveryId: event.deliveryId,
      });
      return;
    }
    if (reportedRuns.includes(run.id)) {
      log.info('failed run already reported; skipped', {
        deliveryId: event.deliveryId,
        runId: run.id,
      });
      return;
    }
    reportedRuns.push(run.id);
    while (reportedRuns.length > REPORTED_RUNS_LIMIT) reportedRuns.shift();
    const report = await acts.reportFailedRun({
      ...ref,
      taskNamePrefix: input.taskNamePrefix,
      run,
      branch: event.headBranch,
      ...(hook.promptAdditions !== undefined ? { promptAdditions: hook.promptAdditions } : {}),
      deliveryId: event.deliveryId,
    });
    log.info('failed run reported', { runId: run.id, action: report.action });
    if (report.action === 'opened') {
      await acts.handIssueToAgent({
        ...ref,
        taskNamePrefix: input.taskNamePrefix,
        issue: report.issue,
        sender: report.sender,
        deliveryId: `failed-run-${run.id}`,
      });
    }
  }

  for (;;) {
    await condition(() => inbox.length > 0 || needsContinueAsNew());
    const event = inbox.shift();
    if (event) {
      try {
        await handle(event);
      } catch (err) {
        // A routing failure must not wedge the repository: log it and go on with the next.
        log.error('repository event failed', {
          deliveryId: event.deliveryId,
          kind: event.kind,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      continue;
    }
    await condition(allHandlersFinished);
    return continueAsNew<typeof repositoryWorkflow>({
      ...input,
      carried: {
        config,
        inbox,
        recentDeliveries: recent,
        schedulesPaused,
        reportedRuns,
        shepherd: shepherd.state,
      },
    });
  }

  function needsContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
  }
}
