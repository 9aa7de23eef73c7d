/**
 * The forward path: what waits at the head of the inbox goes to the agent as one message
 * (comments, reviews with their comments, CI failures with their logs, operator notes), the
 * 👀 reactions in the same breath. Everything here runs as local activities from the loop.
 */
import type { ForwardItem, ReviewCommentItem } from '@code-factory/messages';
import { formatBatch } from '@code-factory/messages';
import { condition, isCancellation, log } from '@temporalio/workflow';
import type { Deliverable, InboxComment, InboxItem, ReactionRequest } from '../state';
import { coderWaitingOptions } from '../task/options';
import type { TaskRun } from '../task/run';
import { agentErrorFailure } from '../task/views';
import { waitUntilReady } from './start';

/** How many waiting items go to the agent as one message at most. */
export const MAX_BATCH = 20;
/** How long review comments wait for their review before going out without it. */
const REVIEW_GRACE_MS = 3_000;

export async function forward(run: TaskRun, batch: Deliverable[]): Promise<void> {
  const { task } = run;
  const agent = task.state.agent;
  if (!agent) {
    task.skipped(batch.length);
    log.info('nothing forwarded: no agent runs for this issue', { items: batch.length });
    return;
  }
  try {
    if (agent.pushed === true) {
      const blocking = task.live.blockingError();
      if (blocking) throw agentErrorFailure(blocking);
    } else {
      await waitUntilReady(run, agent);
    }
    if (batch.some(isReviewComment) && !batch.some(isReview) && !task.inbox.hasQueuedReview()) {
      // GitHub sends a review's comments and the review itself as separate webhooks in any
      // order: wait a moment for the review, so that they go out as one message.
      await condition(() => task.closeRequested || task.inbox.hasQueuedReview(), REVIEW_GRACE_MS);
    }
    // Everything that arrived while we waited goes out in the same message, in order.
    batch.push(...task.inbox.takeDeliverableRun(MAX_BATCH - batch.length));
    const reviews = await collectReviews(run, batch);
    const inReview = new Set([...reviews.values()].flat().map((c) => c.id));
    const items: ForwardItem[] = [];
    const alone: number[] = [];
    for (const item of batch) {
      if (item.kind === 'comment.posted' && item.source === 'review_comment') {
        if (inReview.has(item.commentId)) continue;
        alone.push(item.commentId);
        items.push({ kind: 'comment', comment: item, ...approvalOf(item) });
      } else if (item.kind === 'comment.posted' && reviews.has(item.commentId)) {
        const comments = reviews.get(item.commentId) ?? [];
        items.push({ kind: 'review', review: item, comments, ...approvalOf(item) });
      } else if (item.kind === 'comment.posted') {
        items.push({ kind: 'comment', comment: item, ...approvalOf(item) });
      } else if (item.kind === 'operator.message') {
        items.push({
          kind: 'operator',
          note: { author: item.author, text: item.text, receivedAt: item.receivedAt },
        });
      } else if (item.kind === 'pr.dequeued') items.push({ kind: 'dequeued', event: item });
      else if (item.kind === 'mention.posted') {
        const { kind: _, deliveryId: _id, ...mention } = item;
        items.push({ kind: 'mention', mention });
      } else if (item.kind === 'shepherd.note') {
        items.push({ kind: 'note', note: { title: item.title, text: item.text } });
      } else {
        const report = await run.call('collectCiFailure', `failed jobs of run ${item.run.id}`, [
          item,
        ]);
        if (!report.current) {
          log.info('CI failure skipped: pull request moved on', { runId: item.run.id });
        } else if (report.heldBack) {
          log.info('CI failure held back', { runId: item.run.id, reason: report.heldBack });
        } else items.push({ kind: 'ci', event: item, report });
      }
    }
    if (items.length === 0) return;
    // An error Coder pushed while the CI logs were read parks these items too.
    const blocking = task.parked ? task.live.blockingError() : null;
    if (blocking) throw agentErrorFailure(blocking);
    task.forwarding();
    run.publishPhase();
    // The waiting 👀 reactions go in the same breath as the send: scheduled in one
    // activation, they complete in one workflow task (a marker each).
    const reacting = reactToAll(run);
    const sending = run.call(
      'deliverToAgent',
      `forward ${items.length} item(s) to ${agent.name}`,
      [{ agent, text: formatBatch(items) }],
      coderWaitingOptions,
    );
    const result = await sending.finally(() => reacting);
    if (task.coderAnswered()) log.info('Coder answers again; the held items went out');
    task.forwarded(items.length);
    task.inbox.reviewCommentsSent([...inReview, ...alone]);
    log.info('forwarded to agent', { items: items.length, queued: result.queued });
  } catch (err) {
    if (!isCancellation(err)) task.inbox.requeueFront(batch);
    throw err;
  }
}

/**
 * The comments of each review in `batch`, fetched from GitHub (review id → comments not sent
 * yet). A review whose comments cannot be read goes out alone.
 */
async function collectReviews(
  run: TaskRun,
  batch: Deliverable[],
): Promise<Map<number, ReviewCommentItem[]>> {
  const reviews = new Map<number, ReviewCommentItem[]>();
  for (const item of batch) {
    if (!isReview(item) || !item.pullRequest) continue;
    try {
      const { comments } = await run.call('collectReview', `comments of review ${item.commentId}`, [
        {
          installationId: item.installationId,
          ...run.issue,
          // The pull request's repository (another one when it closes this issue from there).
          repository: item.repository,
          pullNumber: item.pullRequest.number,
          reviewId: item.commentId,
        },
      ]);
      reviews.set(
        item.commentId,
        comments.filter((c) => !run.task.inbox.reviewCommentSent(c.id)),
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('review comments not read; the review goes alone', { error: `${err}` });
    }
  }
  return reviews;
}

/** Every waiting reaction at once: each is scheduled now; none fails the step. */
function reactToAll(run: TaskRun): Promise<void> {
  const waiting = [...run.task.state.pendingReactions];
  return Promise.all(waiting.map((next) => react(run, next))).then(() => undefined);
}

/** 👀 on the oldest comment that waits for one. */
export async function reactToNext(run: TaskRun): Promise<void> {
  const next = run.task.state.pendingReactions[0];
  if (next) await react(run, next);
}

/** 👀 on one pending comment; a reaction that fails is logged, never retried by the task. */
async function react(run: TaskRun, next: ReactionRequest): Promise<void> {
  try {
    await run.call('reactToComment', `👀 on comment ${next.commentId}`, [
      { ...next, issueNumber: run.input.issueNumber },
    ]);
  } catch (err) {
    log.warn('could not add a reaction', { commentId: next.commentId, error: `${err}` });
  }
  run.task.inbox.reacted();
}

/** Who let a held comment through, for its provenance line (state/held.ts). */
function approvalOf(item: InboxComment): { approvedBy?: string; overtaken?: number } {
  if (!item.approval) return {};
  return { approvedBy: item.approval.by, overtaken: item.approval.overtaken };
}

function isReview(item: InboxItem): item is Extract<InboxItem, { kind: 'comment.posted' }> {
  return item.kind === 'comment.posted' && item.source === 'review';
}

function isReviewComment(item: InboxItem): boolean {
  return item.kind === 'comment.posted' && item.source === 'review_comment';
}
