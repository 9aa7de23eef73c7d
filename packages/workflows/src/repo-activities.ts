/**
 * The contract between the repository workflow and the worker's activities (the config, and
 * routing pull-request, CI and push events to the issues they concern): types only, like
 * `activities.ts`, so the workflow bundle imports nothing that does I/O.
 */
import type { PullRequestDequeued, Repository } from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';

export interface RepoRef {
  installationId: number;
  repository: Repository;
}

/** The config read at a commit: absent, valid (sparse), or invalid with path-and-problem errors. */
export type RepoConfigRead =
  | { status: 'absent' }
  | { status: 'valid'; config: RepoConfig }
  | { status: 'invalid'; errors: string[] };

export interface AgentPullRequest {
  number: number;
  url: string;
  /** As `linkedIssues` answers: numbers here, `{ owner, name, number }` for another repository. */
  issueNumbers: Array<number | { owner: string; name: string; number: number }>;
}

/** Activities of the repository workflow (config and pull-request routing). */
export interface RepositoryActivities {
  readRepoConfig(input: RepoRef & { sha: string }): Promise<RepoConfigRead>;
  /** Issues a pull request closes (GitHub's closingIssuesReferences). */
  /**
   * Issues the pull request closes: numbers for the pull request's repository, `{ owner, name,
   * number }` for another repository's (runs recorded before cross-repository links hold
   * numbers only).
   */
  linkedIssues(
    input: RepoRef & { pullNumber: number },
  ): Promise<Array<number | { owner: string; name: string; number: number }>>;
  /**
   * The agent's pull requests a failed run belongs to and that are still at the run's
   * commit: the run's own pull requests, or the open ones whose head is that commit.
   */
  agentPullRequestsForRun(
    input: RepoRef & { pullRequestNumbers: number[]; headSha: string },
  ): Promise<AgentPullRequest[]>;
  /** Starts a new attempt of the run that re-runs its failed jobs (and the jobs needing them). */
  rerunFailedJobs(input: RepoRef & { runId: number }): Promise<void>;
  /** Names of the jobs that failed in an attempt before `attempt` and passed in it: flakes. */
  flakyJobs(input: RepoRef & { runId: number; attempt: number }): Promise<string[]>;
  /**
   * The agent's open pull requests a push to `branch` moves: those into it (`base`) and those
   * from it (`head`), with the issues each closes.
   */
  agentPullRequestsOnBranch(input: RepoRef & { branch: string }): Promise<MovedPullRequest[]>;
  /** The pull request with its linked issues when it is the agent's and open; else null. */
  agentPullRequest(input: RepoRef & { pullNumber: number }): Promise<AgentPullRequest | null>;
  /** The failed jobs (at most 5) of the runs that failed at a commit, with their log tails. */
  failedChecksAt(input: RepoRef & { headSha: string }): Promise<FailedCheck[]>;
}

export interface MovedPullRequest extends AgentPullRequest {
  side: 'base' | 'head';
}

/** One failed check of a merge queue's group (`pr.dequeued`'s `failedChecks`). */
export type FailedCheck = NonNullable<PullRequestDequeued['failedChecks']>[number];
