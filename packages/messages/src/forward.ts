/**
 * Every message the agent receives, formatted in one place. The agent must be able to act
 * without asking back: what happened, where (URL, file and line), who wrote it and when,
 * the body verbatim, and how to handle it.
 */
import type { CiFailed, CommentPosted, PullRequestDequeued } from '@code-factory/events';
import { formatDequeued, formatNote, type ShepherdNote } from './shepherd';

export interface CiFailureJob {
  name: string;
  url: string;
  /** The last lines of the job's log (at most 100). */
  logTail: string;
  /**
   * The base branch whose latest completed run of the same workflow fails this job too:
   * probably not caused by the pull request.
   */
  alsoFailingOn?: string;
}

export interface CiFailureReport {
  /** False when the pull request's head moved past the failed run: nothing to forward. */
  current: boolean;
  jobs: CiFailureJob[];
  /** The failed jobs of the attempts before this one (the re-runs that failed too), oldest first. */
  earlierAttempts?: Array<{ attempt: number; jobs: CiFailureJob[] }>;
  /**
   * Why nothing is forwarded although the run is current: every failing job fails on the
   * base branch too and the repository's `shepherd.ignore_base_failures` holds such runs back.
   */
  heldBack?: string;
}

export interface OperatorNote {
  author: string;
  text: string;
  receivedAt: string;
}

/** One comment of a submitted review, as the task fetched it from GitHub. */
export interface ReviewCommentItem {
  id: number;
  path: string;
  /** null: the line is outdated. */
  line: number | null;
  body: string;
  author: string;
  url: string;
}

/** A review is forwarded with at most this many of its comments (the rest are linked). */
export const MAX_REVIEW_COMMENTS = 50;

export type ForwardItem =
  | { kind: 'comment'; comment: CommentPosted }
  /** A submitted review and its comments, in order: one message. */
  | { kind: 'review'; review: CommentPosted; comments: ReviewCommentItem[] }
  | { kind: 'ci'; event: CiFailed; report: CiFailureReport }
  | { kind: 'operator'; note: OperatorNote }
  /** The pull request left the merge queue without merging. */
  | { kind: 'dequeued'; event: PullRequestDequeued }
  /** Something the service noticed about the pull request (a merge conflict, a branch behind). */
  | { kind: 'note'; note: ShepherdNote };

export const MAX_LOG_LINES = 100;
export const MAX_FAILED_JOBS = 5;

const COMMENT_TITLES: Record<CommentPosted['source'], string> = {
  issue_comment: 'New comment on the issue',
  pr_comment: 'New comment on your pull request',
  review_comment: 'New review comment on your pull request',
  review: 'New review on your pull request',
};

const COMMENT_INSTRUCTIONS: Record<CommentPosted['source'], string> = {
  issue_comment:
    'Read the comment and adjust your work on the issue accordingly. If it asks a question, answer it by commenting on the issue.',
  pr_comment:
    'Address the comment in your pull request: push changes if it asks for them, and reply on the pull request when done.',
  review_comment:
    'Address this review comment at the given file and line: change the code if needed, push, and reply to the review comment.',
  review:
    'Address the review: make the requested changes, push them, and reply on the pull request.',
};

export function formatComment(comment: CommentPosted): string {
  const title = `${COMMENT_TITLES[comment.source]}${comment.edited ? ' (edited)' : ''}`;
  const lines = [`## ${title}`, '', `- URL: ${comment.url}`];
  lines.push(`- Author: @${comment.author.login}`, `- Written: ${comment.createdAt}`);
  if (comment.pullRequest) lines.push(`- Pull request: ${comment.pullRequest.url}`);
  if (comment.file) {
    const line = comment.file.line === null ? 'outdated line' : `line ${comment.file.line}`;
    lines.push(`- File: ${comment.file.path} (${line})`);
  }
  lines.push(
    '',
    '<comment>',
    comment.body,
    '</comment>',
    '',
    `Instruction: ${COMMENT_INSTRUCTIONS[comment.source]}`,
  );
  return lines.join('\n');
}

