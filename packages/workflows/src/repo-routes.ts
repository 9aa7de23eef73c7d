/**
 * The repository workflow's routes: comments and reviews on an agent pull request, and the
 * shepherd's (behind `patched('repository-shepherd')` in `repository-workflow.ts`): CI triage
 * (re-run failed jobs before the agent hears, flakes), branch pushes that move agent pull
 * requests, and merge-queue exits. Each finds the agent pull requests concerned through an
 * activity and signals the issues they close, in order.
 */
import type {
  RepoEvent,
  Repository,
  RouteCiFailure,
  RouteComment,
  RouteDequeued,
  RouteMergeGroup,
  TaskEvent,
} from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';
import { ActivityFailure, log, metricMeter, proxyActivities } from '@temporalio/workflow';
import type { AgentPullRequest, RepositoryActivities } from './repo-activities';
import { linkedTask, type RepoShepherd, rerunLimit, triageFailure } from './repo-shepherd';
import { REPO_ACTIVITY_OPTIONS } from './repo-work';

const acts = proxyActivities<RepositoryActivities>(REPO_ACTIVITY_OPTIONS);

export interface RouteContext {
  repo: Repository;
  shepherd: RepoShepherd;
  /** The stored config (null: none, or no push seen yet). */
  config(): RepoConfig | null;
  /** Signals the issue's task; a task that is not running is logged and skipped. */
  forward(issueNumber: number, event: TaskEvent): Promise<void>;
}

type Envelope = Pick<RepoEvent, 'deliveryId' | 'receivedAt' | 'installationId'>;
type Shared = 'deliveryId' | 'receivedAt' | 'repository' | 'installationId' | 'issueNumber';
/** A task event without what `toTasks` fills in (each kind's own fields). */
type Routed = TaskEvent extends infer E ? (E extends TaskEvent ? Omit<E, Shared> : never) : never;

/** Signals the event `build` makes to the task of every issue each pull request closes. */
export async function toTasks<P extends AgentPullRequest>(
  ctx: RouteContext,
  envelope: Envelope,
  pulls: P[],
  build: (pull: P) => Routed,
): Promise<void> {
  for (const pull of pulls) {
    for (const linked of pull.issueNumbers) {
      const task = linkedTask(linked);
      const event: TaskEvent = {
        deliveryId: envelope.deliveryId,
        receivedAt: envelope.receivedAt,
        repository: ctx.repo,
        installationId: envelope.installationId,
        ...build(pull),
        ...task,
      };
      await ctx.forward(task.issueNumber, event);
    }
  }
}

const ref = (ctx: RouteContext, event: Envelope) => ({
  installationId: event.installationId,
  repository: ctx.repo,
});

/** A comment or review on a pull request: to the task of every issue it closes. */
export async function routeComment(ctx: RouteContext, event: RouteComment): Promise<void> {
  const issues = await acts.linkedIssues({
    ...ref(ctx, event),
    pullNumber: event.pullRequestNumber,
  });
  if (issues.length === 0) {
    log.info('pull request links no issue; skipped', { deliveryId: event.deliveryId });
  }
  for (const linked of issues) {
    // Another repository's issue ("Fixes other/repo#12"): its own task workflow.
    const elsewhere = typeof linked === 'number' ? null : linked;
    const issueNumber = typeof linked === 'number' ? linked : linked.number;
    await ctx.forward(issueNumber, {
      ...event.comment,
      issueNumber,
      deliveryId: event.deliveryId,
      ...(elsewhere ? { issueRepository: { owner: elsewhere.owner, name: elsewhere.name } } : {}),
    });
  }
}

/**
 * A completed run of an agent pull request. A failure within the repository's re-runs has
 * its failed jobs re-run and the agent hears nothing; past them (or when GitHub refuses the
 * re-run) each linked task gets `ci.failed` with the attempt. A later attempt that passes
 * ends a run re-run here: the jobs that failed before are flakes.
 */
export async function triageRun(
  ctx: RouteContext,
  event: RouteCiFailure,
  noAgentPullRequest: (event: RouteCiFailure) => Promise<void>,
): Promise<void> {
  if (event.conclusion === 'success') return flaked(ctx, event);
  const attempt = event.attempt ?? 1;
  if (ctx.shepherd.reranAlready(event.run.id, attempt)) {
    log.info('failed attempt already re-run; skipped', { runId: event.run.id, attempt });
    return;
  }
  const pulls = await acts.agentPullRequestsForRun({
    ...ref(ctx, event),
    pullRequestNumbers: event.pullRequestNumbers,
    headSha: event.run.headSha,
  });
  if (pulls.length === 0) return noAgentPullRequest(event);
  if (triageFailure(attempt, rerunLimit(ctx.config())) === 'rerun') {
    try {
      await acts.rerunFailedJobs({ ...ref(ctx, event), runId: event.run.id });
      ctx.shepherd.rerun({ runId: event.run.id, attempt, pulls });
      log.info('failed jobs re-run before telling the agent', { runId: event.run.id, attempt });
      return;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      // No `actions: write`, a run too old to re-run: the agent hears of the failure now.
      log.warn('re-run refused; telling the agent', { runId: event.run.id, error: err.message });
    }
  }
  ctx.shepherd.ended(event.run.id);
  await toTasks(ctx, event, pulls, (pull) => ({
    kind: 'ci.failed',
    pullRequest: { number: pull.number, url: pull.url },
    run: event.run,
    ...(event.attempt !== undefined ? { attempt: event.attempt } : {}),
  }));
}

