/**
 * What the repository workflow decides and remembers while it shepherds agent pull requests:
 * whether a failed run is re-run or told to the agent, which runs it re-ran (so a later
 * attempt that passes is a flake), and which merge-queue exits it told (so the two webhooks of
 * one exit make one message). Plain rules and state, no Temporal APIs: unit-tested in
 * `repo-shepherd.test.ts`, carried across continue-as-new by `repository-workflow.ts`.
 */
import type { Repository } from '@code-factory/events';
import type { RepoConfig } from '@code-factory/repo-config';
import { SHEPHERD_DEFAULTS } from '@code-factory/repo-config/shepherd-defaults';
import type { AgentPullRequest } from './repo-activities';

/** Runs re-ran and not yet ended, remembered at most this many (oldest forgotten first). */
export const MAX_RERUNS_REMEMBERED = 200;
/** Merge-queue exits remembered at most this many. */
const MAX_DEQUEUES_REMEMBERED = 100;
/** The two webhooks of one merge-queue exit arrive within this much of each other. */
export const DEQUEUE_WINDOW_MS = 10 * 60_000;

/** A run whose failed jobs were re-run, with the agent pull requests it belongs to. */
export interface RerunRun {
  runId: number;
  /** The attempt that failed and was re-run. */
  attempt: number;
  pulls: AgentPullRequest[];
}

/** A merge-queue exit told to the agent's tasks. */
export interface ToldDequeue {
  pullRequest: number;
  /** Workflow time (ms) it was told. */
  at: number;
  /** It carried the failed checks' log tails. */
  withChecks: boolean;
}

/** What the repository workflow carries for the shepherd. */
export interface RepoShepherdState {
  reruns: RerunRun[];
  dequeues: ToldDequeue[];
}

export function emptyRepoShepherd(): RepoShepherdState {
  return { reruns: [], dequeues: [] };
}

/** `shepherd.rerun_failed_jobs` of the stored config (its default without one). */
export function rerunLimit(config: RepoConfig | null): number {
  return config?.shepherd?.rerun_failed_jobs ?? SHEPHERD_DEFAULTS.rerun_failed_jobs;
}

/**
 * A failed attempt of an agent pull request's run: re-run its failed jobs while the attempt
 * is within the repository's re-runs (`rerun_failed_jobs` 1: attempt 1 is re-run, attempt 2
 * is told), else tell the agent.
 */
export function triageFailure(attempt: number, limit: number): 'rerun' | 'forward' {
  return attempt <= limit ? 'rerun' : 'forward';
}

/**
 * The jobs that failed in an earlier attempt and did not fail in the latest: flakes, each
 * once, in the order they first failed.
 */
export function flakes(earlierFailed: string[][], latestFailed: string[]): string[] {
  const still = new Set(latestFailed);
  return [...new Set(earlierFailed.flat())].filter((job) => !still.has(job));
}

/** The task an issue a pull request closes belongs to: its number, and its repository if another. */
export function linkedTask(linked: AgentPullRequest['issueNumbers'][number]): {
  issueNumber: number;
  issueRepository?: Repository;
} {
  return typeof linked === 'number'
    ? { issueNumber: linked }
    : { issueNumber: linked.number, issueRepository: { owner: linked.owner, name: linked.name } };
}

export class RepoShepherd {
  constructor(readonly state: RepoShepherdState) {}

  /** A re-run of this attempt or a later one was already asked for (a repeated delivery). */
  reranAlready(runId: number, attempt: number): boolean {
    return this.state.reruns.some((r) => r.runId === runId && r.attempt >= attempt);
  }

  rerun(run: RerunRun): void {
    const others = this.state.reruns.filter((r) => r.runId !== run.runId);
    this.state.reruns = [...others, run].slice(-MAX_RERUNS_REMEMBERED);
  }

  /** The run as re-run, forgotten: it ended (passed, or failed past its re-runs). */
  ended(runId: number): RerunRun | undefined {
    const found = this.state.reruns.find((r) => r.runId === runId);
    this.state.reruns = this.state.reruns.filter((r) => r.runId !== runId);
    return found;
  }

  /**
   * Whether an exit of `pullRequest` is news at `now`: GitHub sends `pull_request.dequeued`
   * and `merge_group.destroyed` for one exit, in either order. Told within the window with
   * the failed checks, nothing is news; told without them, only the checks are.
   */
  dequeueIsNews(pullRequest: number, now: number, withChecks: boolean): boolean {
    const told = this.state.dequeues.filter(
      (d) => d.pullRequest === pullRequest && now - d.at < DEQUEUE_WINDOW_MS,
    );
    if (told.some((d) => d.withChecks)) return false;
    return told.length === 0 || withChecks;
  }

  dequeueTold(pullRequest: number, now: number, withChecks: boolean): void {
    const fresh = this.state.dequeues.filter((d) => now - d.at < DEQUEUE_WINDOW_MS);
    this.state.dequeues = [...fresh, { pullRequest, at: now, withChecks }].slice(
      -MAX_DEQUEUES_REMEMBERED,
    );
  }
}
