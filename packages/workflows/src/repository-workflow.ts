/**
 * One long-lived workflow per repository (ID `repo-owner/name`). It holds the repository's
 * `.code-factory/config.toml` (re-read on every push to the default branch) and routes the
 * events the ingress cannot key on an issue by itself: comments and reviews on the agent's
 * pull requests, and failed CI runs. It resolves the issue each pull request closes and
 * signals that issue's task workflow, in the order the events arrived.
 */
import type { RepoEvent, TaskEvent } from '@code-factory/events';
import { taskName } from '@code-factory/naming';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { RepositoryActivities } from './activities';
import { ErrorTypes } from './activities';
import { eventSignal, type RepoConfigState, repoConfigQuery, repoEventSignal } from './definitions';
import { checkRepoEvent } from './guards';
import { RECENT_DELIVERIES_LIMIT } from './state';

export interface RepositoryWorkflowInput {
  repository: { owner: string; name: string };
  /** Task name prefix (CODER_TASK_NAME_PREFIX) used to find each issue's workflow. */
  taskNamePrefix: string;
  carried?: {
    config: RepoConfigState;
    inbox: RepoEvent[];
    recentDeliveries: string[];
  };
}

const MAX_HISTORY_EVENTS = 5_000;

const acts = proxyActivities<RepositoryActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [ErrorTypes.nonRetryable, ErrorTypes.userFixable],
  },
});

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

  setHandler(repoConfigQuery, () => config);
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
    const workflowId = taskName(input.taskNamePrefix, repo, issueNumber);
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

  const handle = async (event: RepoEvent) => {
    const ref = { installationId: event.installationId, repository: repo };
    switch (event.kind) {
      case 'config.push': {
        const read = await acts.readRepoConfig({ ...ref, sha: event.sha });
        if (read.status === 'invalid') {
          config.errors = read.errors;
          log.warn('repo config invalid; keeping the previous one', {
            sha: event.sha,
            errors: read.errors,
          });
        } else {
          config.sha = event.sha;
          config.config = read.status === 'valid' ? read.config : null;
          config.errors = null;
          log.info('repo config stored', { sha: event.sha, status: read.status });
        }
        return;
      }
      case 'route.comment': {
        const issues = await acts.linkedIssues({ ...ref, pullNumber: event.pullRequestNumber });
        if (issues.length === 0)
          log.info('pull request links no issue; skipped', { deliveryId: event.deliveryId });
        for (const issueNumber of issues) {
          await forward(issueNumber, {
            ...event.comment,
            issueNumber,
            deliveryId: event.deliveryId,
          });
        }
        return;
      }
      case 'route.ci': {
        const pulls = await acts.agentPullRequestsForRun({
          ...ref,
          pullRequestNumbers: event.pullRequestNumbers,
          headSha: event.run.headSha,
        });
        if (pulls.length === 0)
          log.info('no agent pull request at the run commit; skipped', {
            deliveryId: event.deliveryId,
          });
        for (const pull of pulls) {
          for (const issueNumber of pull.issueNumbers) {
            await forward(issueNumber, {
              kind: 'ci.failed',
              deliveryId: event.deliveryId,
              receivedAt: event.receivedAt,
              repository: repo,
              issueNumber,
              installationId: event.installationId,
              pullRequest: { number: pull.number, url: pull.url },
              run: event.run,
            });
          }
        }
        return;
      }
    }
  };

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
      carried: { config, inbox, recentDeliveries: recent },
    });
  }

  function needsContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
  }
}
