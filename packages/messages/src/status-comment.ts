/**
 * The one status comment per issue. Its first line is a hidden marker so the worker can
 * find and edit it in place instead of posting a new comment each time.
 */
import { type CostView, formatCost } from './cost';
import { type FollowFacts, followLine } from './follow-through';

export const STATUS_MARKER = '<!-- code-factory:status -->';

export type StatusState =
  | 'created'
  | 'queued'
  | 'running'
  | 'paused'
  | 'failed'
  | 'stalled'
  /** Coder does not answer: the work waits and goes out by itself once Coder is back. */
  | 'waiting-for-coder'
  /** The issue reached its cost limit (`limits.max_cost_per_issue`): comments wait for a raise. */
  | 'over-budget'
  | 'completed'
  | 'released';

/** What a running agent is doing, as Coder pushes it (Coder Agents). */
export type AgentActivity = 'working' | 'waiting-for-you' | 'idle' | 'error' | 'queued-in-coder';

export interface StatusView {
  state: StatusState;
  taskName: string;
  agentUrl?: string;
  pullRequestUrl?: string;
  /** The agent's pull request with its number and state, when Coder reports them. */
  pullRequest?: { url: string; number?: number; state?: string };
  /** Every pull request the agent opened, when there is more than one: listed one a line. */
  pullRequests?: Array<{ url: string; number?: number; state?: string }>;
  /** Plain-words explanation shown when the user can do something about a failure. */
  problem?: string;
  /** Live progress of a running agent. */
  activity?: AgentActivity;
  /** What the agent did in its latest turn. */
  summary?: string;
  /** A fact worth saying once, e.g. that the agent runs as the service's Coder user. */
  note?: string;
  /** `queued`: how many tasks wait in front of this one for a concurrency slot. */
  ahead?: number;
  /** What shepherding the pull request to a merge found. */
  shepherd?: ShepherdFacts;
  /** Comments from authors outside the trust list that wait for approval. */
  held?: HeldFacts;
  /** What the issue cost so far, over every agent it had (absent: Coder reports no cost). */
  cost?: CostView;
  /** The watch of the branch the agent's pull request merged into (follow-through). */
  follow?: FollowFacts;
}

/** What waits for approval, per author (in the order they first wrote), and what was dropped. */
export interface HeldFacts {
  authors: Array<{ login: string; count: number }>;
  /** Older held comments dropped because too many waited. */
  dropped: number;
}

/** The pull request on its way to a merge, as the status comment shows it. */
export interface ShepherdFacts {
  /** The base branch the pull request conflicts with (until a push makes it clean). */
  conflictWith?: string;
  /** Jobs that failed and passed when re-run, one entry per flake (a job may repeat). */
  flakes?: string[];
  threads?: { open: number; resolved: number };
  /** Reminders waiting on people, in plain words with their time. */
  waiting?: string[];
}

const HEADLINES: Record<StatusState, string> = {
  created: '🛠️ A Coder agent is starting on this issue.',
  queued: '⏳ Queued: the Coder agent starts as soon as a slot is free.',
  running: '🤖 The Coder agent is working on this issue.',
  paused:
    '⏸️ Paused by the operators: new comments are kept and reach the agent once they resume it.',
  failed: '⚠️ The Coder agent could not start.',
  stalled: '⚠️ The Coder agent stopped taking messages; new comments wait until it is back.',
  'waiting-for-coder':
    '⏳ Waiting for Coder. Nothing is lost: this goes on by itself as soon as Coder answers again.',
  'over-budget':
    '💸 This issue reached its cost limit: the Coder agent was interrupted and new comments wait until the limit is raised.',
  completed: '✅ This issue is closed; the Coder agent was cleaned up.',
  released:
    '👋 The Coder agent was released and cleaned up; the issue stays open. Assign the issue again to start a new agent.',
};

const ACTIVITY_HEADLINES: Record<AgentActivity, string> = {
  working: HEADLINES.running,
  idle: '💤 The Coder agent is idle; it picks up the next comment.',
  'waiting-for-you':
    '⏳ The Coder agent is waiting for you: it needs someone to act in Coder before it can go on.',
  error: '⚠️ The Coder agent stopped with an error; new comments wait until it can go on.',
  'queued-in-coder':
    '⏳ Queued in Coder: the deployment already runs as many agents as it may at once; this one starts when one of them finishes. Comments are kept for it.',
};

/**
 * What waits while Coder is down, under the `waiting-for-coder` headline: the assignment (no
 * agent yet) or comments for a running agent.
 */
export const CODER_DOWN_NOTES = {
  start:
    'Coder is not answering just now. The assignment is taken: the agent starts once Coder is back, and comments on this issue wait, in order, until then.',
  deliver:
    'Coder is not taking messages just now. New comments are kept, in order, and reach the agent once it does.',
} as const;

