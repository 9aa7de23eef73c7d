/**
 * The product's closed word lists, each spelled once. Plain constants and types, no zod: the
 * workflow bundle imports this module (`@code-factory/events/kinds`) for its own guards, and
 * every other package takes the unions from here instead of writing them again.
 */

/** Which Coder API runs an agent: Coder Tasks or Coder Agents (chats). */
export const BACKEND_KINDS = ['tasks', 'agents'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/**
 * What may start an issue's task: assigning the issue to the agent, mentioning the agent, or
 * adding the trigger label. Each can be turned off per repository (`[triggers]`).
 */
export const TRIGGER_KINDS = ['assign', 'mention', 'label'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** Where a comment the agent is forwarded was written. */
export const COMMENT_SOURCES = ['issue_comment', 'pr_comment', 'review_comment', 'review'] as const;
export type CommentSource = (typeof COMMENT_SOURCES)[number];

/** Kinds of the events a task workflow (the workflow) takes. */
export const TASK_EVENT_KINDS = [
  'issue.assigned',
  'issue.closed',
  'comment.posted',
  'ci.failed',
  'ci.flaked',
  'pr.moved',
  'pr.dequeued',
  'merge.ci-failed',
  'merge.reverted',
] as const;
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

/**
 * Kinds of the events a repository workflow takes: it stores the config of `config.push`
 * and routes every kind to the tasks of the agent pull requests concerned.
 */
export const REPO_EVENT_KINDS = [
  'route.comment',
  'route.ci',
  'config.push',
  'route.push',
  'route.dequeued',
  'route.merge-group',
  'route.merged',
  'route.reverted',
] as const;
export type RepoEventKind = (typeof REPO_EVENT_KINDS)[number];
