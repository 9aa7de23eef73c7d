/**
 * Signal input checks the workflows own: the same rules as the zod schemas in
 * `@code-factory/events` (which the ingress and activities use at the edges), made of the
 * zod-free checks in `checks.ts` so the workflow bundle stays small.
 *
 * `guards.test.ts` holds both to the same answers on the same inputs, so the two cannot drift.
 */
import type { RepoEvent, TaskEvent } from '@code-factory/events';
import { COMMENT_SOURCES, TRIGGER_KINDS } from '@code-factory/events/kinds';
import {
  array,
  boolean,
  type Check,
  type Checked,
  checked,
  datetime,
  fail,
  Invalid,
  int,
  literal,
  nullable,
  object,
  positiveInt,
  string,
  union,
  url,
} from './checks';

export type { Checked } from './checks';

const repository = object({ owner: string(1), name: string(1) });
const actor = object({ login: string(1), id: positiveInt });
const pullRequestRef = object({ number: positiveInt, url });

const base = {
  deliveryId: string(1, 200),
  receivedAt: datetime,
  repository,
  installationId: positiveInt,
};
const issueBase = { ...base, issueNumber: positiveInt };

const run = object({ id: positiveInt, name: string(), path: string(), url, headSha: string(7) });

const commentFields = {
  kind: literal('comment.posted'),
  source: literal(...COMMENT_SOURCES),
  commentId: positiveInt,
  edited: boolean,
  author: actor,
  body: string(),
  url,
  createdAt: string(),
};
const commentOptional = {
  pullRequest: pullRequestRef,
  file: object({ path: string(), line: nullable(int) }),
  authorAssociation: string(0, 50),
  untrusted: boolean,
};

/** MAX_PUSHED_REVERTS of `@code-factory/events`. */
const MAX_PUSHED_REVERTS = 20;

/** MAX_MENTION_TEXT of `@code-factory/events`. */
const mentionLine = string(1, 2_000);

const TASK_EVENTS: Record<TaskEvent['kind'], Check<unknown>> = {
  'issue.assigned': object(
    {
      ...issueBase,
      kind: literal('issue.assigned'),
      issue: object({ title: string(), url }),
      sender: actor,
    },
    {
      origin: literal('repo-config'),
      trigger: literal(...TRIGGER_KINDS),
      label: string(1, 100),
      mention: object({ line: mentionLine, url }, { association: string(0, 50), edited: boolean }),
    },
  ),
  'issue.closed': object({ ...issueBase, kind: literal('issue.closed'), sender: actor }),
  'comment.posted': object(
    { ...issueBase, ...commentFields },
    {
      ...commentOptional,
      issueRepository: repository,
      mention: object({ line: mentionLine, issue: object({ title: string(), url }) }),
    },
  ),
  'ci.failed': object(
    { ...issueBase, kind: literal('ci.failed'), pullRequest: pullRequestRef, run },
    { issueRepository: repository, attempt: positiveInt },
  ),
  'ci.flaked': object(
    {
      ...issueBase,
      kind: literal('ci.flaked'),
      pullRequest: pullRequestRef,
      run,
      jobs: array(string(), 50),
    },
    { issueRepository: repository },
  ),
  'pr.moved': object(
    {
      ...issueBase,
      kind: literal('pr.moved'),
      pullRequest: pullRequestRef,
      side: literal('base', 'head'),
      branch: string(1),
      sha: string(7),
    },
    { issueRepository: repository, files: array(string(), 300) },
  ),
  'pr.dequeued': object(
    {
      ...issueBase,
      kind: literal('pr.dequeued'),
      pullRequest: pullRequestRef,
      reason: string(0, 200),
    },
    {
      issueRepository: repository,
      failedChecks: array(object({ name: string(), url, logTail: string() }), 5),
    },
  ),
  'merge.ci-failed': object({
    ...issueBase,
    kind: literal('merge.ci-failed'),
    sha: string(7, 64),
    pullRequest: pullRequestRef,
    run,
  }),
  'merge.reverted': object({
    ...issueBase,
    kind: literal('merge.reverted'),
    sha: string(7, 64),
    pullRequest: pullRequestRef,
    revert: object({ by: literal('commit', 'pull-request'), url }),
  }),
};

