/**
 * Normalised task events: what the ingress hands to a task workflow.
 *
 * Small plain JSON, validated with zod at both ends (the ingress builds them, the workflow
 * re-checks each signal so a malformed manual signal is logged and ignored).
 */
import { z } from 'zod';
import { ActorSchema, base, PullRequestRefSchema, RunSchema, repoBase } from './fields';
import {
  MAX_PUSHED_REVERTS,
  MergeCiFailedSchema,
  MergeRevertedSchema,
  PushedRevertSchema,
  RouteMergedSchema,
  RouteRevertedSchema,
} from './follow-through';
import { COMMENT_SOURCES, TRIGGER_KINDS } from './kinds';

export { type Actor, ActorSchema, type Repository, RepositorySchema } from './fields';
export * from './follow-through';
export * from './kinds';

/** A mention line is cut well below this; the bound keeps a signal small. */
export const MAX_MENTION_TEXT = 2_000;

export const IssueAssignedSchema = z.object({
  ...base,
  kind: z.literal('issue.assigned'),
  issue: z.object({
    title: z.string(),
    url: z.url(),
  }),
  /** The user who assigned the issue: the requester whose Coder identity runs the agent. */
  sender: ActorSchema,
  /**
   * `repo-config`: the repository's config asked for this work (a scheduled job or a
   * failed-run hook) and the App opened the issue; the sender is the App bot. Such work
   * counts as requested by someone with write access and runs as the service's Coder user.
   */
  origin: z.literal('repo-config').optional(),
  /**
   * What asked for the agent; absent: an assignment (`assign`). A `mention` or a `label`
   * starts the task exactly as an assignment does, `sender` being who mentioned or labelled.
   */
  trigger: z.enum(TRIGGER_KINDS).optional(),
  /** `label`: the label that was added; the worker compares it with the repository's. */
  label: z.string().min(1).max(100).optional(),
  /** `mention`: the line that mentions the agent, the brief's first instruction. */
  mention: z
    .object({
      line: z.string().min(1).max(MAX_MENTION_TEXT),
      /** Where it was written: the issue, or the comment. */
      url: z.url(),
      /** `author_association` of who wrote it, when the delivery says (not for edits by others). */
      association: z.string().max(50).optional(),
      /** It was added by an edit of the issue's body. */
      edited: z.boolean().optional(),
    })
    .optional(),
});
export type IssueAssigned = z.infer<typeof IssueAssignedSchema>;
export type IssueMention = NonNullable<IssueAssigned['mention']>;

export const IssueClosedSchema = z.object({
  ...base,
  kind: z.literal('issue.closed'),
  sender: ActorSchema,
});
export type IssueClosed = z.infer<typeof IssueClosedSchema>;

export const CommentSourceSchema = z.enum(COMMENT_SOURCES);

export const CommentPostedSchema = z.object({
  ...base,
  kind: z.literal('comment.posted'),
  source: CommentSourceSchema,
  /** Comment (or review) id, used for the 👀 reaction. */
  commentId: z.number().int().positive(),
  edited: z.boolean(),
  author: ActorSchema,
  body: z.string(),
  url: z.url(),
  createdAt: z.string(),
  /** Present for comments on the agent's pull request. */
  pullRequest: z.object({ number: z.number().int().positive(), url: z.url() }).optional(),
  /** Present for review comments. */
  file: z.object({ path: z.string(), line: z.number().int().nullable() }).optional(),
  /** The author's `author_association` (OWNER, MEMBER, ...), for the provenance line. */
  authorAssociation: z.string().max(50).optional(),
  /**
   * The author is outside the trust list (`TRUSTED_AUTHOR_ASSOCIATIONS`): the task holds the
   * comment until a trusted commenter approves it (`/agent approve`); it never starts a task.
   */
  untrusted: z.boolean().optional(),
  /**
   * A comment on the issue that mentions the agent: it starts the task (as a `mention`
   * trigger) when none runs, and is forwarded like any comment when one does.
   */
  mention: z
    .object({
      line: z.string().min(1).max(MAX_MENTION_TEXT),
      issue: z.object({ title: z.string(), url: z.url() }),
    })
    .optional(),
});
export type CommentPosted = z.infer<typeof CommentPostedSchema>;

export const CiFailedSchema = z.object({
  ...base,
  kind: z.literal('ci.failed'),
  pullRequest: PullRequestRefSchema,
  run: RunSchema,
  /**
   * The run's attempt that failed (`workflow_run.run_attempt`); absent: 1. Above 1 the
   * failed jobs were re-run already, and the agent hears of every attempt at once.
   */
  attempt: z.number().int().positive().optional(),
});
export type CiFailed = z.infer<typeof CiFailedSchema>;

/**
 * Jobs of an agent pull request's run that failed, were re-run and passed: flakes. Shown on
 * the status comment; never forwarded to the agent.
 */
export const CiFlakedSchema = z.object({
  ...base,
  kind: z.literal('ci.flaked'),
  pullRequest: PullRequestRefSchema,
  run: RunSchema,
  /** Names of the jobs that failed in an earlier attempt and passed in the latest. */
  jobs: z.array(z.string()).max(50),
});
export type CiFlaked = z.infer<typeof CiFlakedSchema>;

/**
 * A push moved an agent pull request's base branch (`side: base`) or its own branch (`head`):
 * the task asks GitHub whether it still merges.
 */
