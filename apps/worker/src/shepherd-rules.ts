/**
 * The rules the task's shepherd activities apply to what GitHub answers (issue 26), as plain
 * functions: which review threads the agent is nudged about. Unit-tested in
 * `shepherd-rules.test.ts`; the activities in `task-shepherd-activities.ts`.
 */
import type { ReviewThread } from '@code-factory/github';

/**
 * A review thread waits for the agent's answer: open, on a line still in the diff, nobody
 * replied, opened by someone other than the agent. (An outdated thread's line changed since
 * it was opened, which takes a commit touching its file: it needs no look-up.)
 */
export function awaitsAnswer(thread: ReviewThread, agentLogin: string): boolean {
  return (
    !thread.resolved &&
    !thread.outdated &&
    thread.comments <= 1 &&
    thread.author.toLowerCase() !== agentLogin.toLowerCase()
  );
}

/** A commit touching the thread's file was made since the thread was opened. */
export function touchedSince(thread: ReviewThread, commitTimes: readonly string[]): boolean {
  const opened = Date.parse(thread.createdAt);
  return commitTimes.some((at) => Number.isNaN(opened) || Date.parse(at) >= opened);
}

/**
 * The threads the agent is nudged about (issue 26: open threads that got no reply and no
 * commit touching their file since they were opened). `commitTimes(path)`: when the commits
 * on the pull request's head touching that file since its oldest waiting thread were made;
 * undefined when it was not looked up (such threads wait for a later read).
 */
export function threadsToNudge(
  threads: ReviewThread[],
  agentLogin: string,
  commitTimes: (path: string) => readonly string[] | undefined,
): ReviewThread[] {
  return threads.filter((thread) => {
    const times = commitTimes(thread.path);
    return awaitsAnswer(thread, agentLogin) && times !== undefined && !touchedSince(thread, times);
  });
}
