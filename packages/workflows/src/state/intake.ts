/**
 * What reaches a task, sorted: an event is checked (well formed, this task's issue), a
 * redelivery dropped, a close taken, a flaky job put on the ledger, an `/agent` command held
 * for the control lane, a review comment its review carried already folded; the rest queued.
 */
import type { Repository } from '@code-factory/events';
import type { Fleet } from './fleet';
import { checkIntake, type Inbox } from './inbox';
import type { LiveProgress } from './live';
import type { ShepherdLedger } from './shepherd';
import type { AcceptResult, CarriedState, InboxItem } from './types';

/** The parts of the lifecycle an intake feeds, and its close. */
export interface IntakeTarget {
  readonly inbox: Inbox;
  readonly live: LiveProgress;
  readonly fleet: Fleet;
  readonly shepherd: ShepherdLedger;
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
      if (item.source === 'review_comment' && task.inbox.reviewCommentSent(item.commentId)) {
        // It reached the agent inside its review's message already.
        return { outcome: 'folded', item };
      }
      if (task.fleet.takeCommand(item)) return { outcome: 'command', item };
    }
    task.inbox.push(item);
    return { outcome: 'accepted', item };
  }
}
