/**
 * `push`: a push to a branch moves the agent pull requests based on it (`base`) or made from
 * it (`head`); the repository workflow finds them and the task asks whether each still merges.
 * A push to the default branch is a `config.push` (it may change `.code-factory/config.toml`,
 * which is stored from there) that is routed the same way, with the commits its commits revert
 * ("This reverts commit <sha>", for the follow-through after a merge); any other branch's is a
 * `route.push`. Payload: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 * (`ref`, `after`, `created`, `deleted`, and at most 20 `commits` with their files).
 */
import { MAX_PUSHED_REVERTS, type PushedRevert } from '@code-factory/events';
import { z } from 'zod';
import { webhook } from './handler';

const Commit = z.object({
  added: z.array(z.string()).optional(),
  modified: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
  message: z.string().optional(),
  /** The commit's page. */
  url: z.url().optional(),
});

const Payload = z.object({
  ref: z.string(),
  after: z.string(),
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  repository: z.object({ default_branch: z.string().min(1) }),
  commits: z.array(Commit).nullish(),
});

/** GitHub lists at most this many commits in a push payload; more means we cannot tell. */
const PUSH_COMMITS_LISTED = 20;
/** `pr.moved` carries at most this many files; a longer list is left out (the task reads them). */
const MAX_FILES = 300;
const CONFIG_FILE = '.code-factory/config.toml';
const ZERO_SHA = /^0+$/;
const BRANCH_REF = /^refs\/heads\/(.+)$/;
/** The merge queue's own branches (`gh-readonly-queue/<base>/pr-<n>-<sha>`): no pull request's. */
const MERGE_QUEUE_BRANCH = /^gh-readonly-queue\//;

/** What `git revert` (and GitHub's revert button) writes in a revert's message. */
const REVERTS_COMMIT = /This reverts commit ([0-9a-f]{7,64})/gi;

/**
 * The commits a push's commits revert, with the page of the commit that does: what the
 * follow-through after a merge looks for on the default branch.
 */
function pushedReverts(commits: z.infer<typeof Commit>[] | null | undefined): PushedRevert[] {
  const reverts: PushedRevert[] = [];
  for (const commit of commits ?? []) {
    if (!commit.message || !commit.url) continue;
    for (const [, sha = ''] of commit.message.matchAll(REVERTS_COMMIT)) {
      if (reverts.length < MAX_PUSHED_REVERTS)
        reverts.push({ sha: sha.toLowerCase(), url: commit.url });
    }
  }
  return reverts;
}

/** The files the pushed commits change; undefined when the payload cannot list them all. */
function pushedFiles(commits: z.infer<typeof Commit>[] | null | undefined): string[] | undefined {
  if (!commits || commits.length === 0 || commits.length >= PUSH_COMMITS_LISTED) return undefined;
  const files = new Set(
    commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]),
  );
  return files.size <= MAX_FILES ? [...files] : undefined;
}

export const push = webhook({
  event: 'push',
  payload: Payload,
  classify(pushed, _ctx, base) {
    const branch = BRANCH_REF.exec(pushed.ref)?.[1];
    if (branch === undefined) return { action: 'skip', reason: 'push not to a branch' };
    if (pushed.deleted === true || ZERO_SHA.test(pushed.after)) {
      return { action: 'skip', reason: 'push deletes the branch' };
    }
    const files = pushedFiles(pushed.commits);
    const listed = files !== undefined ? { files } : {};
    if (branch === pushed.repository.default_branch) {
      const reverts = pushedReverts(pushed.commits);
      return {
        action: 'route',
        event: {
          ...base,
          kind: 'config.push',
          sha: pushed.after,
          ...(files !== undefined ? { touchesConfig: files.includes(CONFIG_FILE) } : {}),
          branch,
          ...listed,
          ...(reverts.length > 0 ? { reverts } : {}),
        },
      };
    }
    if (MERGE_QUEUE_BRANCH.test(branch)) {
      return { action: 'skip', reason: 'push to a merge queue branch' };
    }
    // A branch that did not exist has no pull request on it yet.
    if (pushed.created === true) return { action: 'skip', reason: 'push creates the branch' };
    return {
      action: 'route',
      event: { ...base, kind: 'route.push', sha: pushed.after, branch, ...listed },
    };
  },
});
