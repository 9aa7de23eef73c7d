/**
 * The follow-through after a merge (issue 27, part 2; change `follow-through`), as the task
 * keeps it: which merge it watches on which branch and until when, the failed runs at the
 * merge commit it looked at and the failing jobs that did not count, and the regression it told
 * the issue about. The phase changes (`following`, back to `requested` for a new agent, or
 * `closed`) are `TaskLifecycle`'s; this part holds the rest, without Temporal APIs.
 */
import type { Regression, UncountedJob } from '@code-factory/messages';
import type { MergedAgentPullRequest, RegressionCheck } from '../follow-activities';
import type { CarriedState } from './types';

/** The watch of the branch an agent pull request merged into (phase `following`). */
export interface FollowState {
  pullRequest: { number: number; url: string };
  /** The merge commit, and the branch it is on. */
  sha: string;
  branch: string;
  /** When the watch ends (workflow time, ms). */
  until: number;
  /** `shepherd.reopen_on_regression` when the watch began. */
  reopen: boolean;
  /** Failed runs at the merge commit already read (newest last, bounded). */
  runsChecked: number[];
  /** Failing jobs there that did not count (bounded): shown in the Web UI's details. */
  uncounted: UncountedJob[];
  /** The regression told on the issue: once per watch. */
  regression: Regression | null;
}

const MAX_RUNS_CHECKED = 100;
const MAX_UNCOUNTED = 20;

export class FollowThrough {
  constructor(private readonly s: CarriedState) {}

  get watch(): Readonly<FollowState> | null {
    return this.s.follow;
  }

  /** The regression the next agent starts with (until it has started). */
  get followUp(): Readonly<Regression> | null {
    return this.s.followUp;
  }

  /** The state of a watch of `merge` from now until `until`. */
  static watchOf(merge: MergedAgentPullRequest, until: number, reopen: boolean): FollowState {
    return {
      pullRequest: { number: merge.number, url: merge.url },
      sha: merge.sha,
      branch: merge.branch,
      until,
      reopen,
      runsChecked: [],
      uncounted: [],
      regression: null,
    };
  }

  /** This task watched merge commit `sha` already (a later close does not watch it again). */
  watchedBefore(sha: string): boolean {
    return this.s.followed.includes(sha);
  }

  /** An event about merge commit `sha` is about this watch. */
  watches(sha: string): boolean {
    const watch = this.s.follow;
    return watch !== null && watch.sha.toLowerCase() === sha.toLowerCase();
  }

  /** Whether a failed run is worth reading: not read yet, and no regression told yet. */
  worthChecking(runId: number): boolean {
    const watch = this.s.follow;
    return watch !== null && watch.regression === null && !watch.runsChecked.includes(runId);
  }

  /** What reading the failed runs at the merge commit found. */
  checked(runId: number, check: RegressionCheck): void {
    const watch = this.s.follow;
    if (!watch) return;
    const runs = [...new Set([...watch.runsChecked, runId, ...check.runs])];
    watch.runsChecked = runs.slice(-MAX_RUNS_CHECKED);
    const known = new Set(watch.uncounted.map((j) => `${j.workflow}/${j.name}`));
    for (const job of check.uncounted) {
      if (!known.has(`${job.workflow}/${job.name}`)) watch.uncounted.push(job);
    }
    watch.uncounted = watch.uncounted.slice(-MAX_UNCOUNTED);
  }

  /** The regression found, as the issue is told about it (and the next agent, when it starts). */
  regressionOf(check: RegressionCheck): Regression | null {
    const watch = this.s.follow;
    if (!watch || check.jobs.length === 0) return null;
    return {
      pullRequest: watch.pullRequest,
      sha: watch.sha,
      branch: watch.branch,
      parentSha: check.parentSha,
      jobs: check.jobs,
    };
  }

  /** The issue was told about `regression`; the watch goes on only for a revert. */
  told(regression: Regression): void {
    if (this.s.follow) this.s.follow.regression = regression;
  }
}
