/**
 * Every message the agent receives, formatted in one place. The agent must be able to act
 * without asking back: what happened, where (URL, file and line), who wrote it and when,
 * the body as written, and how to handle it.
 *
 * Every text goes through `cleanText` (`clean.ts`) here, on its way out: HTML comments and
 * invisible characters removed (log tails: invisible characters only), and every item from a
 * person carries one provenance line (author, association, who approved it, what was removed).
 */
import type { CiFailed, CommentPosted, PullRequestDequeued } from '@code-factory/events';
import { type CleanReport, cleanText, provenanceLine } from './clean';
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
  /** GitHub's `author_association`, when the API said. */
  association?: string;
  url: string;
}

/** A review is forwarded with at most this many of its comments (the rest are linked). */
export const MAX_REVIEW_COMMENTS = 50;

/** A mention of the agent added to the issue's body while the agent runs. */
export interface MentionNote {
  author: string;
  association?: string;
  /** The line that mentions the agent. */
  line: string;
  /** The issue. */
  url: string;
  receivedAt: string;
  /** By an edit of the body (else the issue was opened with it). */
  edited: boolean;
}

/**
 * A comment or review from outside the trust list that a trusted commenter approved: who did
 * (the provenance line names them), and how many updates the agent received while it waited
 * although they were written after it (said on a line of its own when any).
 */
export interface Approval {
  approvedBy?: string;
  overtaken?: number;
}

export type ForwardItem =
  | ({ kind: 'comment'; comment: CommentPosted } & Approval)
  /** A submitted review and its comments, in order: one message. */
  | ({ kind: 'review'; review: CommentPosted; comments: ReviewCommentItem[] } & Approval)
  | { kind: 'mention'; mention: MentionNote }
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

/** Who wrote a comment or review, and who approved it, as the provenance line says it. */
function provenanceOf(comment: CommentPosted, removed: CleanReport, approvedBy?: string): string {
  return provenanceLine(
    {
      author: comment.author.login,
      association: comment.authorAssociation,
      approvedBy,
    },
    removed,
  );
}

/** The line an approved item that later updates overtook carries. */
export function heldLine(overtaken: number | undefined): string[] {
  if (!overtaken || overtaken <= 0) return [];
  return [
    `- Held for approval: written before ${overtaken} update(s) you already received; read it as coming before them.`,
  ];
}

export function formatComment(comment: CommentPosted, approval: Approval = {}): string {
  const { approvedBy, overtaken } = approval;
  const title = `${COMMENT_TITLES[comment.source]}${comment.edited ? ' (edited)' : ''}`;
  const body = cleanText(comment.body);
  const lines = [`## ${title}`, '', `- URL: ${comment.url}`];
  lines.push(provenanceOf(comment, body.removed, approvedBy), `- Written: ${comment.createdAt}`);
  lines.push(...heldLine(overtaken));
  if (comment.pullRequest) lines.push(`- Pull request: ${comment.pullRequest.url}`);
  if (comment.file) {
    const line = comment.file.line === null ? 'outdated line' : `line ${comment.file.line}`;
    lines.push(`- File: ${comment.file.path} (${line})`);
  }
  lines.push(
    '',
    '<comment>',
    body.text,
    '</comment>',
    '',
    `Instruction: ${COMMENT_INSTRUCTIONS[comment.source]}`,
  );
  return lines.join('\n');
}

/** A review as one message: its body, then each comment with file and line, in order. */
export function formatReview(
  review: CommentPosted,
  comments: ReviewCommentItem[],
  approval: Approval = {},
): string {
  const { approvedBy, overtaken } = approval;
  const body = cleanText(review.body);
  const lines = [
    `## New review on your pull request, with ${comments.length} comment(s)`,
    '',
    `- URL: ${review.url}`,
    provenanceOf(review, body.removed, approvedBy),
    `- Written: ${review.createdAt}`,
    ...heldLine(overtaken),
  ];
  if (review.pullRequest) lines.push(`- Pull request: ${review.pullRequest.url}`);
  if (body.text.trim() !== '') lines.push('', '<review>', body.text, '</review>');
  comments.forEach((comment, i) => {
    const line = comment.line === null ? 'outdated line' : `line ${comment.line}`;
    const text = cleanText(comment.body);
    lines.push(
      '',
      `### Comment ${i + 1}/${comments.length}: ${comment.path} (${line})`,
      `- URL: ${comment.url}`,
      provenanceLine(
        { author: comment.author, association: comment.association, approvedBy },
        text.removed,
      ),
      '',
      '<comment>',
      text.text,
      '</comment>',
    );
  });
  lines.push(
    '',
    'Instruction: Address the review and each of its comments at the given file and line: make the requested changes, push them, and reply on the pull request.',
  );
  return lines.join('\n');
}

/** The last `max` lines of a log, its invisible characters removed (the rest verbatim). */
export function tailLines(log: string, max = MAX_LOG_LINES): string {
  const lines = cleanText(log, { verbatim: true }).text.replace(/\n+$/, '').split('\n');
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
  const text = cleanText(note.text);
  return [
    '## Message from an operator',
    '',
    provenanceLine({ author: note.author, operator: true }, text.removed),
    `- Sent: ${note.receivedAt}`,
    '',
    '<message>',
    text.text,
    '</message>',
    '',
    'Instruction: Follow this message; it comes from the people running this service.',
  ].join('\n');
}

/** A mention of the agent added to the issue while it works: a new request. */
export function formatMention(mention: MentionNote): string {
  const line = cleanText(mention.line);
  return [
    `## You were mentioned in the issue's description${mention.edited ? ' (edited)' : ''}`,
    '',
    `- URL: ${mention.url}`,
    provenanceLine({ author: mention.author, association: mention.association }, line.removed),
    `- Received: ${mention.receivedAt}`,
    '',
    '<mention>',
    line.text.trim(),
    '</mention>',
    '',
    'Instruction: Treat the line above as a request about the issue you are working on: read the issue again for its context, and act on it.',
  ].join('\n');
}

export function formatItem(item: ForwardItem): string {
  switch (item.kind) {
    case 'comment':
      return formatComment(item.comment, item);
    case 'review':
      return formatReview(item.review, item.comments, item);
    case 'mention':
      return formatMention(item.mention);
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
