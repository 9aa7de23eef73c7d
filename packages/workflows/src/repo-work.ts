/**
 * Work the repository's `.code-factory/config.toml` asks for: scheduled jobs (one Temporal
 * Schedule each, firing `scheduledJobWorkflow`), failed-run hooks, and the check run that
 * reports what the service made of the file at a pushed commit. Types and pure rules only:
 * imported by workflow code and by the worker.
 */
import type { Repository } from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';
import { type ActivityOptions, defineUpdate } from '@temporalio/workflow';
import { ErrorTypes } from './activities';
import type { RepoRef } from './repo-activities';

/** Activity options of the repository's own workflows (config, routing, scheduled jobs). */
export const REPO_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [ErrorTypes.nonRetryable, ErrorTypes.userFixable],
  },
} satisfies ActivityOptions;

/** Label of the issues scheduled jobs open (contract: docs/repo-config.md). */
export const SCHEDULED_LABEL = 'code-factory:scheduled';
/** Label of the issues failed-run hooks open. */
export const FAILED_RUN_LABEL = 'code-factory:failed-run';
/** Name of the check run on pushes that touch the config. */
export const CONFIG_CHECK_NAME = 'code-factory config';
export const SCHEDULED_JOB_WORKFLOW_TYPE = 'scheduledJobWorkflow';
/** Said on the status comment of work the config asked for (and in docs/repo-config.md). */
export const REPO_CONFIG_NOTE =
  'Requested by `.code-factory/config.toml` on the default branch, which counts as a request by someone with write access. No person assigned it, so the agent runs as the service’s own Coder user.';

export interface ScheduledJob {
  name: string;
  branch: string;
  schedule: string;
  prompt: string;
}

export interface ScheduledJobInput {
  repository: Repository;
  installationId: number;
  taskNamePrefix: string;
  scheduleId: string;
  job: ScheduledJob;
}

export type ScheduledJobResult =
  | { outcome: 'opened'; issueNumber: number; url: string }
  | { outcome: 'skipped'; openIssue: number };

/** Schedule ID of a job: `scheduled-<owner>-<repo>-<job>`, lower case, other runs as one dash. */
export function scheduledJobId(repository: Repository, jobName: string): string {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  return `scheduled-${slug(repository.owner)}-${slug(repository.name)}-${slug(jobName)}`;
}

export interface ScheduleSync {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Path-and-problem errors of jobs Temporal refused (their previous schedule stays). */
  errors: string[];
}

export interface FailedRun {
  id: number;
  name: string;
  path: string;
  url: string;
  headSha: string;
}

export type FailedRunReport =
  | { action: 'opened'; issue: { number: number; url: string; title: string }; sender: Sender }
  | { action: 'commented'; issueNumber: number }
  | { action: 'already-reported'; issueNumber: number };

export interface Sender {
  login: string;
  id: number;
}

export interface ConfigCheckInput extends RepoRef {
  sha: string;
  /** What was read: the errors when invalid; the stored config when valid. */
  status: 'valid' | 'invalid' | 'absent';
  errors: string[];
  config: RepoConfig | null;
  /** The commit whose config stays in force when this one is invalid (null: none). */
  keptSha: string | null;
  schedules: ScheduleSync | null;
}

export interface RepoWorkActivities {
  /** Errors (`scheduled_jobs.N.branch: ...`) for jobs whose branch does not exist. */
  checkJobBranches(input: RepoRef & { jobs: ScheduledJob[] }): Promise<string[]>;
  /** Creates, updates and deletes the repository's job schedules to match `jobs`. */
  syncJobSchedules(
    input: RepoRef & { taskNamePrefix: string; jobs: ScheduledJob[]; paused: boolean },
  ): Promise<ScheduleSync>;
  /** Pauses or unpauses every job schedule of the repository; returns their IDs. */
  toggleJobSchedules(input: RepoRef & { pause: boolean; reason: string }): Promise<string[]>;
  /** The check run on the pushed commit. */
  publishConfigCheck(input: ConfigCheckInput): Promise<void>;
  /** Opens the firing's issue, or skips while the previous firing's issue is open. */
  openScheduledIssue(
    input: ScheduledJobInput & { firingId: string; firedAt: string },
  ): Promise<
    | { outcome: 'opened'; issue: { number: number; url: string; title: string }; sender: Sender }
    | { outcome: 'skipped'; openIssue: number }
  >;
  /**
   * Opens the issue of a failed run for a hook, or, while the hook's issue for that workflow
   * and branch is open, comments the failure on it and forwards the comment to its task.
   */
  reportFailedRun(
    input: RepoRef & {
      taskNamePrefix: string;
      run: FailedRun;
      branch: string;
      promptAdditions?: string;
      deliveryId: string;
    },
  ): Promise<FailedRunReport>;
  /** Signal-with-start of the issue's task with an assignment from the repo config. */
  handIssueToAgent(
    input: RepoRef & {
      taskNamePrefix: string;
      issue: { number: number; url: string; title: string };
      sender: Sender;
      deliveryId: string;
    },
  ): Promise<{ workflowId: string }>;
}

/** The failed-run hook that asks for work on this run, if any (by workflow name or file). */
export function matchingHook(
  config: RepoConfig | null,
  run: Pick<FailedRun, 'name' | 'path'>,
  branch: string,
): { promptAdditions?: string } | null {
  for (const hook of config?.on_event?.failed_run ?? []) {
    if (!hook.branches.includes(branch)) continue;
    const file = run.path.split('/').pop() ?? run.path;
    if (hook.workflows.some((w) => w === run.name || w === run.path || w === file)) {
      return hook.prompt_additions !== undefined ? { promptAdditions: hook.prompt_additions } : {};
    }
  }
  return null;
}

export interface SchedulesToggle {
  /** Recorded on each schedule's note. */
  reason?: string;
}
/** Operator: pause every scheduled job of the repository (one command; see operations.md). */
export const pauseSchedulesUpdate = defineUpdate<{ paused: string[] }, [SchedulesToggle?]>(
  'pauseSchedules',
);
/** Operator: resume them. */
export const resumeSchedulesUpdate = defineUpdate<{ resumed: string[] }, [SchedulesToggle?]>(
  'resumeSchedules',
);
