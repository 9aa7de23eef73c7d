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
