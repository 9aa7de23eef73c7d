/**
 * What reaches a task, sorted: an event is checked (well formed, this task's issue), a
 * redelivery dropped, a close taken, a flaky job put on the ledger, a comment that mentions
 * the agent on an issue without a task turned into the start it asks for, an `/agent` command
 * held for the control lane, a review comment its review carried already folded, a comment
 * from outside the trust list held for approval (state/held.ts); the rest queued. While the
 * merge is watched (`following`), only what the watch acts on is kept.
 */
import type { CommentPosted, IssueAssigned, Repository } from '@code-factory/events';
import type { Fleet } from './fleet';
import type { FollowThrough } from './follow';
import type { HeldInput } from './held';
import { checkIntake, type Inbox } from './inbox';
import type { InboxItem } from './items';
import type { LiveProgress } from './live';
import type { ShepherdLedger } from './shepherd';
import type { AcceptResult, CarriedState } from './types';

/** The parts of the lifecycle an intake feeds, and its close. */
export interface IntakeTarget {
  readonly inbox: Inbox;
  readonly live: LiveProgress;
  readonly fleet: Fleet;
  readonly shepherd: ShepherdLedger;
  readonly held: HeldInput;
  readonly follow: FollowThrough;
  /** Change `held-input`: comments from outside the trust list are held (else dropped). */
  readonly holdsUntrusted: boolean;
  readonly closeRequested: boolean;
  requestClose(reason: string): void;
}

export class Intake {
  constructor(
    private readonly s: CarriedState,
    private readonly task: IntakeTarget,
    private readonly issue: { repository: Repository; issueNumber: number },
  ) {}

  accept(raw: unknown): AcceptResult {
    const checked = checkIntake(raw, this.issue.repository, this.issue.issueNumber);
    if (!checked.ok) {
      this.s.counts.rejected++;
      return { outcome: checked.outcome, reason: checked.reason };
    }
    return this.enqueue(checked.event);
  }

  enqueue(item: InboxItem): AcceptResult {
    const { task } = this;
    if (!task.inbox.remember(item.deliveryId)) {
      this.s.counts.duplicates++;
      return { outcome: 'duplicate' };
    }
    if (task.closeRequested || this.s.phase === 'closed') return { outcome: 'closed' };
    this.s.counts.accepted++;
    if (this.s.phase === 'following') return this.#whileFollowing(item);
    if (item.kind === 'merge.ci-failed' || item.kind === 'merge.reverted') {
      return this.#ignored('no merge of this issue is watched now');
    }
    if (item.kind === 'issue.closed') {
      task.requestClose(`issue closed by ${item.sender.login}`);
      return { outcome: 'accepted', item };
    }
    if (item.kind === 'ci.flaked') {
      // Shown on the status comment, never sent: the re-run passed.
      if (task.shepherd.flaked(item)) task.live.changed();
      return { outcome: 'accepted', item };
    }
    if (item.kind === 'comment.posted') {
      if (item.untrusted === true) return this.#untrusted(item);
      if (item.mention && !this.#started()) {
        // No task yet: the comment asks for one, its mention line the first instruction.
        const start = startAskedBy(item, item.mention);
        task.inbox.push(start);
        return { outcome: 'accepted', item: start };
      }
      if (item.source === 'review_comment' && task.inbox.reviewCommentSent(item.commentId)) {
        // It reached the agent inside its review's message already.
        return { outcome: 'folded', item };
      }
      if (task.fleet.takeCommand(item)) return { outcome: 'command', item };
    }
    task.inbox.push(item);
    return { outcome: 'accepted', item };
  }

  /**
   * While the branch is watched after the merge, no agent runs: a start (a new trigger) and
   * what concerns the watched merge are queued for the watch, an `/agent` command goes to the
   * fleet (`release` ends the watch), and the rest is dropped as it would be by a closed task.
   */
  #whileFollowing(item: InboxItem): AcceptResult {
    const { task } = this;
    if (item.kind === 'issue.assigned') {
      task.inbox.push(item);
      return { outcome: 'accepted', item };
    }
    if (item.kind === 'merge.ci-failed' || item.kind === 'merge.reverted') {
      if (!task.follow.watches(item.sha))
        return this.#ignored('another merge than the one watched');
      task.inbox.push(item);
      return { outcome: 'accepted', item };
    }
    if (item.kind === 'comment.posted' && item.untrusted !== true && task.fleet.takeCommand(item)) {
      return { outcome: 'command', item };
    }
    return this.#ignored('the issue is closed; only its merge is watched');
  }

  #ignored(reason: string): AcceptResult {
    this.s.counts.skipped++;
    return { outcome: 'ignored', reason };
  }

  /**
   * A comment or review from outside the trust list: never a start, a command or a forward of
   * its own; held for approval while an agent runs or was asked for, else dropped (counted).
   */
  #untrusted(item: CommentPosted): AcceptResult {
    const { task } = this;
    if (item.source === 'review_comment' && task.inbox.reviewCommentSent(item.commentId)) {
      return { outcome: 'folded', item };
    }
    if (!task.holdsUntrusted || !this.#started()) {
      this.s.counts.skipped++;
      return { outcome: 'untrusted' };
    }
    task.held.hold(item);
    return { outcome: 'held', item };
  }

  /** An agent runs or was asked for (a start being made, or waiting in the inbox). */
  #started(): boolean {
    return (
      this.s.agent !== null ||
      this.s.assignment !== null ||
      this.s.inbox.some((i) => i.kind === 'issue.assigned')
    );
  }
}

/** The start a mentioning comment asks for: a `mention` trigger, its author the requester. */
function startAskedBy(
  comment: CommentPosted,
  mention: NonNullable<CommentPosted['mention']>,
): IssueAssigned {
  return {
    kind: 'issue.assigned',
    deliveryId: comment.deliveryId,
    receivedAt: comment.receivedAt,
    repository: comment.repository,
    installationId: comment.installationId,
    issueNumber: comment.issueNumber,
    ...(comment.issueRepository ? { issueRepository: comment.issueRepository } : {}),
    issue: { title: mention.issue.title, url: mention.issue.url },
    sender: { login: comment.author.login, id: comment.author.id },
    trigger: 'mention',
    mention: {
      line: mention.line,
      url: comment.url,
      ...(comment.authorAssociation ? { association: comment.authorAssociation } : {}),
    },
  };
}
