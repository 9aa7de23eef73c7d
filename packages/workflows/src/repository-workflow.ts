/**
 * One long-lived workflow per repository (ID `repo-owner/name`). It holds the repository's
 * `.code-factory/config.toml` (re-read on every push to the default branch) and routes the
 * events the ingress cannot key on an issue by itself: comments and reviews on the agent's
 * pull requests, CI runs (re-running failed jobs first, `repo-routes.ts`), branch pushes,
 * merge-queue exits, and what happens to an agent pull request's merge commit afterwards
 * (`repo-follow.ts`). It resolves the issue each pull request closes and signals that issue's
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
import { eventSignal, type RepoConfigState, repoConfigQuery, repoEventSignal } from './definitions';
import { checkRepoEvent } from './guards';
import { applyConfigPush } from './repo-config-push';
import { failedRunHook, tellEveryFailure } from './repo-failed-run';
import {
  type FollowedMerge,
  MergeRegistry,
  routeMerged,
  routeMergeRun,
  routeRevertPullRequest,
  routeRevertPush,
} from './repo-follow';
import { routeComment, routeDequeued, routeMergeGroup, routePush, triageRun } from './repo-routes';
import { emptyRepoShepherd, RepoShepherd, type RepoShepherdState } from './repo-shepherd';
import {
  pauseSchedulesUpdate,
  REPO_ACTIVITY_OPTIONS,
  type RepoWorkActivities,
  resumeSchedulesUpdate,
} from './repo-work';
import { RECENT_DELIVERIES_LIMIT } from './state';

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
    /** Merged agent pull requests, for the tasks that watch them (`repo-follow.ts`). */
    merges?: FollowedMerge[];
  };
}

const MAX_HISTORY_EVENTS = 5_000;

const acts = proxyActivities<RepoWorkActivities>(REPO_ACTIVITY_OPTIONS);

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
  const merges = new MergeRegistry(input.carried?.merges ?? []);

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

  const ctx = {
    repo,
    taskNamePrefix: input.taskNamePrefix,
    shepherd,
    config: () => config.config,
    forward,
    reportedRuns,
  };

  const handle = async (event: RepoEvent) => {
    switch (event.kind) {
      case 'config.push': {
        lastInstallationId = event.installationId;
        await applyConfigPush({ ...ctx, config, schedulesPaused: () => schedulesPaused }, event);
        // The default branch is the base of most agent pull requests.
        if (event.branch !== undefined && patched('repository-shepherd')) {
          await routePush(ctx, { ...event, branch: event.branch });
        }
        if (event.reverts?.length && patched('follow-through-routes')) {
          await routeRevertPush(ctx, merges, event);
        }
        return;
      }
      case 'route.push':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routePush(ctx, event);
      case 'route.dequeued':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routeDequeued(ctx, event);
      case 'route.merge-group':
        if (!patched('repository-shepherd')) return unknownToThisShape(event);
        return routeMergeGroup(ctx, event);
      case 'route.comment':
        return routeComment(ctx, event);
      case 'route.ci': {
        // A failed run at a merge commit the issue's task watches goes there, not to triage.
        const merge =
          event.conclusion === 'success' ? undefined : merges.atCommit(event.run.headSha);
        if (merge && patched('follow-through-routes')) return routeMergeRun(ctx, merge, event);
        if (patched('repository-shepherd')) {
          return triageRun(ctx, event, (failed) => failedRunHook(ctx, failed));
        }
        return tellEveryFailure(ctx, event);
      }
      case 'route.merged':
        if (!patched('follow-through-routes')) return unknownToThisShape(event);
        return routeMerged(ctx, merges, event);
      case 'route.reverted':
        if (!patched('follow-through-routes')) return unknownToThisShape(event);
        return routeRevertPullRequest(ctx, merges, event);
    }
  };

  /** An event a run recorded before its change refused: it still does nothing on replay. */
  function unknownToThisShape(event: RepoEvent): void {
    log.warn('repository event refused', { reason: `kind: ${event.kind} is not routed here` });
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
        merges: merges.merges,
      },
    });
  }

  function needsContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
  }
}
