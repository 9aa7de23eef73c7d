import type { Due } from '../lanes/shepherd';
import type { StateView, TaskLifecycle } from '../state';

const REMINDERS: Record<Due['what'], string> = {
  review: 'a review is requested if nobody reviews the pull request',
  waiting: 'the assigner is reminded that the agent waits for them in Coder',
  idle: 'the idle agent is released (`shepherd.release_after_idle`)',
};

/**
 * The "current details" shown in the Web UI: what this workflow is doing or waiting for,
 * and the next shepherd reminder due (`due`).
 */
export function describe(task: TaskLifecycle, due: Due | null = null): string {
  const s = task.state;
  // The title too: continued runs have no static summary (the SDK cannot pass it on).
  const title = s.assignment?.issue.title;
  const lines = [
    `**${task.repository.owner}/${task.repository.name}#${task.issueNumber}**${title ? `: ${title}` : ''} · phase **${s.phase}**`,
  ];
  if (s.phase === 'following' && s.follow) lines.push(...watchLines(s.follow));
  else if (s.agent) lines.push(`Agent: [${s.agent.name}](${s.agent.url}) (${s.agent.backend})`);
  if (s.inbox.length) lines.push(`Waiting to forward: ${s.inbox.length} item(s)`);
  if (s.held.length) {
    const who = [...new Set(s.held.map((h) => `@${h.comment.author.login}`))].join(', ');
    lines.push(
      `Waiting for approval: ${s.held.length} comment(s) from ${who} (\`/agent approve\` or \`/agent deny\` on the issue)`,
    );
  }
  const failure = s.failure;
  if (s.phase === 'waiting-for-coder') {
    const down = s.coderDown;
    lines.push(
      `Waiting for Coder${down ? ` since ${down.since}` : ''} (step: ${failure?.step}): ${failure?.message ?? ''}`,
    );
    if (down) {
      lines.push(
        `Next try at ${new Date(down.nextProbeAt).toISOString()} (${down.failedProbes} tries found Coder still down). It goes on by itself; the \`retry\` update tries now.`,
      );
    }
  } else if (task.parked) {
    lines.push(`Failed step: ${failure?.step}. ${failure?.message ?? ''}`);
    lines.push('Retry with the `retry` update, or close the task.');
  }
  lines.push(
    `Forwarded: ${s.counts.forwardedItems} item(s) in ${s.counts.forwardedMessages} message(s)`,
  );
  const sh = s.shepherd;
  if (sh.conflict)
    lines.push(`Merge conflict with \`${sh.conflict.base}\` (#${sh.conflict.pullRequest})`);
  if (sh.threads)
    lines.push(`Review threads: ${sh.threads.open} open, ${sh.threads.resolved} resolved`);
  if (due) lines.push(`Next reminder at ${new Date(due.at).toISOString()}: ${REMINDERS[due.what]}`);
  return lines.join('\n');
}

/** The watch of the merge (follow-through): which commit on which branch, until when, what was seen. */
function watchLines(w: NonNullable<StateView['follow']>): string[] {
  const lines = [
    `Watching \`${w.branch}\` at \`${w.sha.slice(0, 7)}\`, the merge of [#${w.pullRequest.number}](${w.pullRequest.url}), until ${new Date(w.until).toISOString()}.`,
    w.regression
      ? `Regression told on the issue: ${w.regression.jobs.map((j) => `${j.workflow} / ${j.name}`).join(', ')}; a revert is still looked for.`
      : `A failed run there whose jobs passed at the parent is told on the issue${w.reopen ? ', reopens it and starts a new agent' : ''}; a revert is told and ends the watch.`,
  ];
  if (w.runsChecked.length)
    lines.push(`Failed runs at the merge commit read: ${w.runsChecked.length}`);
  if (w.uncounted.length) {
    const jobs = w.uncounted.map(
      (j) =>
        `${j.workflow} / ${j.name} (${j.why === 'failed-at-parent' ? 'failed at the parent too' : 'not green at the parent'})`,
    );
    lines.push(`Failing jobs that do not count: ${jobs.join(', ')}`);
  }
  lines.push('The `close` signal, or `/agent release` on the issue, ends the watch.');
  return lines;
}
