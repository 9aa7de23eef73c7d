/**
 * Shepherding beside the loop (change `shepherd-lanes`): the review-thread ledger, and the
 * reminders while people wait, each a durable timer that what it waits for moves or cancels.
 * - threads: read when a review was forwarded or the agent went idle; an idle agent with
 *   unanswered threads is nudged once per `thread_nudge_after` per set of threads;
 * - review: a pull request nobody reviewed for `review_reminder_after` gets a review request
 *   (CODEOWNERS, else the assigner), said once on the issue;
 * - waiting: an agent waiting for a person in Coder for `waiting_reminder_after`: one mention
 *   of the assigner;
 * - idle: `release_after_idle` without activity releases the agent, as `/agent release`.
 * Ordinary activities only (local ones are the loop's).
 */
import {
  releasedAfterIdleComment,
  reviewRequestedComment,
  threadNudge,
  waitingReminderComment,
} from '@code-factory/messages';
import { condition, log, uuid4 } from '@temporalio/workflow';
import { acts, githubOptions } from '../task/options';
import type { TaskRun } from '../task/run';

/** A due reminder: which, and when (workflow time, ms). */
export interface Due {
  what: 'review' | 'waiting' | 'idle';
  at: number;
}

/** The agent's pull request as the task knows it (the latest Coder reported). */
export function pullRequestOf(
  run: TaskRun,
): { number: number; url: string; repository: { owner: string; name: string } } | null {
  const s = run.task.state;
  const url = s.live?.pullRequest?.url ?? s.pullRequestUrl;
  const parts = /\/([^/]+)\/([^/]+)\/pull\/(\d+)/.exec(url ?? '');
  const number = s.live?.pullRequest?.number ?? Number(parts?.[3]);
  if (!url || !Number.isInteger(number) || number < 1) return null;
  const repository = parts ? { owner: parts[1] ?? '', name: parts[2] ?? '' } : run.input.repository;
  return { number, url, repository };
}

/** The next reminder due, if any (what the lane's timer waits for; the details show it). */
export function nextDue(run: TaskRun): Due | null {
  const { task, settings } = run;
  const sh = task.state.shepherd;
  const cfg = settings.shepherd;
  if (!cfg || !task.state.agent || task.parked) return null;
  const due: Due[] = [];
  if (pullRequestOf(run) && sh.reviewClockFrom !== null && sh.reviewRequested === null) {
    due.push({ what: 'review', at: sh.reviewClockFrom + cfg.reviewReminderAfterMs });
  }
  if (sh.blockedSince !== null && sh.waitingReminded !== sh.blockedSince) {
    due.push({ what: 'waiting', at: sh.blockedSince + cfg.waitingReminderAfterMs });
  }
  const idle = task.state.live?.readiness === 'ready';
  if (cfg.releaseAfterIdleMs !== null && idle && sh.lastActivityAt !== null) {
    due.push({ what: 'idle', at: sh.lastActivityAt + cfg.releaseAfterIdleMs });
  }
  return due.sort((a, b) => a.at - b.at)[0] ?? null;
}

export async function shepherdLane(run: TaskRun): Promise<void> {
  if (!run.shepherding) return;
  const { task } = run;
  for (;;) {
    const version = run.shepherdVersion;
    const due = nextDue(run);
    const woken = () => task.closeRequested || run.threadsDue || run.shepherdVersion !== version;
    if (due) await condition(woken, Math.max(1, due.at - Date.now()));
    else await condition(woken);
    if (task.closeRequested) return;
    if (run.threadsDue) {
      run.threadsDue = false;
      await run.inLane(() => readThreads(run));
    } else if (due && Date.now() >= due.at && nextDue(run)?.what === due.what) {
      await run.inLane(() => remind(run, due));
    }
  }
}

/** The ledger read again; an idle agent with unanswered threads is nudged (once per set). */
async function readThreads(run: TaskRun): Promise<void> {
  const { task } = run;
  const pull = pullRequestOf(run);
  const assignment = task.state.assignment;
  if (!pull || !assignment) return;
  try {
    const ledger = await acts.readReviewThreads.executeWithOptions(
      { ...githubOptions, summary: `review threads of #${pull.number}` },
      [{ ...ref(run, pull), pullNumber: pull.number }],
    );
    if (task.shepherd.setThreads(ledger)) task.live.changed();
    const idle = task.state.live?.readiness === 'ready';
    const every = run.settings.shepherd?.threadNudgeAfterMs ?? 30 * 60_000;
    const ids = ledger.unanswered.map((t) => t.id);
    if (idle && task.shepherd.nudgeDue(ids, Date.now(), every)) {
      log.info('nudging the agent about unanswered review threads', { threads: ids.length });
      const note = threadNudge(pull.url, ledger.unanswered);
      task.enqueue({
        kind: 'shepherd.note',
        deliveryId: `shepherd-${uuid4()}`,
        receivedAt: new Date().toISOString(),
        title: note.title,
        text: note.text,
      });
    }
  } catch (err) {
    log.warn('review threads not read', { error: `${err}` });
  }
}

async function remind(run: TaskRun, due: Due): Promise<void> {
  const { task } = run;
  const sh = task.state.shepherd;
  const assigner = task.state.assignment?.sender.login;
  const cfg = run.settings.shepherd;
  if (!assigner || !cfg) return;
  if (due.what === 'waiting') {
    task.shepherd.waitingReminded();
    const url = task.state.agent?.url ?? '';
    await run.tryPost(waitingReminderComment(assigner, url, cfg.waitingReminderAfterMs));
    task.live.changed();
    return;
  }
  if (due.what === 'idle') {
    log.info('releasing the agent after its idle time', { idleMs: cfg.releaseAfterIdleMs });
    await run.tryPost(releasedAfterIdleComment(cfg.releaseAfterIdleMs ?? 0));
    run.control.released = true;
    task.requestClose('released after idle');
    run.cancelWork();
    return;
  }
  const pull = pullRequestOf(run);
  if (!pull) return;
  const waited = Date.now() - (sh.reviewClockFrom ?? Date.now());
  try {
    const answer = await acts.requestReview.executeWithOptions(
      { ...githubOptions, summary: `review request for #${pull.number}` },
      [{ ...ref(run, pull), pullNumber: pull.number, assigner }],
    );
    if (answer.requested.length === 0) {
      // Not ready (a draft, a conflict, checks) or refused: ask again after another period.
      log.info('no review requested', { why: answer.why });
      task.shepherd.reviewed(Date.now());
      return;
    }
    task.shepherd.reviewRequested(pull.number, answer.requested, Date.now());
    task.live.changed();
    await run.tryPost(reviewRequestedComment(answer.requested, waited));
  } catch (err) {
    log.warn('could not request a review', { error: `${err}` });
    task.shepherd.reviewed(Date.now());
  }
}

/** The pull request's repository (another one when it closes this issue from there). */
function ref(run: TaskRun, pull: { repository: { owner: string; name: string } }) {
  const installationId = run.task.state.assignment?.installationId ?? 0;
  return { installationId, repository: pull.repository, issueNumber: run.input.issueNumber };
}
