/**
 * Activities of the work the repository's config asks for: job schedules (Temporal
 * Schedules, through the worker's client), the check run on a pushed config, the issues the
 * App opens for scheduled jobs and failed-run hooks, and handing such an issue to its task.
 */
import {
  branchExists,
  commentOnIssue,
  createCheckRun,
  type GitHubApp,
  openIssue,
  openIssuesMarked,
} from '@code-factory/github';
import {
  configCheckSummary,
  configCheckTitle,
  failedRunComment,
  failedRunIssueBody,
  failedRunIssueTitle,
  failedRunMarker,
  firingMarker,
  MAX_FAILED_JOBS,
  MAX_LOG_LINES,
  runMarker,
  scheduledIssueBody,
  scheduledIssueTitle,
  scheduledJobMarker,
} from '@code-factory/messages';
import { taskName } from '@code-factory/naming';
import {
  CONFIG_PATH,
  configLine,
  jobKey,
  splitConfigError,
  withDefaults,
} from '@code-factory/repo-config';
import {
  CONFIG_CHECK_NAME,
  eventSignal,
  FAILED_RUN_LABEL,
  type RepoRef,
  type RepoWorkActivities,
  SCHEDULED_JOB_WORKFLOW_TYPE,
  SCHEDULED_LABEL,
  type ScheduledJob,
  type ScheduledJobInput,
  type ScheduleSync,
  SearchAttributes,
  scheduledJobId,
  TASK_WORKFLOW_TYPE,
  type TaskWorkflowInput,
} from '@code-factory/workflows';
import { log } from '@temporalio/activity';
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleOptionsAction,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { withFailureMapping } from './failures';
import { listSchedulesWithMemo } from './schedule-keys';

export interface RepoWorkDeps {
  github: GitHubApp;
  /** The worker's Temporal client (schedules, signal-with-start of tasks). */
  client: Client;
  /** Task queue of the workflows the schedules start. */
  taskQueue: string;
}

const full = (r: { owner: string; name: string }) => `${r.owner}/${r.name}`.toLowerCase();