async function flaked(ctx: RouteContext, event: RouteCiFailure): Promise<void> {
  const rerun = ctx.shepherd.ended(event.run.id);
  if (!rerun) {
    log.info('passing attempt of a run not re-run here; skipped', { runId: event.run.id });
    return;
  }
  const jobs = await acts.flakyJobs({
    ...ref(ctx, event),
    runId: event.run.id,
    attempt: event.attempt ?? rerun.attempt + 1,
  });
  log.info('re-run passed', { runId: event.run.id, flakes: jobs });
  if (jobs.length === 0) return;
  const flakesCounter = metricMeter.createCounter(
    'code_factory_ci_flakes_total',
    'jobs',
    'Jobs of agent pull requests that failed, were re-run and passed',
  );
  const repository = `${ctx.repo.owner}/${ctx.repo.name}`;
  for (const job of jobs) flakesCounter.add(1, { repository, workflow: event.run.name, job });
  await toTasks(ctx, event, rerun.pulls, (pull) => ({
    kind: 'ci.flaked',
    pullRequest: { number: pull.number, url: pull.url },
    run: event.run,
    jobs: jobs.slice(0, 50),
  }));
}

/**
 * A push to `branch`: every agent pull request into it or from it is told (`pr.moved`), and
 * its task asks GitHub whether it still merges.
 */
export async function routePush(
  ctx: RouteContext,
  push: Envelope & { branch: string; sha: string; files?: string[] },
): Promise<void> {
  const pulls = await acts.agentPullRequestsOnBranch({ ...ref(ctx, push), branch: push.branch });
  if (pulls.length === 0) return;
  log.info('push moved agent pull requests', {
    branch: push.branch,
    pullRequests: pulls.map((p) => `${p.side} #${p.number}`),
  });
  await toTasks(ctx, push, pulls, (pull) => ({
    kind: 'pr.moved',
    pullRequest: { number: pull.number, url: pull.url },
    side: pull.side,
    branch: push.branch,
    sha: push.sha,
    ...(push.files !== undefined ? { files: push.files } : {}),
  }));
}

/** `pull_request.dequeued`: GitHub's reason goes to each linked task, once per exit. */
export async function routeDequeued(ctx: RouteContext, event: RouteDequeued): Promise<void> {
  const number = event.pullRequest.number;
  if (!ctx.shepherd.dequeueIsNews(number, Date.now(), false)) {
    log.info('merge-queue exit already told with its checks; skipped', { pullRequest: number });
    return;
  }
  const issues = await acts.linkedIssues({ ...ref(ctx, event), pullNumber: number });
  ctx.shepherd.dequeueTold(number, Date.now(), false);
  const pull = { ...event.pullRequest, issueNumbers: issues };
  await toTasks(ctx, event, [pull], () => ({
    kind: 'pr.dequeued',
    pullRequest: event.pullRequest,
    reason: event.reason,
  }));
}

/**
 * `merge_group.destroyed` (dequeued): the group's failed checks, when the pull request at its
 * head is the agent's and some failed, go to its tasks with their log tails.
 */
export async function routeMergeGroup(ctx: RouteContext, event: RouteMergeGroup): Promise<void> {
  const number = event.pullRequestNumber;
  if (!ctx.shepherd.dequeueIsNews(number, Date.now(), true)) {
    log.info('merge-queue exit already told with its checks; skipped', { pullRequest: number });
    return;
  }
  const pull = await acts.agentPullRequest({ ...ref(ctx, event), pullNumber: number });
  if (!pull) {
    log.info("merge group of a pull request that is not the agent's; skipped", { number });
    return;
  }
  const failedChecks = await acts.failedChecksAt({ ...ref(ctx, event), headSha: event.headSha });
  if (failedChecks.length === 0) {
    log.info('merge group left the queue with no failed check; the dequeue tells why', { number });
    return;
  }
  ctx.shepherd.dequeueTold(number, Date.now(), true);
  await toTasks(ctx, event, [pull], () => ({
    kind: 'pr.dequeued',
    pullRequest: { number: pull.number, url: pull.url },
    reason: "the merge group's checks failed",
    failedChecks,
  }));
}
