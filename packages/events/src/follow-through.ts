/**
 * Follow-through after the merge (issue 27, part 2). The ingress routes a merged agent pull
 * request (`route.merged`) and a merged pull request that reverts one (`route.reverted`) to
 * the repository workflow, which remembers each agent merge commit; while the task
 * watches its merge, the repository workflow tells it of a failed run at that commit
 * (`merge.ci-failed`) and of a revert (`merge.reverted`: by a pushed commit whose message
 * names the merge commit, or by such a pull request).
 */
import { z } from 'zod';
import { base, PullRequestRefSchema, RunSchema, repoBase } from './fields';

const sha = z.string().min(7).max(64);

/** A failed workflow run at the merge commit of the agent's pull request. */
export const MergeCiFailedSchema = z.object({
  ...base,
  kind: z.literal('merge.ci-failed'),
  /** The merge commit the run ran at. */
  sha,
  /** The agent pull request that merged. */
  pullRequest: PullRequestRefSchema,
  run: RunSchema,
});
export type MergeCiFailed = z.infer<typeof MergeCiFailedSchema>;

/** The merge commit of the agent's pull request was reverted. */
export const MergeRevertedSchema = z.object({
  ...base,
  kind: z.literal('merge.reverted'),
  /** The merge commit that was reverted. */
  sha,
  pullRequest: PullRequestRefSchema,
  /** What reverted it, and where a person sees it. */
  revert: z.object({ by: z.enum(['commit', 'pull-request']), url: z.url() }),
});
export type MergeReverted = z.infer<typeof MergeRevertedSchema>;

/** `pull_request.closed` of a merged agent pull request: its merge commit is remembered. */
export const RouteMergedSchema = z.object({
  ...repoBase,
  kind: z.literal('route.merged'),
  pullRequest: PullRequestRefSchema,
  /** `merge_commit_sha` of the merged pull request. */
  mergeCommitSha: sha,
  /** The branch it merged into. */
  baseBranch: z.string().min(1),
});
export type RouteMerged = z.infer<typeof RouteMergedSchema>;

/**
 * `pull_request.closed` of a merged pull request whose body names another as GitHub's revert
 * button writes it ("Reverts owner/repo#N").
 */
export const RouteRevertedSchema = z.object({
  ...repoBase,
  kind: z.literal('route.reverted'),
  /** The revert's own pull request. */
  pullRequest: PullRequestRefSchema,
  /** The number of the pull request it reverts. */
  reverts: z.number().int().positive(),
});
export type RouteReverted = z.infer<typeof RouteRevertedSchema>;

/** A pushed commit whose message says "This reverts commit <sha>": that sha, and its page. */
export const PushedRevertSchema = z.object({ sha, url: z.url() });
export type PushedRevert = z.infer<typeof PushedRevertSchema>;

/** A push lists at most this many reverts (GitHub lists the push's commits, 20 at most here). */
export const MAX_PUSHED_REVERTS = 20;
