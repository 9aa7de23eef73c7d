/**
 * Normalised task events: what the ingress hands to a task workflow.
 *
 * Small plain JSON, validated with zod at both ends (the ingress builds them, the workflow
 * re-checks each signal so a malformed manual signal is logged and ignored).
 */
import { z } from 'zod';
import { COMMENT_SOURCES } from './kinds';

export * from './kinds';

export const RepositorySchema = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
});
export type Repository = z.infer<typeof RepositorySchema>;

export const ActorSchema = z.object({
  login: z.string().min(1),
  id: z.number().int().positive(),
});
export type Actor = z.infer<typeof ActorSchema>;

const base = {
  /** `X-GitHub-Delivery`; operator-sent events use `manual-<uuid>`. */
  deliveryId: z.string().min(1).max(200),
  receivedAt: z.iso.datetime({ offset: true }),
  /** Where the event happened (the pull request's repository for pull-request events). */
  repository: RepositorySchema,
  issueNumber: z.number().int().positive(),
  installationId: z.number().int().positive(),
  /**
   * The issue's repository, when a pull request of another repository closes it ("Fixes
   * owner/repo#12"): `issueNumber` is then an issue of this one.
   */
  issueRepository: RepositorySchema.optional(),
};

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
});
export type IssueAssigned = z.infer<typeof IssueAssignedSchema>;

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
});
export type CommentPosted = z.infer<typeof CommentPostedSchema>;

export const CiFailedSchema = z.object({
  ...base,
  kind: z.literal('ci.failed'),
  pullRequest: z.object({ number: z.number().int().positive(), url: z.url() }),
  run: z.object({
    id: z.number().int().positive(),
    name: z.string(),
    path: z.string(),
    url: z.url(),
    headSha: z.string().min(7),
  }),
});
export type CiFailed = z.infer<typeof CiFailedSchema>;

export const TaskEventSchema = z.discriminatedUnion('kind', [
  IssueAssignedSchema,
  IssueClosedSchema,
  CommentPostedSchema,
  CiFailedSchema,
]);
export type TaskEvent = z.infer<typeof TaskEventSchema>;

/**
 * Events the ingress cannot key on an issue by itself (it never calls GitHub): they go to
 * the repository's workflow, which routes each to its issue's task workflow, in order.
 */
export const PendingCommentSchema = CommentPostedSchema.omit({ issueNumber: true });
export type PendingComment = z.infer<typeof PendingCommentSchema>;

const repoBase = {
  deliveryId: base.deliveryId,
  receivedAt: base.receivedAt,
  repository: RepositorySchema,
  installationId: base.installationId,
};

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
  run: CiFailedSchema.shape.run,
  headBranch: z.string(),
});
export type RouteCiFailure = z.infer<typeof RouteCiFailureSchema>;

export const ConfigPushSchema = z.object({
  ...repoBase,
  kind: z.literal('config.push'),
  sha: z.string().min(7),
  /**
   * Whether the push changed `.code-factory/config.toml` (from the commits' file lists);
   * absent when the payload cannot tell (and in events from before this field).
   */
  touchesConfig: z.boolean().optional(),
});
export type ConfigPush = z.infer<typeof ConfigPushSchema>;

export const RepoEventSchema = z.discriminatedUnion('kind', [
  RouteCommentSchema,
  RouteCiFailureSchema,
  ConfigPushSchema,
]);
export type RepoEvent = z.infer<typeof RepoEventSchema>;

/** Human readable one-liner of an error from a zod parse: paths and problems, never values. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
