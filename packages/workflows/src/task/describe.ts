import type { TaskLifecycle } from '../state';

/** The "current details" shown in the Web UI: what this workflow is doing or waiting for. */
export function describe(task: TaskLifecycle): string {
  const s = task.state;
  // The title too: continued runs have no static summary (the SDK cannot pass it on).
  const title = s.assignment?.issue.title;
  const lines = [
    `**${task.repository.owner}/${task.repository.name}#${task.issueNumber}**${title ? `: ${title}` : ''} · phase **${s.phase}**`,
  ];
  if (s.agent) lines.push(`Agent: [${s.agent.name}](${s.agent.url}) (${s.agent.backend})`);
  if (s.inbox.length) lines.push(`Waiting to forward: ${s.inbox.length} item(s)`);
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
  return lines.join('\n');
}
