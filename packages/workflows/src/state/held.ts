/**
 * Input held for approval (issue 27, part 4): comments and reviews from authors outside the
 * trust list (`TRUSTED_AUTHOR_ASSOCIATIONS`) are kept here, never forwarded and never dropped
 * silently, until a trusted commenter writes `/agent approve` (all, or one by its link) or
 * `/agent deny`. At most MAX_HELD wait; beyond that the oldest goes and is counted.
 *
 * Order. An approved item takes the place it had: it goes into the inbox before every waiting
 * item that arrived after it (by the delivery's `receivedAt`, which routed pull-request events
 * keep), so what the agent has not read yet it reads in the order written. What arrived after
 * it and reached the agent while it was held cannot be taken back: the approved item goes out
 * with the next message, its `Written:` time the original one and a line saying how many of
 * the updates the agent already has were written after it (`overtaken`). Nothing ever waits
 * behind a held item: anyone can comment, and an outsider's comment must not stop the people
 * working with the agent until someone approves it.
 */
import type { CommentPosted } from '@code-factory/events';
import type { HeldFacts, HeldRef } from '@code-factory/messages';
import { type HeldItem, type InboxComment, isDeliverable } from './items';
import type { CarriedState } from './types';

/** Held items kept at most; the oldest is dropped (and counted) beyond. */
export const MAX_HELD = 20;

export class HeldInput {
  constructor(private readonly s: CarriedState) {}

  get count(): number {
    return this.s.held.length;
  }

  /**
   * Keeps a comment from outside the trust list. An edit of one still held replaces it where
   * it stands; beyond MAX_HELD the oldest goes.
   */
  hold(comment: CommentPosted): void {
    const same = this.s.held.findIndex(
      (h) => h.comment.commentId === comment.commentId && h.comment.source === comment.source,
    );
    if (same >= 0) {
      const kept = this.s.held[same] as HeldItem;
      this.s.held[same] = { ...kept, comment };
      return;
    }
    const waitingBefore = this.s.inbox.filter(isDeliverable).length;
    this.s.held.push({ comment, forwardedMark: this.s.counts.forwardedItems + waitingBefore });
    while (this.s.held.length > MAX_HELD) {
      this.s.held.shift();
      this.s.heldDropped++;
    }
  }

  /**
   * Takes what `target` names (a comment's link; all when absent) out of the held items, each
   * marked approved by `by`, oldest first.
   */
  approve(by: string, target?: string): InboxComment[] {
    return this.#take(target).map(({ comment, forwardedMark }) => ({
      ...comment,
      approval: { by, overtaken: Math.max(0, this.s.counts.forwardedItems - forwardedMark) },
    }));
  }

  /** Drops what `target` names (all when absent); returns who wrote what was dropped. */
  deny(target?: string): HeldRef[] {
    return this.#take(target).map(({ comment }) => refOf(comment));
  }

  #take(target: string | undefined): HeldItem[] {
    const key = target === undefined ? undefined : linkKey(target);
    const taken = this.s.held.filter((h) => key === undefined || linkKey(h.comment.url) === key);
    this.s.held = this.s.held.filter((h) => !taken.includes(h));
    return taken;
  }

  /** The issue closes: nothing waits any more. */
  clear(): void {
    this.s.held = [];
  }

  /** What the status comment says: per author, in the order they first wrote. */
  facts(): HeldFacts {
    const counts = new Map<string, number>();
    for (const h of this.s.held) {
      const login = h.comment.author.login;
      counts.set(login, (counts.get(login) ?? 0) + 1);
    }
    return {
      authors: [...counts].map(([login, count]) => ({ login, count })),
      dropped: this.s.heldDropped,
    };
  }

  /** The status comment does not show the held items as they are. */
  get refreshDue(): boolean {
    return this.s.heldShown !== heldKey(this.s);
  }

  /** The status comment is about to show them as they are. */
  shown(): void {
    this.s.heldShown = heldKey(this.s);
  }
}

/** What the status comment shows of the held items, as a string ('' for nothing). */
export function heldKey(s: Pick<CarriedState, 'held' | 'heldDropped'>): string {
  if (s.held.length === 0 && s.heldDropped === 0) return '';
  return `${s.held.map((h) => h.comment.deliveryId).join(',')}/${s.heldDropped}`;
}

export function refOf(comment: CommentPosted): HeldRef {
  return { author: comment.author.login, url: comment.url };
}

/** A link as written and as GitHub sends it compare equal (case of the host, a trailing slash). */
function linkKey(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/^https?:\/\/[^/]+/i, (host) => host.toLowerCase());
}
