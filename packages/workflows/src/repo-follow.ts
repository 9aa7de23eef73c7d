/**
 * The follow-through after a merge, the repository's side (change `follow-through-routes`): the merge
 * commit of every merged agent pull request is remembered with the issues it closes
 * (`route.merged`), and what then happens to it reaches those issues' tasks: a failed run at
 * the merge commit (`merge.ci-failed`), a pushed commit that reverts it, or a merged pull
 * request that reverts it (`merge.reverted`). A task that is not watching its merge ignores
 * them, and one that ended is not there to signal (logged and skipped, as for every route).
 * Looking them up needs no GitHub call: what the repository has not remembered is skipped.
 */
import type { ConfigPush, RouteCiFailure, RouteMerged, RouteReverted } from '@code-factory/events';
import { log, proxyActivities } from '@temporalio/workflow';
import type { AgentPullRequest, RepositoryActivities } from './repo-activities';
import { type RouteContext, toTasks } from './repo-routes';
import { REPO_ACTIVITY_OPTIONS } from './repo-work';

const acts = proxyActivities<RepositoryActivities>(REPO_ACTIVITY_OPTIONS);

/** A merged agent pull request, as the repository remembers it (carried across continue-as-new). */
export interface FollowedMerge {
  /** Its merge commit. */
  sha: string;
  pullRequest: { number: number; url: string };
  /** The issues it closes, as `linkedIssues` answered. */
  issues: AgentPullRequest['issueNumbers'];
  /** When it merged (workflow time, ms). */
  at: number;
}

/** The latest merges remembered; older ones are forgotten first. */
export const MAX_FOLLOWED_MERGES = 200;
/** `shepherd.watch_after_merge` is at most 90 days: a merge older than that is watched by nobody. */
const LONGEST_WATCH_MS = 90 * 24 * 3_600_000;

/** The merges remembered, newest last: the rules, without Temporal APIs (repo-follow.test.ts). */
export class MergeRegistry {
  constructor(readonly merges: FollowedMerge[] = []) {}

  /** Remembers a merge (again: the newer answer wins) and forgets the stale ones. */
  remember(merge: FollowedMerge): void {
    const kept = this.merges.filter(
      (m) => m.sha !== merge.sha && m.pullRequest.number !== merge.pullRequest.number,
    );
    kept.push(merge);
    const fresh = kept.filter((m) => merge.at - m.at <= LONGEST_WATCH_MS);
    this.merges.splice(0, this.merges.length, ...fresh.slice(-MAX_FOLLOWED_MERGES));
  }

  /** The merge whose commit is `sha` (a revert may name it abbreviated, 7 characters or more). */
  atCommit(sha: string): FollowedMerge | undefined {
    const wanted = sha.toLowerCase();
    if (wanted.length < 7) return undefined;
    return this.merges.find((m) => m.sha.toLowerCase().startsWith(wanted));
  }

  ofPullRequest(number: number): FollowedMerge | undefined {
    return this.merges.find((m) => m.pullRequest.number === number);
  }
}

const asPull = (merge: FollowedMerge): AgentPullRequest => ({
  number: merge.pullRequest.number,
  url: merge.pullRequest.url,
  issueNumbers: merge.issues,
});

/** An agent pull request merged: its merge commit and the issues it closes are remembered. */
export async function routeMerged(
  ctx: RouteContext,
  merges: MergeRegistry,
  event: RouteMerged,
): Promise<void> {
  const issues = await acts.linkedIssues({
    installationId: event.installationId,
    repository: ctx.repo,
    pullNumber: event.pullRequest.number,
  });
  merges.remember({
    sha: event.mergeCommitSha,
    pullRequest: event.pullRequest,
    issues,
    at: Date.now(),
  });
  log.info('agent pull request merged; its merge commit is remembered', {
    pullRequest: event.pullRequest.number,
    sha: event.mergeCommitSha,
    issues: issues.length,
  });
}

/** A failed run at a remembered merge commit: to the tasks of the issues the merge closed. */
export async function routeMergeRun(
  ctx: RouteContext,
  merge: FollowedMerge,
  event: RouteCiFailure,
): Promise<void> {
  log.info('run failed at a merge commit being followed', {
    runId: event.run.id,
    pullRequest: merge.pullRequest.number,
  });
  await toTasks(ctx, event, [asPull(merge)], () => ({
    kind: 'merge.ci-failed',
    sha: merge.sha,
    pullRequest: merge.pullRequest,
    run: event.run,
  }));
}

/** A push to the default branch whose commits revert remembered merges. */
export async function routeRevertPush(
  ctx: RouteContext,
  merges: MergeRegistry,
  event: ConfigPush,
): Promise<void> {
  for (const revert of event.reverts ?? []) {
    const merge = merges.atCommit(revert.sha);
    if (!merge) continue;
    log.info('a pushed commit reverts a followed merge', { pullRequest: merge.pullRequest.number });
    await toTasks(ctx, event, [asPull(merge)], () => ({
      kind: 'merge.reverted',
      sha: merge.sha,
      pullRequest: merge.pullRequest,
      revert: { by: 'commit', url: revert.url },
    }));
  }
}

/** A merged pull request that reverts a remembered one ("Reverts owner/repo#N"). */
export async function routeRevertPullRequest(
  ctx: RouteContext,
  merges: MergeRegistry,
  event: RouteReverted,
): Promise<void> {
  const merge = merges.ofPullRequest(event.reverts);
  if (!merge) {
    log.info('merged revert of a pull request not followed here; skipped', {
      reverts: event.reverts,
    });
    return;
  }
  await toTasks(ctx, event, [asPull(merge)], () => ({
    kind: 'merge.reverted',
    sha: merge.sha,
    pullRequest: merge.pullRequest,
    revert: { by: 'pull-request', url: event.pullRequest.url },
  }));
}