const MAX_SUMMARY = 600;

export function renderStatusComment(view: StatusView): string {
  const headline =
    view.state === 'running' && view.activity
      ? ACTIVITY_HEADLINES[view.activity]
      : view.state === 'queued' && view.ahead !== undefined
        ? `⏳ Queued, ${view.ahead} ahead: the Coder agent starts as soon as a slot is free.`
        : HEADLINES[view.state];
  const lines = [STATUS_MARKER, headline, ''];
  if (view.problem) lines.push(view.problem, '');
  const facts = [`Task: \`${view.taskName}\``];
  if (view.agentUrl && view.state !== 'completed' && view.state !== 'released')
    facts.push(`[Open in Coder](${view.agentUrl})`);
  const pr = view.pullRequest ?? (view.pullRequestUrl ? { url: view.pullRequestUrl } : undefined);
  const many = view.pullRequests && view.pullRequests.length > 1 ? view.pullRequests : null;
  if (pr && !many) facts.push(`Pull request: ${describePull(pr)}`);
  lines.push(facts.join(' · '));
  if (many) {
    lines.push('', `Pull requests (${many.length}):`, ...many.map((p) => `- ${describePull(p)}`));
  }
  if (view.summary && view.state !== 'completed') {
    lines.push('', `Latest turn: ${oneParagraph(view.summary)}`);
  }
  if (view.shepherd && view.state !== 'completed' && view.state !== 'released') {
    const facts = shepherdLines(view.shepherd);
    if (facts.length) lines.push('', ...facts);
  }
  if (view.held && view.state !== 'completed' && view.state !== 'released') {
    const held = heldLines(view.held);
    if (held.length) lines.push('', ...held);
  }
  if (view.cost) {
    const done = view.state === 'completed' || view.state === 'released';
    lines.push('', `💰 ${formatCost(view.cost, done)}`);
  }
  if (view.follow) lines.push('', followLine(view.follow));
  if (view.note) lines.push('', `ℹ️ ${view.note}`);
  if (view.state === 'running') {
    lines.push('', 'Comments on this issue and on the agent’s pull request are forwarded to it.');
  }
  return lines.join('\n');
}

const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

function shepherdLines(facts: ShepherdFacts): string[] {
  const lines: string[] = [];
  if (facts.conflictWith) {
    lines.push(
      `- ⚠️ Merge conflict with \`${facts.conflictWith}\`: the agent was asked to resolve it.`,
    );
  }
  if (facts.threads) {
    lines.push(`- Review threads: ${facts.threads.open} open, ${facts.threads.resolved} resolved`);
  }
  if (facts.flakes?.length) {
    const counts = new Map<string, number>();
    for (const job of facts.flakes) counts.set(job, (counts.get(job) ?? 0) + 1);
    const total = facts.flakes.length;
    const jobs = [...counts].map(([job, n]) =>
      total === 1 ? `\`${job}\`` : `\`${job}\` ${times(n)}`,
    );
    lines.push(`- CI flaked ${times(total)} (failed, passed when re-run): ${jobs.join(', ')}`);
  }
  for (const waiting of facts.waiting ?? []) lines.push(`- ${waiting}`);
  return lines;
}

/** `1 comment from @user waits for approval`, one line per author, and how to answer. */
export function heldLines(held: HeldFacts): string[] {
  const lines = held.authors.map(
    ({ login, count }) =>
      `- ✋ ${count} ${count === 1 ? 'comment' : 'comments'} from @${login} ${count === 1 ? 'waits' : 'wait'} for approval`,
  );
  if (held.dropped > 0) {
    lines.push(
      `- ✋ ${held.dropped} older ${held.dropped === 1 ? 'comment' : 'comments'} waiting for approval ${held.dropped === 1 ? 'was' : 'were'} dropped (too many waited)`,
    );
  }
  if (held.authors.length > 0) {
    lines.push(
      '',
      'Comments from outside the trust list reach the agent only once a maintainer writes `/agent approve` (all) or `/agent approve <comment link>` (one); `/agent deny` drops them.',
    );
  }
  return lines;
}

function describePull(pr: { url: string; number?: number; state?: string }): string {
  const about = [pr.number ? `#${pr.number}` : '', pr.state ?? ''].filter(Boolean).join(', ');
  return `${pr.url}${about ? ` (${about})` : ''}`;
}

/** Summaries are the agent's words: one paragraph, bounded, no way to break the layout. */
function oneParagraph(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY - 1)}…` : flat;
}

export function isStatusComment(body: string | null | undefined): boolean {
  return (body ?? '').split('\n', 1)[0]?.trim() === STATUS_MARKER;
}
