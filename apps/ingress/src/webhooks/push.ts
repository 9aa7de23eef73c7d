/** `push`: a push to the default branch may change `.code-factory/config.toml`. */
import { z } from 'zod';
import { webhook } from './handler';

const Commit = z.object({
  added: z.array(z.string()).optional(),
  modified: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
});

const Payload = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: z.object({ default_branch: z.string().min(1) }),
  commits: z.array(Commit).nullish(),
});

/** GitHub lists at most this many commits in a push payload; more means we cannot tell. */
const PUSH_COMMITS_LISTED = 20;
const CONFIG_FILE = '.code-factory/config.toml';
const ZERO_SHA = /^0+$/;

/** Whether the pushed commits change the config file; undefined when the payload cannot tell. */
function touchesConfig(commits: z.infer<typeof Commit>[] | null | undefined) {
  if (!commits || commits.length === 0 || commits.length >= PUSH_COMMITS_LISTED) return undefined;
  return commits.some((c) =>
    [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_FILE),
  );
}

export const push = webhook({
  event: 'push',
  payload: Payload,
  classify(pushed, _ctx, base) {
    if (pushed.ref !== `refs/heads/${pushed.repository.default_branch}`) {
      return { action: 'skip', reason: 'push not to the default branch' };
    }
    if (pushed.deleted === true || ZERO_SHA.test(pushed.after)) {
      return { action: 'skip', reason: 'push deletes the branch' };
    }
    const touches = touchesConfig(pushed.commits);
    return {
      action: 'route',
      event: {
        ...base,
        kind: 'config.push',
        sha: pushed.after,
        ...(touches !== undefined ? { touchesConfig: touches } : {}),
      },
    };
  },
});
