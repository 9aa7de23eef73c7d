/**
 * The follow-through after a merge (change `follow-through`). At close, when the agent's pull
 * request merged and the repository watches merges (`shepherd.watch_after_merge`), the task
 * keeps watching the branch it merged into, in a run of its own (`following`, after a
 * continue-as-new): a failed run at the merge commit whose failing jobs passed at the commit's
 * first parent is told on the issue once, and with `shepherd.reopen_on_regression` the issue is
 * reopened and a new agent started with the logs (the start path again, in the next run); a
 * revert is told and ends the watch; the end of the window, an operator's `close` or `/agent
 * release` end it quietly. Nothing here fails the workflow: a call that fails is logged.
 */
import type { IssueAssigned, MergeCiFailed, MergeReverted } from '@code-factory/events';
import {
  type FollowFacts,
  type RegressionOutcome,
  regressionComment,
  revertComment,
  watchReleasedReply,
  whileWatchingReply,
} from '@code-factory/messages';
import { condition, log } from '@temporalio/workflow';
import type { RegressionCheck } from '../follow-activities';
import { acknowledge } from '../lanes/control';
import { type FollowState, FollowThrough, type PendingCommand } from '../state';
import { acts, githubOptions } from '../task/options';
import type { TaskRun } from '../task/run';
import { costView } from '../task/views';

/** What the workflow does once the watch ends. */
export type AfterWatch = 'closed' | 'restart';

/** At close: the merge to watch, or null (the watch is off, nothing merged, GitHub unreadable). */
export async function mergeToWatch(run: TaskRun): Promise<FollowState | null> {
  const { task } = run;
  const watchMs = run.settings.shepherd?.watchAfterMergeMs ?? null;
  const installationId = task.state.assignment?.installationId;
  // `/agent release` leaves the issue open: there is no merge to follow.
  if (watchMs === null || !installationId || run.control.released) return null;
  try {
    const merged = await acts.mergedPullRequest.executeWithOptions(
      { ...githubOptions, summary: 'merged agent pull request' },
      [{ installationId, ...run.issue }],
    );
    if (!merged) {
      log.info('no merged agent pull request closes the issue; nothing to watch');
      return null;
    }
    if (task.follow.watchedBefore(merged.sha)) {
      log.info('the merge that closes the issue was watched already', { sha: merged.sha });
      return null;
    }
    const reopen = run.settings.shepherd?.reopenOnRegression ?? true;
    return FollowThrough.watchOf(merged, Date.now() + watchMs, reopen);
  } catch (err) {
    log.warn('the merged pull request could not be read; the branch is not watched', {
      error: `${err}`,
    });
    return null;
  }
}

/** The watch as the status comment shows it. */
export function followFacts(
  watch: Readonly<FollowState>,
  state: FollowFacts['state'] = 'watching',
  revertUrl?: string,
): FollowFacts {
  return {
    pullRequest: { ...watch.pullRequest },
    branch: watch.branch,
    sha: watch.sha,
    until: new Date(watch.until).toISOString(),
    reopen: watch.reopen,
    state,
    ...(watch.regression ? { regressed: true } : {}),
    ...(revertUrl ? { revertUrl } : {}),
  };
}

/** The watch, until it ends: what the workflow does next. */
export async function followThrough(run: TaskRun): Promise<AfterWatch> {
  const { task } = run;
  run.showDetails();
  for (;;) {
    const watch = task.follow.watch;
    if (!watch) return end(run, 'ended-early');
    const left = watch.until - Date.now();
    const woke =
      left > 0 &&
      (await condition(
        () => task.closeRequested || task.inbox.length > 0 || task.fleet.commandsWaiting > 0,
        left,
      ));
    if (!woke) return end(run, 'quiet');
    if (task.closeRequested) {
      log.info('watch of the merge ended early', { reason: task.closeReason });
      return end(run, 'ended-early');
    }
    const command = task.fleet.nextCommand();
    if (command) {
      await answer(run, command, watch);
      continue;
    }
    const item = task.inbox.next();
    if (item?.kind === 'issue.assigned') {
      log.info('a new start ends the watch of the merge', { trigger: item.trigger ?? 'assign' });
      task.startAgain(item, null);
      run.publishPhase();
      return 'restart';
    }
    if (item?.kind === 'merge.reverted') return reverted(run, item, watch);
    if (item?.kind === 'merge.ci-failed' && (await failedRun(run, item)) === 'restart') {
      return 'restart';
    }
  }
}

