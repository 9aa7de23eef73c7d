/**
 * The one status comment per issue. Its first line is a hidden marker so the worker can
 * find and edit it in place instead of posting a new comment each time.
 */

export const STATUS_MARKER = '<!-- code-factory:status -->';

export type StatusState = 'created' | 'running' | 'failed' | 'stalled' | 'completed';

export interface StatusView {
  state: StatusState;
  taskName: string;
  agentUrl?: string;
  pullRequestUrl?: string;
  /** Plain-words explanation shown when the user can do something about a failure. */
  problem?: string;
}

const HEADLINES: Record<StatusState, string> = {
  created: '🛠️ A Coder agent is starting on this issue.',
  running: '🤖 The Coder agent is working on this issue.',
  failed: '⚠️ The Coder agent could not start.',
  stalled: '⚠️ The Coder agent stopped taking messages; new comments wait until it is back.',
  completed: '✅ This issue is closed; the Coder agent was cleaned up.',
};

export function renderStatusComment(view: StatusView): string {
  const lines = [STATUS_MARKER, HEADLINES[view.state], ''];
  if (view.problem) lines.push(view.problem, '');
  const facts = [`Task: \`${view.taskName}\``];
  if (view.agentUrl && view.state !== 'completed') facts.push(`[Open in Coder](${view.agentUrl})`);
  if (view.pullRequestUrl) facts.push(`Pull request: ${view.pullRequestUrl}`);
  lines.push(facts.join(' · '));
  if (view.state === 'running') {
    lines.push('', 'Comments on this issue and on the agent’s pull request are forwarded to it.');
  }
  return lines.join('\n');
}

export function isStatusComment(body: string | null | undefined): boolean {
  return (body ?? '').split('\n', 1)[0]?.trim() === STATUS_MARKER;
}
