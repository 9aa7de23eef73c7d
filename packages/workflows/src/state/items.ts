/**
 * What waits in a task's inbox (and among the comments held for approval): the events the
 * ingress and the repository workflow send, and the items the workflow makes itself (an
 * operator's message, a note of the shepherd, a mention). Plain JSON, carried whole.
 */
import type { CommentPosted, TaskEvent } from '@code-factory/events';

/** A message an operator queued with the `sendMessage` update. */
export interface OperatorMessage {
  kind: 'operator.message';
  deliveryId: string;
  receivedAt: string;
  author: string;
  text: string;
}

/** A message the service writes to the agent itself (a merge conflict, a branch behind). */
export interface ShepherdNoteItem {
  kind: 'shepherd.note';
  deliveryId: string;
  receivedAt: string;
  title: string;
  text: string;
}

/**
 * A mention of the agent in the body (a new issue, or an edit that adds it) that
 * reached a task whose agent was started already: forwarded like a comment.
 */
export interface MentionItem {
  kind: 'mention.posted';
  deliveryId: string;
  receivedAt: string;
  author: string;
  association?: string;
  line: string;
  url: string;
  edited: boolean;
}

/**
 * A comment from outside the trust list that a trusted commenter let through: who did, and
 * about how many updates reached the agent while it was held although written after it.
 */
export interface ApprovalNote {
  by: string;
  overtaken: number;
}

/** A comment as the inbox keeps it: one that was held carries its approval. */
export type InboxComment = CommentPosted & { approval?: ApprovalNote };

/**
 * A comment or review from outside the trust list, kept until `/agent approve` or `/agent deny`
 * (`state/held.ts`).
 */
export interface HeldItem {
  comment: CommentPosted;
  /**
   * `counts.forwardedItems` plus the deliverables that waited before it when it was held:
   * forwarded items beyond this mark arrived after it (the approval's `overtaken`).
   */
  forwardedMark: number;
}

export type InboxItem =
  | Exclude<TaskEvent, { kind: 'comment.posted' }>
  | InboxComment
  | OperatorMessage
  | ShepherdNoteItem
  | MentionItem;

const DELIVERABLE_KINDS = [
  'comment.posted',
  'ci.failed',
  'operator.message',
  'pr.dequeued',
  'shepherd.note',
  'mention.posted',
] as const;

/** Items that become text for the agent. */
export type Deliverable = Extract<InboxItem, { kind: (typeof DELIVERABLE_KINDS)[number] }>;

export function isDeliverable(item: InboxItem): item is Deliverable {
  return (DELIVERABLE_KINDS as readonly string[]).includes(item.kind);
}