export const PullRequestMovedSchema = z.object({
  ...base,
  kind: z.literal('pr.moved'),
  pullRequest: PullRequestRefSchema,
  side: z.enum(['base', 'head']),
  /** The branch pushed to. */
  branch: z.string().min(1),
  /** The pushed commit (`after`). */
  sha: z.string().min(7),
  /** Files the push's commits changed, when the payload lists them (at most 20 commits). */
  files: z.array(z.string()).max(300).optional(),
});
export type PullRequestMoved = z.infer<typeof PullRequestMovedSchema>;

/** One failed check of a merge queue's group, with the tail of its log. */
export const FailedCheckSchema = z.object({
  name: z.string(),
  url: z.url(),
  logTail: z.string(),
});

/** An agent pull request left the merge queue without merging: the agent hears why. */
export const PullRequestDequeuedSchema = z.object({
  ...base,
  kind: z.literal('pr.dequeued'),
  pullRequest: PullRequestRefSchema,
  /** GitHub's reason (`pull_request.dequeued`'s `reason`, or the merge group's failed checks). */
  reason: z.string().max(200),
  failedChecks: z.array(FailedCheckSchema).max(5).optional(),
});
export type PullRequestDequeued = z.infer<typeof PullRequestDequeuedSchema>;

export const TaskEventSchema = z.discriminatedUnion('kind', [
  IssueAssignedSchema,
  IssueClosedSchema,
  CommentPostedSchema,
  CiFailedSchema,
  CiFlakedSchema,
  PullRequestMovedSchema,
  PullRequestDequeuedSchema,
  MergeCiFailedSchema,
  MergeRevertedSchema,
]);
export type TaskEvent = z.infer<typeof TaskEventSchema>;

/**
 * Events the ingress cannot key on an issue by itself (it never calls GitHub): they go to
 * the repository's workflow, which routes each to its issue's task workflow, in order.
 */
export const PendingCommentSchema = CommentPostedSchema.omit({ issueNumber: true });
export type PendingComment = z.infer<typeof PendingCommentSchema>;

export const RouteCommentSchema = z.object({
  ...repoBase,
  kind: z.literal('route.comment'),
  pullRequestNumber: z.number().int().positive(),
  comment: PendingCommentSchema,
});
export type RouteComment = z.infer<typeof RouteCommentSchema>;

export const RouteCiFailureSchema = z.object({
  ...repoBase,
  kind: z.literal('route.ci'),
  /** Pull requests GitHub attached to the run (empty for runs of fork pull requests). */
  pullRequestNumbers: z.array(z.number().int().positive()),
  run: RunSchema,
  headBranch: z.string(),
  /** `workflow_run.run_attempt`; absent in events from before it was carried: 1. */
  attempt: z.number().int().positive().optional(),
  /**
   * `success` only for an attempt after the first (a re-run that may end a flake); absent:
   * `failure` (and in events from before this field).
   */
  conclusion: z.enum(['failure', 'success']).optional(),
});
export type RouteCiFailure = z.infer<typeof RouteCiFailureSchema>;

/** Where a branch push moved to, for the agent pull requests based on it or made from it. */
const pushedFields = {
  /** The branch pushed to (without `refs/heads/`). */
  branch: z.string().min(1),
  /** Files the push's commits changed, when the payload lists them all (at most 300). */
  files: z.array(z.string()).max(300).optional(),
};

export const ConfigPushSchema = z.object({
  ...repoBase,
  kind: z.literal('config.push'),
  sha: z.string().min(7),
  /**
   * Whether the push changed `.code-factory/config.toml` (from the commits' file lists);
   * absent when the payload cannot tell (and in events from before this field).
   */
  touchesConfig: z.boolean().optional(),
  /** The default branch; absent in events from before pushes were routed to pull requests. */
  branch: pushedFields.branch.optional(),
  files: pushedFields.files,
  /** Pushed commits that revert another ("This reverts commit <sha>"); absent: none. */
  reverts: z.array(PushedRevertSchema).max(MAX_PUSHED_REVERTS).optional(),
});
export type ConfigPush = z.infer<typeof ConfigPushSchema>;

/** A push to a branch other than the default one (which is a `config.push`). */
export const RoutePushSchema = z.object({
  ...repoBase,
  kind: z.literal('route.push'),
  /** The pushed commit (`after`). */
  sha: z.string().min(7),
  ...pushedFields,
});
export type RoutePush = z.infer<typeof RoutePushSchema>;

/** `pull_request.dequeued` of the agent's pull request: it left the merge queue unmerged. */
export const RouteDequeuedSchema = z.object({
  ...repoBase,
  kind: z.literal('route.dequeued'),
  pullRequest: PullRequestRefSchema,
  /** GitHub's reason, e.g. `MANUAL`, `CI_FAILURE`, `MERGE_CONFLICT`. */
  reason: z.string().max(200),
});
export type RouteDequeued = z.infer<typeof RouteDequeuedSchema>;

/**
 * `merge_group.destroyed` with reason `dequeued`: the group headed by `pullRequestNumber` left
 * the merge queue; its checks are the workflow runs at `headSha`.
 */
export const RouteMergeGroupSchema = z.object({
  ...repoBase,
  kind: z.literal('route.merge-group'),
  pullRequestNumber: z.number().int().positive(),
  headSha: z.string().min(7),
});
export type RouteMergeGroup = z.infer<typeof RouteMergeGroupSchema>;

export const RepoEventSchema = z.discriminatedUnion('kind', [
  RouteCommentSchema,
  RouteCiFailureSchema,
  ConfigPushSchema,
  RoutePushSchema,
  RouteDequeuedSchema,
  RouteMergeGroupSchema,
  RouteMergedSchema,
  RouteRevertedSchema,
]);
export type RepoEvent = z.infer<typeof RepoEventSchema>;

/** Human readable one-liner of an error from a zod parse: paths and problems, never values. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
