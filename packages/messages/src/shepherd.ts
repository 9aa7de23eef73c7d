/**
 * What the service tells the agent, and the issue, while it shepherds a pull request to a
 * merge: merge conflicts, a branch behind its base, the merge queue, review threads left open,
 * reminders to people.
 */
import type { PullRequestDequeued } from '@code-factory/events';

/** A message the service writes itself, with a title and an instruction. */
export interface ShepherdNote {
  title: string;
  /** Markdown: facts first, then what to do. */
  text: string;
}

export function formatNote(note: ShepherdNote): string {
  return [`## ${note.title}`, '', note.text].join('\n');
}

/** Tail lines kept of a failed check's log in a dequeue message. */
const DEQUEUE_LOG_LINES = 60;

export function formatDequeued(event: PullRequestDequeued): string {
  const lines = [
    '## Your pull request left the merge queue without merging',
    '',
    `- Pull request: ${event.pullRequest.url}`,
    `- Reason: ${event.reason}`,
  ];
  for (const check of event.failedChecks ?? []) {
    const tail = check.logTail.replace(/\r\n/g, '\n').split('\n').slice(-DEQUEUE_LOG_LINES);
    lines.push('', `### ${check.name}`, check.url, '```', tail.join('\n'), '```');
  }
  lines.push(
    '',
    'Instruction: Fix what made the merge queue remove the pull request (the failed checks above, or a conflict with the queue), push to the same branch, and say on the pull request that it can be queued again.',
  );
  return lines.join('\n');
}

export interface BaseMove {
  pullRequestUrl: string;
  base: string;
  baseSha: string;
}

/** The pull request no longer merges: one message per base commit. */
export function mergeConflictNote(move: BaseMove & { files: string[] }): ShepherdNote {
  const files = move.files.length
    ? move.files.map((file) => `\`${file}\``).join(', ')
    : '(GitHub did not say; compare your branch with the base)';
  return {
    title: `Your pull request has a merge conflict with \`${move.base}\``,
    text: [
      `- Pull request: ${move.pullRequestUrl}`,
      `- Base: \`${move.base}\`, after ${move.baseSha.slice(0, 12)}`,
      `- Files changed on both sides: ${files}`,
      '',
      `Instruction: Merge the latest \`${move.base}\` into your branch (or rebase on it), resolve the conflicts in the files above keeping both sides' intent, run the tests, and push to the same branch.`,
    ].join('\n'),
  };
}

/**
 * The base requires branches to be up to date and this one is behind: asked of the agent when
 * the App may not update it (`why`: GitHub's refusal), or when the repository leaves it to the agent.
 */
export function behindBaseNote(move: BaseMove & { why?: string }): ShepherdNote {
  return {
    title: `Your pull request's branch is behind \`${move.base}\``,
    text: [
      `- Pull request: ${move.pullRequestUrl}`,
      `- Base: \`${move.base}\`, now at ${move.baseSha.slice(0, 12)}`,
      `- The base branch requires branches to be up to date before they merge.${move.why ? ` The service could not update it: ${move.why}` : ''}`,
      '',
      `Instruction: Merge the latest \`${move.base}\` into your branch, run the tests, and push to the same branch.`,
    ].join('\n'),
  };
}

/** An unanswered review thread as the nudge lists it. */
export interface ThreadToAnswer {
  path: string;
  line: number | null;
  author: string;
  firstLine: string;
}

/** The agent went idle with review threads nobody answered: one nudge listing them. */
export function threadNudge(pullRequestUrl: string, threads: ThreadToAnswer[]): ShepherdNote {
  return {
    title: `${threads.length} review thread(s) on your pull request are still unanswered`,
    text: [
      `- Pull request: ${pullRequestUrl}`,
      '',
      ...threads.map(
        (t) =>
          `- ${t.path}${t.line === null ? '' : `:${t.line}`} (@${t.author}): ${t.firstLine.slice(0, 200)}`,
      ),
      '',
      'Instruction: Answer each thread on the pull request: change the code where it asks for a change and push, or reply with why not. Resolve a thread only when you opened it or its author agreed.',
    ].join('\n'),
  };
}

/** Said once on the issue when the service asked for a review. */
export function reviewRequestedComment(reviewers: string[], waitedMs: number): string {
  return `👀 Requested a review from ${reviewers.join(', ')}: the agent's pull request is ready and nobody has reviewed it for ${humanDuration(waitedMs)}.`;
}

/** Said once per wait when the agent waits for a person in Coder. */
export function waitingReminderComment(
  assigner: string,
  agentUrl: string,
  waitedMs: number,
): string {
  return `@${assigner} the Coder agent has been waiting for you for ${humanDuration(waitedMs)}: it needs someone to act in Coder before it can go on. [Open in Coder](${agentUrl})`;
}

/** Said when an idle agent is released after `shepherd.release_after_idle`. */
export function releasedAfterIdleComment(idleMs: number): string {
  return `👋 Released the Coder agent: it was idle and its pull request had no activity for ${humanDuration(idleMs)} (\`shepherd.release_after_idle\`). Its concurrency slot is free. Assign the issue again to start a new agent.`;
}

/** `90_000` → "2 min", `86_400_000` → "24 h", `1_209_600_000` → "14 d". */
export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 72 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}
