/**
 * Keeping an agent pull request mergeable. A push moved its base (or its own branch): GitHub
 * is asked whether it still merges. A conflict is told to the agent once per base commit and
 * shown on the status comment until a push makes the pull request clean; a branch behind a
 * base that requires up-to-date branches is updated by the App (`shepherd.update_branch`) or,
 * failing that, left to the agent.
 */
import type { PullRequestMoved } from '@code-factory/events';
import { behindBaseNote, mergeConflictNote, type ShepherdNote } from '@code-factory/messages';
import { isCancellation, log, uuid4 } from '@temporalio/workflow';
import type { MergeCheck } from '../activities';
import { acts, githubOptions } from '../task/options';
import type { TaskRun } from '../task/run';

export async function checkMergeable(run: TaskRun, moved: PullRequestMoved): Promise<void> {
  const { task } = run;
  const pull = moved.pullRequest;
  const ref = {
    installationId: moved.installationId,
    repository: moved.repository,
    issueNumber: run.input.issueNumber,
  };
  let read: MergeCheck;
  try {
    read = await acts.checkMergeable.executeWithOptions(
      { ...githubOptions, summary: `does #${pull.number} still merge?` },
      // A base push's files are the other side of a conflict; a head push's are the agent's own.
      [
        {
          ...ref,
          pullNumber: pull.number,
          ...(moved.side === 'base' && moved.files ? { pushedFiles: moved.files } : {}),
        },
      ],
    );
  } catch (err) {
    // GitHub could not say after the retries: the next push asks again; nothing waits on it.
    if (isCancellation(err)) throw err;
    log.warn('mergeability not read', { pullRequest: pull.number, error: `${err}` });
    return;
  }
  log.info('mergeability read', { pullRequest: pull.number, state: read.state, side: moved.side });
  const move = { pullRequestUrl: pull.url, base: read.baseRef, baseSha: read.baseSha };
  const key = `${pull.number}@${read.baseSha}`;
  if (read.state === 'dirty') {
    const conflict = { pullRequest: pull.number, base: read.baseRef, sha: read.baseSha };
    if (task.shepherd.setConflict(conflict)) task.live.changed();
    if (task.shepherd.tell(key))
      tell(run, mergeConflictNote({ ...move, files: read.conflictFiles }));
    return;
  }
  // Anything else (clean, behind, blocked by checks or reviews, merged): no conflict to show.
  // `unknown` (GitHub still computing after every try) leaves the status as it was.
  if (read.state !== 'unknown' && task.shepherd.setConflict(null)) task.live.changed();
  if (read.state !== 'behind' || read.merged || !task.shepherd.tell(key)) return;
  if (run.settings.shepherd?.updateBranch) {
    const answer = await acts.updatePullRequestBranch
      .executeWithOptions({ ...githubOptions, summary: `update the branch of #${pull.number}` }, [
        { ...ref, pullNumber: pull.number, expectedHeadSha: read.headSha },
      ])
      .catch((err: unknown) => {
        if (isCancellation(err)) throw err;
        return { updated: false as const, reason: `GitHub did not answer (${err})` };
      });
    if (answer.updated) {
      log.info('pull request branch updated by the App', { pullRequest: pull.number });
      return;
    }
    log.info('the App may not update the branch; asking the agent', { reason: answer.reason });
    tell(run, behindBaseNote({ ...move, why: answer.reason }));
    return;
  }
  tell(run, behindBaseNote(move));
}

/** A message of the service's own for the agent, queued behind what already waits. */
function tell(run: TaskRun, note: ShepherdNote): void {
  run.task.enqueue({
    kind: 'shepherd.note',
    deliveryId: `shepherd-${uuid4()}`,
    receivedAt: new Date().toISOString(),
    title: note.title,
    text: note.text,
  });
}
