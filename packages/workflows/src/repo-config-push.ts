/**
 * The repository workflow's config: a push to the default branch has
 * `.code-factory/config.toml` read and checked at the pushed commit; a valid one (or none) is
 * stored and the job schedules follow it, an invalid one leaves the previous one in force. A
 * push that touches the file gets a check run saying which.
 */
import type { ConfigPush, Repository } from '@code-factory/events';
import { log, proxyActivities } from '@temporalio/workflow';
import type { RepoConfigState } from './definitions';
import type { RepositoryActivities } from './repo-activities';
import { REPO_ACTIVITY_OPTIONS, type RepoWorkActivities, type ScheduleSync } from './repo-work';

const acts = proxyActivities<RepositoryActivities & RepoWorkActivities>(REPO_ACTIVITY_OPTIONS);

export interface ConfigPushContext {
  repo: Repository;
  taskNamePrefix: string;
  /** The stored config, changed in place. */
  config: RepoConfigState;
  /** Operators paused the job schedules (`pauseSchedules`). */
  schedulesPaused(): boolean;
}

export async function applyConfigPush(ctx: ConfigPushContext, event: ConfigPush): Promise<void> {
  const { config } = ctx;
  const ref = { installationId: event.installationId, repository: ctx.repo };
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
      taskNamePrefix: ctx.taskNamePrefix,
      jobs,
      paused: ctx.schedulesPaused(),
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
