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
}
