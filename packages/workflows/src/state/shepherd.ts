/**
 * The shepherd's ledger: what the task learnt about its pull requests on the way to a merge
 * (flaky CI jobs, a merge conflict, review threads) and which base commits the agent was told
 * about, so each is said once.
 */
import type { CiFlaked } from '@code-factory/events';
import type { CarriedState } from './types';

/** Flaky jobs kept for the status comment. */
export const MAX_FLAKES = 20;
/** Base commits remembered as told. */
const MAX_TOLD = 50;

export class ShepherdLedger {
  constructor(private readonly s: CarriedState) {}

  /** Jobs that failed and passed on re-run; returns true when there were any. */
  flaked(event: CiFlaked): boolean {
    if (event.jobs.length === 0) return false;
    const added = event.jobs.map((job) => ({ job, workflow: event.run.name, runId: event.run.id }));
    this.s.shepherd.flakes = [...this.s.shepherd.flakes, ...added].slice(-MAX_FLAKES);
    return true;
  }

  /** Records that the agent is told about `key` (pull request and base commit); false if it was. */
  tell(key: string): boolean {
    if (this.s.shepherd.told.includes(key)) return false;
    this.s.shepherd.told = [...this.s.shepherd.told, key].slice(-MAX_TOLD);
    return true;
  }

  /** The merge conflict to show, or none once a push made the pull request clean. */
  setConflict(conflict: CarriedState['shepherd']['conflict']): boolean {
    const before = JSON.stringify(this.s.shepherd.conflict);
    this.s.shepherd.conflict = conflict;
    return before !== JSON.stringify(conflict);
  }

  /** Review thread counts as last read; returns true when they changed. */
  setThreads(threads: { open: number; resolved: number }): boolean {
    const before = this.s.shepherd.threads;
    this.s.shepherd.threads = threads;
    return before?.open !== threads.open || before?.resolved !== threads.resolved;
  }

  /** Something happened on the issue or in Coder (`release_after_idle` counts from here). */
  active(nowMs: number): void {
    this.s.shepherd.lastActivityAt = nowMs;
  }

  /** The agent's readiness as Coder pushed it: a wait for a person starts or ends. */
  readiness(readiness: string | undefined, nowMs: number): void {
    const sh = this.s.shepherd;
    if (readiness === 'blocked') sh.blockedSince ??= nowMs;
    else sh.blockedSince = null;
  }

  /** The pull request is known: the review clock starts (once). */
  pullRequestKnown(nowMs: number): void {
    this.s.shepherd.reviewClockFrom ??= nowMs;
  }

  /** A person reviewed or commented on the pull request: the review clock starts again. */
  reviewed(nowMs: number): void {
    if (this.s.shepherd.reviewClockFrom !== null) this.s.shepherd.reviewClockFrom = nowMs;
  }

  reviewRequested(pullRequest: number, reviewers: string[], nowMs: number): void {
    this.s.shepherd.reviewRequested = { pullRequest, reviewers, at: nowMs };
  }

  waitingReminded(): void {
    this.s.shepherd.waitingReminded = this.s.shepherd.blockedSince;
  }

  /**
   * Whether the agent is due a nudge about these open, unanswered threads: one of them was not
   * in the last nudge, or `everyMs` passed since it. Records it when due.
   */
  nudgeDue(threadIds: string[], nowMs: number, everyMs: number): boolean {
    if (threadIds.length === 0) return false;
    const last = this.s.shepherd.nudged;
    const told = new Set(last?.key.split(',') ?? []);
    const news = threadIds.some((id) => !told.has(id));
    if (last && !news && nowMs - last.at < everyMs) return false;
    this.s.shepherd.nudged = { key: [...threadIds].sort().join(','), at: nowMs };
    return true;
  }
}