/** A review as one message: its body, then each comment with file and line, in order. */
export function formatReview(review: CommentPosted, comments: ReviewCommentItem[]): string {
  const lines = [
    `## New review on your pull request, with ${comments.length} comment(s)`,
    '',
    `- URL: ${review.url}`,
    `- Author: @${review.author.login}`,
    `- Written: ${review.createdAt}`,
  ];
  if (review.pullRequest) lines.push(`- Pull request: ${review.pullRequest.url}`);
  if (review.body.trim() !== '') lines.push('', '<review>', review.body, '</review>');
  comments.forEach((comment, i) => {
    const line = comment.line === null ? 'outdated line' : `line ${comment.line}`;
    lines.push(
      '',
      `### Comment ${i + 1}/${comments.length}: ${comment.path} (${line})`,
      `- URL: ${comment.url}`,
      `- Author: @${comment.author}`,
      '',
      '<comment>',
      comment.body,
      '</comment>',
    );
  });
  lines.push(
    '',
    'Instruction: Address the review and each of its comments at the given file and line: make the requested changes, push them, and reply on the pull request.',
  );
  return lines.join('\n');
}

export function tailLines(log: string, max = MAX_LOG_LINES): string {
  const lines = log.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  return lines.slice(-max).join('\n');
}

export function formatCiFailure(event: CiFailed, report: CiFailureReport): string {
  const jobs = report.jobs.slice(0, MAX_FAILED_JOBS);
  const earlier = report.earlierAttempts ?? [];
  const lines = [
    '## CI failed on your pull request',
    '',
    `- Pull request: ${event.pullRequest.url}`,
    `- Workflow: ${event.run.name} (${event.run.path})`,
    `- Run: ${event.run.url}`,
    `- Commit: ${event.run.headSha}`,
    `- Failed jobs: ${jobs.length ? jobs.map((job) => job.name).join(', ') : '(none reported)'}`,
  ];
  if (earlier.length === 0) {
    lines.push(...jobLines(jobs, '###'));
  } else {
    const attempt = event.attempt ?? earlier.length + 1;
    lines.push(
      `- Attempts: ${attempt} (the failed jobs were re-run ${attempt - 1} time(s) and failed again)`,
    );
    for (const before of earlier) {
      lines.push('', `### Attempt ${before.attempt}`, ...jobLines(before.jobs, '####'));
    }
    lines.push('', `### Attempt ${attempt}`, ...jobLines(jobs, '####'));
  }
  const onBase = [...new Set(jobs.flatMap((job) => job.alsoFailingOn ?? []))];
  lines.push(
    '',
    `Instruction: Find the cause of the failure from the logs above, fix it, and push to the same branch.${
      earlier.length ? ' It failed again on re-run, so it is unlikely to be a flake.' : ''
    }${
      onBase.length
        ? ` A job marked "also failing on" fails on ${onBase.map((b) => `\`${b}\``).join(', ')} too: say so on the pull request instead of working around it, unless your change is involved.`
        : ''
    }`,
  );
  return lines.join('\n');
}

/** Each job with its URL and log tail, under a heading of `level`. */
function jobLines(jobs: CiFailureJob[], level: string): string[] {
  return jobs.slice(0, MAX_FAILED_JOBS).flatMap((job) => {
    const mark = job.alsoFailingOn
      ? ` (also failing on \`${job.alsoFailingOn}\`: probably not caused by this pull request)`
      : '';
    return ['', `${level} ${job.name}${mark}`, job.url, '```', tailLines(job.logTail), '```'];
  });
}

export function formatOperatorNote(note: OperatorNote): string {
  return [
    '## Message from an operator',
    '',
    `- Author: ${note.author}`,
    `- Sent: ${note.receivedAt}`,
    '',
    '<message>',
    note.text,
    '</message>',
    '',
    'Instruction: Follow this message; it comes from the people running this service.',
  ].join('\n');
}

export function formatItem(item: ForwardItem): string {
  switch (item.kind) {
    case 'comment':
      return formatComment(item.comment);
    case 'review':
      return formatReview(item.review, item.comments);
    case 'ci':
      return formatCiFailure(item.event, item.report);
    case 'operator':
      return formatOperatorNote(item.note);
    case 'dequeued':
      return formatDequeued(item.event);
    case 'note':
      return formatNote(item.note);
  }
}

/** Several waiting items as one message, in arrival order. */
export function formatBatch(items: ForwardItem[]): string {
  if (items.length === 1 && items[0]) return formatItem(items[0]);
  const header = `${items.length} updates arrived while you were busy. They are listed oldest first; handle them in order.`;
  return [
    header,
    ...items.map((item, i) => `---\n\n(${i + 1}/${items.length})\n${formatItem(item)}`),
  ].join('\n\n');
}