/** The watch's last status edit, and the task closed. */
async function end(run: TaskRun, state: FollowFacts['state'], revertUrl?: string) {
  const { task } = run;
  const watch = task.follow.watch;
  if (watch) {
    await run.tryShowStatus({
      state: 'completed',
      pullRequestUrl: watch.pullRequest.url,
      ...(run.costing ? costView(task) : {}),
      follow: followFacts(watch, state, revertUrl),
    });
  }
  task.followEnded();
  run.publishPhase();
  return 'closed' as const;
}

/** A failed run at the merge commit: what it broke, told once; a new agent when reopened. */
async function failedRun(run: TaskRun, item: MergeCiFailed): Promise<AfterWatch | null> {
  const { task } = run;
  if (!task.follow.worthChecking(item.run.id)) {
    log.info('failed run at the merge commit read already, or its regression told', {
      runId: item.run.id,
    });
    return null;
  }
  const ref = { installationId: item.installationId, ...run.issue };
  let check: RegressionCheck;
  try {
    check = await acts.checkMergeRegression.executeWithOptions(
      { ...githubOptions, summary: `what run ${item.run.id} broke at ${item.sha.slice(0, 7)}` },
      [{ ...ref, sha: item.sha }],
    );
  } catch (err) {
    log.warn('failed run at the merge commit could not be read', { error: `${err}` });
    return null;
  }
  task.follow.checked(item.run.id, check);
  run.showDetails();
  const regression = task.follow.regressionOf(check);
  if (!regression) {
    log.info('failing jobs at the merge commit did not pass at its parent; nothing told', {
      runId: item.run.id,
      uncounted: check.uncounted.map((job) => `${job.workflow} / ${job.name}: ${job.why}`),
    });
    return null;
  }
  task.follow.told(regression);
  const watch = task.follow.watch as FollowState;
  let outcome: RegressionOutcome = 'not-reopened';
  if (watch.reopen) outcome = (await reopen(ref)) ? 'restarted' : 'reopen-failed';
  await run.tryPost(regressionComment(regression, outcome), item.installationId);
  log.info('the merge broke CI on its branch; the issue was told', {
    jobs: regression.jobs.map((job) => `${job.workflow} / ${job.name}`),
    outcome,
  });
  if (outcome !== 'restarted') {
    await run.tryShowStatus({
      state: 'completed',
      pullRequestUrl: watch.pullRequest.url,
      ...(run.costing ? costView(task) : {}),
      follow: followFacts(watch),
    });
    return null;
  }
  const assignment = task.state.assignment;
  if (!assignment) return null;
  task.startAgain(startOf(assignment, item), regression);
  run.publishPhase();
  return 'restart';
}

/** The original start again, by the same requester: the regression is its context, not a mention. */
function startOf(assignment: Readonly<IssueAssigned>, cause: MergeCiFailed): IssueAssigned {
  // Plain JSON: the workflow sandbox has no structuredClone.
  const { mention: _mention, ...start } = JSON.parse(JSON.stringify(assignment)) as IssueAssigned;
  return {
    ...start,
    deliveryId: `follow-through-${cause.sha.slice(0, 12)}-${cause.run.id}`,
    receivedAt: cause.receivedAt,
  };
}

/** A revert of the merge: told once, the issue reopened (when the repository wants it), the end. */
async function reverted(run: TaskRun, item: MergeReverted, watch: Readonly<FollowState>) {
  const ref = { installationId: item.installationId, ...run.issue };
  const reopened = watch.reopen ? await reopen(ref) : null;
  const revert = { ...watch, url: item.revert.url };
  await run.tryPost(revertComment(revert, reopened), item.installationId);
  log.info('the merge was reverted; the watch ends', { by: item.revert.by });
  return end(run, 'reverted', item.revert.url);
}

async function reopen(ref: { installationId: number } & TaskRun['issue']): Promise<boolean> {
  try {
    await acts.reopenIssue.executeWithOptions({ ...githubOptions, summary: 'reopen the issue' }, [
      ref,
    ]);
    return true;
  } catch (err) {
    log.warn('the issue could not be reopened', { error: `${err}` });
    return false;
  }
}

/** An `/agent` command while the merge is watched: 👍, a reply, and `release` ends the watch. */
async function answer(run: TaskRun, command: PendingCommand, watch: Readonly<FollowState>) {
  const { task } = run;
  await acknowledge(run, command);
  const release = 'command' in command.parsed && command.parsed.command === 'release';
  const facts = followFacts(watch);
  const reply = release ? watchReleasedReply(facts) : whileWatchingReply(facts);
  if (task.fleet.replyDue(command.parsed, Date.now())) {
    await run.tryPost(`@${command.author} ${reply}`, command.installationId);
  }
  if (release) task.requestClose(`released by @${command.author}`);
}
