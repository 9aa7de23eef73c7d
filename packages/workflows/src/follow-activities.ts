/**
 * The task's activities for the follow-through after a merge (change `follow-through`): types
 * only, like the rest of the contract in `activities.ts`, which `TaskActivities` extends with
 * these. Small plain JSON in and out; log tails are bounded by the worker.
 */
import type { RegressionJob, UncountedJob } from '@code-factory/messages';
import type { IssueRef } from './activities';

/** The agent's pull request that merged and closed the issue. */
export interface MergedAgentPullRequest {
  number: number;
  url: string;
  /** Its merge commit and the branch it merged into. */
  sha: string;
  branch: string;
}

/** What the failed runs at a merge commit say, compared with its first parent. */
export interface RegressionCheck {
  /** The merge commit's first parent (null: GitHub did not say). */
  parentSha: string | null;
  /** The failed runs at the merge commit that were read. */
  runs: number[];
  /** Jobs failing at the merge commit that passed at its parent, with their log tails. */
  jobs: RegressionJob[];
  /** Jobs failing at the merge commit that do not count, and why. */
  uncounted: UncountedJob[];
}

export interface FollowThroughActivities {
  /**
   * The agent's merged pull request of the issue's repository that closes the issue (the
   * newest merge); null when none merged.
   */
  mergedPullRequest(input: IssueRef): Promise<MergedAgentPullRequest | null>;
  /**
   * The failed runs at `sha` and their failing jobs; a job counts only when a job of the same
   * workflow and name succeeded at the commit's first parent. Counted jobs come with their log
   * tails (at most MAX_REGRESSION_JOBS).
   */
  checkMergeRegression(input: IssueRef & { sha: string }): Promise<RegressionCheck>;
  /** Reopens the issue (`state: open`, `state_reason: reopened`). */
  reopenIssue(input: IssueRef): Promise<void>;
}