export function createRepoConfigActivities(deps: RepoWorkDeps): RepoWorkActivities {
  const gh = (ref: RepoRef) => deps.github.installation(ref.installationId);
  const target = (ref: RepoRef) => ({ owner: ref.repository.owner, repo: ref.repository.name });

  /**
   * IDs of the repository's job schedules, found by their memo (IDs alone can collide). A
   * schedule whose memo this worker cannot decrypt is passed over (the worker reported it at
   * start-up); syncJobSchedules writes one of this repository's anew by its ID.
   */
  const repoSchedules = async (repository: RepoRef['repository']): Promise<string[]> => {
    const ids: string[] = [];
    for await (const s of listSchedulesWithMemo(deps.client)) {
      if (s.memo?.codeFactoryRepository === full(repository)) ids.push(s.scheduleId);
    }
    return ids;
  };

  const scheduleAction = (
    ref: RepoRef,
    taskNamePrefix: string,
    scheduleId: string,
    job: ScheduledJob,
  ): ScheduleOptionsAction => {
    const args: [ScheduledJobInput] = [
      {
        repository: ref.repository,
        installationId: ref.installationId,
        taskNamePrefix,
        scheduleId,
        job: { name: job.name, branch: job.branch, schedule: job.schedule, prompt: job.prompt },
      },
    ];
    return {
      type: 'startWorkflow',
      workflowType: SCHEDULED_JOB_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue: deps.taskQueue,
      args,
      staticSummary: `${full(ref.repository)}: scheduled job ${job.name}`,
    };
  };

  const note = (ref: RepoRef, job: ScheduledJob) =>
    `Scheduled job "${job.name}" of ${full(ref.repository)} (.code-factory/config.toml): opens an issue for the agent on ${job.branch}, ${job.schedule} UTC; skipped while the previous issue is open.`;

  const activities: RepoWorkActivities = {
    async checkJobBranches(input) {
      const errors: string[] = [];
      const known = new Map<string, boolean>();
      for (const [index, job] of input.jobs.entries()) {
        let exists = known.get(job.branch);
        if (exists === undefined) {
          exists = await branchExists(gh(input), { ...target(input), branch: job.branch });
          known.set(job.branch, exists);
        }
        if (!exists)
          errors.push(`scheduled_jobs.${index}.branch: no such branch in the repository`);
      }
      return errors;
    },

    async syncJobSchedules(input) {
      const result: ScheduleSync = { created: [], updated: [], deleted: [], errors: [] };
      const existing = new Set(await repoSchedules(input.repository));
      const wanted = new Set<string>();
      for (const [index, job] of input.jobs.entries()) {
        const scheduleId = scheduledJobId(input.repository, job.name);
        wanted.add(scheduleId);
        const action = scheduleAction(input, input.taskNamePrefix, scheduleId, job);
        const spec = { cronExpressions: [job.schedule] };
        const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' };
        try {
          if (existing.has(scheduleId)) {
            await deps.client.schedule.getHandle(scheduleId).update((previous) => ({
              ...previous,
              spec,
              action,
              policies: { ...previous.policies, ...policies },
              // Keep an operator's pause; refresh the readable note otherwise.
              state: previous.state.paused
                ? previous.state
                : { ...previous.state, note: note(input, job) },
            }));
            result.updated.push(scheduleId);
          } else {
            const create = () =>
              deps.client.schedule.create({
                scheduleId,
                spec,
                action,
                policies,
                memo: {
                  codeFactoryRepository: full(input.repository),
                  job: job.name,
                  branch: job.branch,
                  cron: job.schedule,
                },
                state: {
                  note: input.paused ? 'Paused with the repository’s schedules' : note(input, job),
                  paused: input.paused,
                },
              });
            try {
              await create();
            } catch (err) {
              if (!(err instanceof ScheduleAlreadyRunning)) throw err;
              // Its ID but not found by memo: one this worker cannot decrypt (a dropped codec
              // key). The config says what it must be, so it is written anew.
              log.warn('replacing an unreadable job schedule', { scheduleId });
              await deps.client.schedule.getHandle(scheduleId).delete();
              await create();
            }
            result.created.push(scheduleId);
          }
        } catch (err) {
          if (!isInvalidArgument(err)) throw err;
          // Temporal's message may quote the expression: report the path and a sentence.
          log.warn('Temporal refused a job schedule', { scheduleId });
          result.errors.push(
            `scheduled_jobs.${index}.schedule: Temporal refused this schedule; the job keeps its previous schedule, if any`,
          );
        }
      }
      for (const scheduleId of existing) {
        if (wanted.has(scheduleId)) continue;
        try {
          await deps.client.schedule.getHandle(scheduleId).delete();
        } catch (err) {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        }
        result.deleted.push(scheduleId);
      }
      return result;
    },

    async toggleJobSchedules(input) {
      const ids = await repoSchedules(input.repository);
      for (const id of ids) {
        const handle = deps.client.schedule.getHandle(id);
        if (input.pause) await handle.pause(`Paused: ${input.reason}`);
        else await handle.unpause(`Resumed: ${input.reason}`);
      }
      return ids;
    },

    async publishConfigCheck(input) {
      const resolved = withDefaults(input.config);
      const errors = [...input.errors, ...(input.schedules?.errors ?? [])];
      const text =
        errors.length > 0
          ? await gh(input).fileText({ ...target(input), path: CONFIG_PATH, ref: input.sha })
          : null;
      const annotations = errors.flatMap((error) => {
        const { path, problem } = splitConfigError(error);
        const tomlLine = /^invalid TOML at line (\d+)/.exec(error)?.[1];
        const line = tomlLine ? Number(tomlLine) : text ? configLine(text, path) : null;
        return line
          ? [
              {
                path: CONFIG_PATH,
                line,
                level: 'failure' as const,
                message: path ? `${path}: ${problem}` : problem,
              },
            ]
          : [];
      });
      const view = {
        status: input.status,
        errors: input.errors,
        keptSha: input.keptSha,
        backend: resolved.backend,
        jobs: resolved.scheduledJobs.map((job) => ({
          name: job.name,
          schedule: job.schedule,
          branch: job.branch,
          scheduleId: scheduledJobId(input.repository, job.name),
        })),
        hooks: resolved.failedRunHooks,
        scheduleErrors: input.schedules?.errors ?? [],
      };
      // An invalid file shows the config that stays in force, not the rejected one.
      if (input.status === 'invalid') {
        view.jobs = [];
        view.hooks = [];
      }
      await createCheckRun(gh(input), {
        ...target(input),
        name: CONFIG_CHECK_NAME,
        headSha: input.sha,
        conclusion: errors.length > 0 ? 'failure' : 'success',
        title: configCheckTitle(view),
        summary: configCheckSummary(view),
        annotations,
      });
    },

    async openScheduledIssue(input) {
      const marker = scheduledJobMarker(jobKey(input.job.name));
      const open = await openIssuesMarked(gh(input), {
        ...target(input),
        label: SCHEDULED_LABEL,
        marker,
      });
      const mine = open.find((issue) => issue.body.includes(firingMarker(input.firingId)));
      const previous = open[0];
      if (!mine && previous) {
        await noteOnSchedule(
          deps.client,
          input.scheduleId,
          `Last firing ${input.firedAt}: skipped, #${previous.number} (the previous firing’s issue) is still open.`,
        );
        return { outcome: 'skipped', openIssue: previous.number };
      }
      // A retried attempt finds the issue it opened before (its firing marker).
      const issue =
        mine ??
        (await openIssue(gh(input), {
          ...target(input),
          title: scheduledIssueTitle(input.job.name, input.firedAt),
          body: scheduledIssueBody({
            jobKey: jobKey(input.job.name),
            firingId: input.firingId,
            name: input.job.name,
            branch: input.job.branch,
            schedule: input.job.schedule,
            prompt: input.job.prompt,
            firedAt: input.firedAt,
          }),
          labels: [SCHEDULED_LABEL],
        }));
      await noteOnSchedule(
        deps.client,
        input.scheduleId,
        `Last firing ${input.firedAt}: opened #${issue.number}.`,
      );
      return {
        outcome: 'opened',
        issue: { number: issue.number, url: issue.url, title: issue.title },
        sender: issue.author,
      };
    },

    async reportFailedRun(input) {
      const github = gh(input);
      const where = target(input);
      const withLogs = await github.failedJobsWithLogs({
        ...where,
        runId: input.run.id,
        max: MAX_FAILED_JOBS,
        lines: MAX_LOG_LINES,
      });
      const summary = { run: input.run, branch: input.branch, jobs: withLogs };
      const [open] = await openIssuesMarked(github, {
        ...where,
        label: FAILED_RUN_LABEL,
        marker: failedRunMarker(input.run.path, input.branch),
      });
      if (open?.body.includes(runMarker(input.run.id))) {
        // A retried attempt: this run opened that issue already.
        return {
          action: 'opened',
          issue: { number: open.number, url: open.url, title: open.title },
          sender: open.author,
        };
      }
      if (open) {
        const body = failedRunComment(summary);
        const comment = await commentOnIssue(github, { ...where, issueNumber: open.number, body });
        // The App's own comments are never forwarded by the ingress: tell the task directly.
        const workflowId = taskName(input.taskNamePrefix, input.repository, open.number);
        try {
          await deps.client.workflow.getHandle(workflowId).signal(eventSignal, {
            kind: 'comment.posted',
            deliveryId: `failed-run-${input.run.id}`,
            receivedAt: new Date().toISOString(),
            repository: input.repository,
            issueNumber: open.number,
            installationId: input.installationId,
            source: 'issue_comment',
            commentId: comment.id,
            edited: false,
            author: open.author,
            body,
            url: comment.url,
            createdAt: comment.createdAt,
          });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          log.info('no running task for the failed-run issue; comment not forwarded', {
            workflowId,
          });
        }
        return { action: 'commented', issueNumber: open.number };
      }
      const issue = await openIssue(github, {
        ...where,
        title: failedRunIssueTitle(summary),
        body: failedRunIssueBody(summary, input.promptAdditions),
        labels: [FAILED_RUN_LABEL],
      });
      return {
        action: 'opened',
        issue: { number: issue.number, url: issue.url, title: issue.title },
        sender: issue.author,
      };
    },

    async handIssueToAgent(input) {
      const workflowId = taskName(input.taskNamePrefix, input.repository, input.issue.number);
      const args: [TaskWorkflowInput] = [
        { taskName: workflowId, repository: input.repository, issueNumber: input.issue.number },
      ];
      await deps.client.workflow.signalWithStart(TASK_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: deps.taskQueue,
        args,
        signal: eventSignal,
        signalArgs: [
          {
            kind: 'issue.assigned',
            origin: 'repo-config',
            deliveryId: input.deliveryId,
            receivedAt: new Date().toISOString(),
            repository: input.repository,
            issueNumber: input.issue.number,
            installationId: input.installationId,
            issue: { title: input.issue.title, url: input.issue.url },
            sender: input.sender,
          },
        ],
        staticSummary: `${input.repository.owner}/${input.repository.name}#${input.issue.number}: ${input.issue.title}`,
        typedSearchAttributes: [
          {
            key: SearchAttributes.repository,
            value: `${input.repository.owner}/${input.repository.name}`,
          },
          { key: SearchAttributes.issueNumber, value: input.issue.number },
        ],
      });
      return { workflowId };
    },
  };
  return withFailureMapping(
    activities as unknown as Record<string, (...args: never[]) => Promise<unknown>>,
  ) as unknown as RepoWorkActivities;
}

/** The schedule's note says what its last firing did (best effort: never fails a firing). */
async function noteOnSchedule(client: Client, scheduleId: string, text: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      state: { ...previous.state, note: text },
    }));
  } catch (err) {
    log.warn('could not note the firing on its schedule', { scheduleId, error: `${err}` });
  }
}

/** gRPC INVALID_ARGUMENT (code 3), on the error or its cause: Temporal refused the request. */
function isInvalidArgument(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if ((e as { code?: unknown }).code === 3) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
