/**
 * The follow-through after a merge (issue 27, part 2), in words: what the issue is told when
 * the merge of the agent's pull request breaks CI on its branch or is reverted, what the status
 * comment says while the branch is watched and after, and what the next agent reads first.
 * Log tails lose invisible characters only (`tailLines`); fences are made longer than any
 * run of backticks in a tail, so a log cannot break the comment's layout.
 */
import { cleanText } from './clean';
import { tailLines } from './forward';

/** A job that fails at the merge commit and passed at its first parent. */
export interface RegressionJob {
  /** The workflow's name (its file when it has none). */
  workflow: string;
  name: string;
  /** The job's page, and its run's. */
  url: string;
  runUrl: string;
  logTail: string;
}

/** What broke, as the product found it: the merge, its parent, the jobs. */
export interface Regression {
  pullRequest: { number: number; url: string };
  /** The merge commit, and the branch it is on. */
  sha: string;
  branch: string;
  /** Its first parent, where the jobs passed (null: GitHub did not say). */
  parentSha: string | null;
  jobs: RegressionJob[];
}

/** A job that failed at the merge but does not count, and why. */
export interface UncountedJob {
  workflow: string;
  name: string;
  why: 'failed-at-parent' | 'not-green-at-parent';
}

/** At most this many failing jobs are shown (and given to the next agent). */
export const MAX_REGRESSION_JOBS = 5;
/** Lines of each job's log shown. */
export const REGRESSION_LOG_LINES = 60;

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : 'unknown');

/** A fence longer than any run of backticks in `text` (at least three). */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** `CI / unit-tests`: names come from the repository's workflows, cleaned like any text. */
const jobTitle = (job: RegressionJob) =>
  cleanText(`${job.workflow} / ${job.name}`).text.replace(/\s+/g, ' ').trim();

function jobBlock(job: RegressionJob, heading: string): string[] {
  const tail = tailLines(job.logTail, REGRESSION_LOG_LINES);
  const marks = fence(tail);
  return [
    '',
    `${heading} ${jobTitle(job)}`,
    `Job: ${job.url} · Run: ${job.runUrl}`,
    marks,
    tail,
    marks,
  ];
}

/** How the regression comment ends: what happened to the issue. */
export type RegressionOutcome = 'restarted' | 'not-reopened' | 'reopen-failed';

/** The one comment the issue gets when the merge breaks CI on its branch. */
export function regressionComment(regression: Regression, outcome: RegressionOutcome): string {
  const jobs = regression.jobs.slice(0, MAX_REGRESSION_JOBS);
  const count = jobs.length === 1 ? '1 job' : `${jobs.length} jobs`;
  const lines = [
    `⚠️ **The merge of #${regression.pullRequest.number} broke CI on \`${regression.branch}\`.**`,
    '',
    `Merge commit \`${short(regression.sha)}\` fails ${count} that passed at its parent \`${short(regression.parentSha)}\`:`,
    ...jobs.flatMap((job) => jobBlock(job, '####')),
    '',
    {
      restarted:
        'This issue was reopened, and a new Coder agent is starting on it with these logs.',
      'not-reopened':
        'This issue stays closed and no agent was started (`shepherd.reopen_on_regression` is off).',
      'reopen-failed':
        'This issue could not be reopened, so no agent was started: reopen it and assign it to the agent to have this fixed.',
    }[outcome],
  ];
  return lines.join('\n');
}

/** The one comment the issue gets when the merge is reverted. */
export function revertComment(
  revert: { pullRequest: { number: number }; sha: string; branch: string; url: string },
  reopened: boolean | null,
): string {
  const what = `the merge of #${revert.pullRequest.number} (\`${short(revert.sha)}\`)`;
  return [
    `↩️ **A revert of ${what} landed on \`${revert.branch}\`:** ${revert.url}`,
    '',
    reopened === true
      ? 'This issue was reopened; assign it to the agent again to start a new one.'
      : reopened === false
        ? 'This issue could not be reopened; reopen it if the work is still wanted.'
        : 'This issue stays closed (`shepherd.reopen_on_regression` is off).',
  ].join('\n');
}

/** The watch as the status comment shows it (`StatusView.follow`). */
export interface FollowFacts {
  pullRequest: { number: number; url: string };
  branch: string;
  sha: string;
  /** When the watch ends (ISO). */
  until: string;
  /** Whether a regression or a revert reopens the issue. */
  reopen: boolean;
  /** `watching` while it goes on; then how it ended. */
  state: 'watching' | 'quiet' | 'reverted' | 'ended-early';
  /** A regression was told on the issue (and, with `reopen` off, the watch went on). */
  regressed?: boolean;
  revertUrl?: string;
}

/** `2026-12-08 17:00 UTC` from an ISO time. */
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The status comment's line about the watch. */
export function followLine(f: FollowFacts): string {
  const merge = `the merge of #${f.pullRequest.number} (\`${short(f.sha)}\`)`;
  const Merge = `The${merge.slice(3)}`;
  switch (f.state) {
    case 'watching':
      if (f.regressed) {
        return `⚠️ ${Merge} broke CI on \`${f.branch}\` (see the comment below); a revert is still looked for until ${when(f.until)}.`;
      }
      return `👀 Watching \`${f.branch}\` after ${merge} until ${when(f.until)}: a CI run it breaks, or a revert of it, is reported here${f.reopen ? ' and reopens this issue' : ''}.`;
    case 'quiet':
      return `✅ Watched \`${f.branch}\` after ${merge} until ${when(f.until)}${f.regressed ? '' : ': nothing broke'}.`;
    case 'reverted':
      return `↩️ ${Merge} was reverted${f.revertUrl ? ` (${f.revertUrl})` : ''}; the watch ended.`;
    case 'ended-early':
      return `⏹️ The watch of \`${f.branch}\` after ${merge} was ended early.`;
  }
}

/** The reply to `/agent release` while the merge is watched: it ends the watch. */
export function watchReleasedReply(f: Pick<FollowFacts, 'branch' | 'pullRequest'>): string {
  return `⏹️ The watch of \`${f.branch}\` after the merge of #${f.pullRequest.number} ended; nothing more happens on this issue unless it is given to the agent again.`;
}

/** The reply to any other `/agent` command while the merge is watched: no agent runs. */
export function whileWatchingReply(
  f: Pick<FollowFacts, 'branch' | 'pullRequest' | 'until'>,
): string {
  return `No agent runs for this closed issue; the merge of #${f.pullRequest.number} is watched on \`${f.branch}\` until ${when(f.until)}. \`/agent release\` ends the watch.`;
}

/** The next agent's first lines: the merge that broke its branch, the jobs and their logs. */
export function formatRegressionBrief(regression: Regression): string {
  const jobs = regression.jobs.slice(0, MAX_REGRESSION_JOBS);
  return [
    'The pull request an earlier agent opened for this issue was merged and broke CI on the branch it merged into. Start from that failure:',
    '<regression>',
    `- Merged pull request: ${regression.pullRequest.url}`,
    `- Merge commit: ${regression.sha} on \`${regression.branch}\` (its parent ${regression.parentSha ?? 'unknown'} passed these jobs)`,
    `- Failing jobs: ${jobs.map(jobTitle).join(', ')}`,
    ...jobs.flatMap((job) => jobBlock(job, '###')),
    '</regression>',
    'Instruction: Find what in the merged change breaks these jobs, fix it on a new branch from the current default branch, and open a pull request that closes this issue again.',
    '',
    '',
  ].join('\n');
}
