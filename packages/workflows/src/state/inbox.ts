/**
 * What waits for the agent, in arrival order, and what the task has seen: the inbox, the 👀
 * reactions still to add, the recent delivery ids (de-duplication across redeliveries) and
 * the review comments the agent got already.
 */
import type { Repository, TaskEvent } from '@code-factory/events';
import { sameRepo } from '@code-factory/naming';
import { checkTaskEvent } from '../guards';
import { type Deliverable, type InboxItem, isDeliverable } from './items';
import type { CarriedState } from './types';

export const RECENT_DELIVERIES_LIMIT = 500;

export class Inbox {
  readonly #seen: Set<string>;

  constructor(private readonly s: CarriedState) {
    this.#seen = new Set(s.recentDeliveries);
  }

  get length(): number {
    return this.s.inbox.length;
  }

  /** Records a delivery id; false when it was seen already (a redelivery). */
  remember(deliveryId: string): boolean {
    if (this.#seen.has(deliveryId)) return false;
    this.#seen.add(deliveryId);
    this.s.recentDeliveries.push(deliveryId);
    while (this.s.recentDeliveries.length > RECENT_DELIVERIES_LIMIT) {
      const dropped = this.s.recentDeliveries.shift();
      if (dropped !== undefined) this.#seen.delete(dropped);
    }
    return true;
  }

  /** Queues an item; a comment also waits for its 👀. */
  push(item: InboxItem): void {
    this.s.inbox.push(item);
    if (item.kind === 'comment.posted') {
      this.s.pendingReactions.push({
        installationId: item.installationId,
        repository: item.repository,
        commentId: item.commentId,
        source: item.source,
      });
    }
  }

  /**
   * Queues an item in its place by arrival: before the first waiting item that arrived after
   * it (`receivedAt`). For an approved comment that was held (state/held.ts).
   */
  insertByArrival(item: InboxItem): void {
    const at = Date.parse(item.receivedAt);
    const later = this.s.inbox.findIndex((i) => Date.parse(i.receivedAt) > at);
    this.push(item);
    if (later < 0) return;
    this.s.inbox.pop();
    this.s.inbox.splice(later, 0, item);
  }

  /** Pops the head. */
  next(): InboxItem | undefined {
    return this.s.inbox.shift();
  }

  /** Removes and returns the consecutive deliverables at the head, in order. */
  takeDeliverableRun(max: number): Deliverable[] {
    const run: Deliverable[] = [];
    while (run.length < max) {
      const head = this.s.inbox[0];
      if (!head || !isDeliverable(head)) break;
      run.push(head);
      this.s.inbox.shift();
    }
    return run;
  }

  /** Puts items back at the head, e.g. after a delivery that failed. */
  requeueFront(items: InboxItem[]): void {
    this.s.inbox.unshift(...items);
  }

  /** Drops everything that waits (close); returns how many items. */
  drop(): number {
    const dropped = this.s.inbox.length;
    this.s.inbox = [];
    this.s.pendingReactions = [];
    return dropped;
  }

  /** The oldest pending reaction was added (or given up on). */
  reacted(): void {
    this.s.pendingReactions.shift();
  }

  /** True when a review waits. */
  hasQueuedReview(): boolean {
    return this.s.inbox.some((i) => i.kind === 'comment.posted' && i.source === 'review');
  }

  reviewCommentSent(commentId: number): boolean {
    return this.s.sentReviewComments.includes(commentId);
  }

  /**
   * These review comments reached the agent (in their review's message, or alone): the ones
   * still queued are dropped, later arrivals are too, and a review fetched later leaves them out.
   */
  reviewCommentsSent(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const sent = new Set(ids);
    this.s.inbox = this.s.inbox.filter(
      (i) =>
        !(i.kind === 'comment.posted' && i.source === 'review_comment' && sent.has(i.commentId)),
    );
    // An approved review carried its author's comments, which were held one by one.
    this.s.held = this.s.held.filter(
      (h) => !(h.comment.source === 'review_comment' && sent.has(h.comment.commentId)),
    );
    this.s.sentReviewComments = [...this.s.sentReviewComments, ...ids].slice(
      -RECENT_DELIVERIES_LIMIT,
    );
  }
}

/** An event as it reaches a task: well formed, and about this task's issue. */
export function checkIntake(
  raw: unknown,
  repository: Repository,
  issueNumber: number,
): { ok: true; event: TaskEvent } | { ok: false; outcome: 'invalid' | 'foreign'; reason: string } {
  const parsed = checkTaskEvent(raw);
  if (!parsed.ok) return { ok: false, outcome: 'invalid', reason: parsed.reason };
  const event = parsed.value;
  const issueRepository = event.issueRepository ?? event.repository;
  if (event.issueNumber !== issueNumber || !sameRepo(issueRepository, repository)) {
    return {
      ok: false,
      outcome: 'foreign',
      reason: `event for ${issueRepository.owner}/${issueRepository.name}#${event.issueNumber} reached ${repository.owner}/${repository.name}#${issueNumber}`,
    };
  }
  return { ok: true, event };
}