const { issueNumber: _issue, ...pendingFields } = { ...issueBase, ...commentFields };

const REPO_EVENTS: Record<RepoEvent['kind'], Check<unknown>> = {
  'route.comment': object({
    ...base,
    kind: literal('route.comment'),
    pullRequestNumber: positiveInt,
    comment: object(pendingFields, commentOptional),
  }),
  'route.ci': object(
    {
      ...base,
      kind: literal('route.ci'),
      pullRequestNumbers: array(positiveInt),
      run,
      headBranch: string(),
    },
    { attempt: positiveInt, conclusion: literal('failure', 'success') },
  ),
  'config.push': object(
    { ...base, kind: literal('config.push'), sha: string(7) },
    {
      touchesConfig: boolean,
      branch: string(1),
      files: array(string(), 300),
      reverts: array(object({ sha: string(7, 64), url }), MAX_PUSHED_REVERTS),
    },
  ),
  'route.push': object(
    { ...base, kind: literal('route.push'), sha: string(7), branch: string(1) },
    { files: array(string(), 300) },
  ),
  'route.dequeued': object({
    ...base,
    kind: literal('route.dequeued'),
    pullRequest: pullRequestRef,
    reason: string(0, 200),
  }),
  'route.merge-group': object({
    ...base,
    kind: literal('route.merge-group'),
    pullRequestNumber: positiveInt,
    headSha: string(7),
  }),
  'route.merged': object({
    ...base,
    kind: literal('route.merged'),
    pullRequest: pullRequestRef,
    mergeCommitSha: string(7, 64),
    baseBranch: string(1),
  }),
  'route.reverted': object({
    ...base,
    kind: literal('route.reverted'),
    pullRequest: pullRequestRef,
    reverts: positiveInt,
  }),
};

/** A `TaskEvent` from a signal, or why not (path and problem, never the value). */
export function checkTaskEvent(raw: unknown): Checked<TaskEvent> {
  return union<TaskEvent>(TASK_EVENTS, raw);
}

/** A `RepoEvent` from a signal, or why not. */
export function checkRepoEvent(raw: unknown): Checked<RepoEvent> {
  return union<RepoEvent>(REPO_EVENTS, raw);
}

/** The operator's `sendMessage` input: trimmed text of 1..60 000 characters, an optional author. */
export function checkSendMessage(raw: unknown): Checked<{ text: string; author?: string }> {
  try {
    const input = object({ text: string() }, { author: string() })(raw, '');
    const text = input.text.trim();
    if (text.length < 1) fail('text', 'text must not be empty');
    if (text.length > 60_000) fail('text', 'expected at most 60000 characters');
    const author = input.author?.trim();
    if (author !== undefined && (author.length < 1 || author.length > 100)) {
      fail('author', 'expected 1 to 100 characters');
    }
    return { ok: true, value: { text, ...(author !== undefined ? { author } : {}) } };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/** A task workflow ID as the slots workflow keeps it: 1..255 characters (Temporal's ID cap). */
const taskId = string(1, 255);
/** A limit above this is a typo, not a plan; it is refused rather than stored. */
const MAX_SLOT_LIMIT = 100_000;
const slotLimit: Check<number> = (v, path) => {
  const n = positiveInt(v, path);
  if (n > MAX_SLOT_LIMIT) fail(path, `expected at most ${MAX_SLOT_LIMIT}`);
  return n;
};

/** The slots workflow's `acquireSlot` update input. */
export function checkAcquireSlot(raw: unknown): Checked<{ taskId: string; limit: number }> {
  return checked(object({ taskId, limit: slotLimit }), raw);
}

/** The slots workflow's `releaseSlot` signal input. */
export function checkReleaseSlot(raw: unknown): Checked<{ taskId: string }> {
  return checked(object({ taskId }), raw);
}

/** The task workflow's `stuckReminder` signal input (from the `stuck-tasks` schedule). */
export function checkStuckReminder(raw: unknown): Checked<{ phase: string; since: string }> {
  return checked(object({ phase: string(1, 64), since: datetime }), raw);
}
