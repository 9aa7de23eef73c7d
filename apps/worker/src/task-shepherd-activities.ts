/**
 * The GitHub calls of the task's shepherd (the task workflow's `steps/mergeable.ts` and
 * `lanes/shepherd.ts`): does the agent's pull request still merge, which review threads are
 * open and unanswered, a review requested once it is ready, the branch updated from its base.
 * Activity bodies: small plain JSON in and out; errors leave through `withFailureMapping` in
 * `activities.ts`, which spreads these into the worker's activities.
 */
import { ExternalError } from '@code-factory/errors';
import {
  checksVerdict,
  type GitHubInstallation,
  type Mergeability,
  type ReviewThread,
} from '@code-factory/github';
import type { IssueRef, TaskActivities } from '@code-factory/workflows';
import { log } from '@temporalio/activity';
import type { ActivityDeps } from './activities';
import { awaitsAnswer, threadsToNudge } from './shepherd-rules';

/** Unanswered threads listed in one nudge at most. */
const MAX_NUDGE_THREADS = 20;

/**
 * Why the pull request is not ready for review yet, or null when it is (issue 26: not a draft,
 * and its required checks green): the checks on its head against those its base branch
 * requires (classic protection and rulesets); without any, every completed check must pass.
 */
async function whyNotReady(
  gh: GitHubInstallation,
  at: { owner: string; repo: string },
  read: Mergeability,
): Promise<string | null> {
  if (read.merged) return 'merged';
  if (read.draft) return 'a draft';
  const { checks, statusesRead } = await gh.commitChecks({ ...at, ref: read.headSha });
  if (!statusesRead) {
    log.warn('commit statuses refused (the App lacks Commit statuses: read); check runs only');
  }
  const required = await gh.requiredChecks({ ...at, branch: read.baseRef });
  const verdict = checksVerdict(checks, required);
  const which = required.length > 0 ? 'required checks' : 'checks';
  if (verdict.state === 'failing') return `${which} failing: ${verdict.failing.join(', ')}`;
  if (verdict.state === 'pending') return `${which} pending: ${verdict.pending.join(', ')}`;
  return null;
}

/** Files whose commits one ledger read looks up at most (one "List commits" call each). */
const MAX_PATHS_LOOKED_UP = 20;

/**
 * For each file with threads waiting (the first MAX_PATHS_LOOKED_UP), when the commits on the
 * head touching it since its oldest waiting thread were made: one "List commits" per file
 * (`sha` the head, `path`, `since`), which is cheaper than listing the pull request's commits
 * and then each commit's files. A head GitHub does not know (404) counts as no commits.
 */
async function commitTimesByPath(
  gh: GitHubInstallation,
  at: { owner: string; repo: string; headSha: string },
  waiting: ReviewThread[],
): Promise<Map<string, string[]>> {
  const oldest = new Map<string, string>();
  for (const thread of waiting) {
    const known = oldest.get(thread.path);
    if (known === undefined && oldest.size >= MAX_PATHS_LOOKED_UP) continue;
    if (known === undefined || Date.parse(thread.createdAt) < Date.parse(known)) {
      oldest.set(thread.path, thread.createdAt);
    }
  }
  const times = new Map<string, string[]>();
  let headKnown = Boolean(at.headSha);
  for (const [path, since] of oldest) {
    times.set(path, []);
    if (!headKnown || Number.isNaN(Date.parse(since))) continue;
    try {
      const commits = await gh.commitsTouching({ ...at, sha: at.headSha, path, since });
      times.set(
        path,
        commits.map((c) => c.committedAt),
      );
    } catch (err) {
      if (!(err instanceof ExternalError && err.kind === 'not_found')) throw err;
      log.warn('pull request head unknown to GitHub; threads counted as untouched', {
        headSha: at.headSha,
      });
      headKnown = false;
    }
  }
  return times;
}

type TaskShepherdActivities = Pick<
  TaskActivities,
  'checkMergeable' | 'readReviewThreads' | 'requestReview' | 'updatePullRequestBranch'
>;

/** What these activities use of the worker's dependencies. */
export type TaskShepherdDeps = Pick<ActivityDeps, 'github' | 'agentLogin'>;

const repo = (ref: IssueRef) => ({ owner: ref.repository.owner, repo: ref.repository.name });

export function taskShepherdActivities(deps: TaskShepherdDeps): TaskShepherdActivities {
  return {
    async checkMergeable(input) {
      const gh = deps.github.installation(input.installationId);
      const read = await gh.mergeability({ ...repo(input), number: input.pullNumber });
      let conflictFiles: string[] = [];
      if (read.state === 'dirty') {
        try {
          const base = { ...repo(input), base: read.baseSha, head: read.headSha };
          const ours = (await gh.compare(base)).files.map((f) => f.filename);
          const theirs = new Set(input.pushedFiles ?? ours);
          conflictFiles = ours.filter((file) => theirs.has(file)).slice(0, 50);
        } catch (err) {
          // The conflict is told without its files rather than not at all.
          log.warn('could not compare the pull request with its base', { error: `${err}` });
        }
      }
      return {
        state: read.state,
        mergeable: read.mergeable,
        merged: read.merged,
        baseRef: read.baseRef,
        baseSha: read.baseSha,
        headSha: read.headSha,
        conflictFiles,
      };
    },

    async readReviewThreads(input) {
      const gh = deps.github.installation(input.installationId);
      const { headSha, threads } = await gh.reviewThreads({
        ...repo(input),
        number: input.pullNumber,
      });
      // Issue 26: resolving or outdating a thread updates the count. An outdated thread's line
      // changed since (GitHub folds it away as "Outdated"): it no longer counts as open.
      const open = threads.filter((t) => !t.resolved && !t.outdated);
      const waiting = open.filter((t) => awaitsAnswer(t, deps.agentLogin));
      const commits = await commitTimesByPath(gh, { ...repo(input), headSha }, waiting);
      return {
        open: open.length,
        resolved: threads.filter((t) => t.resolved).length,
        unanswered: threadsToNudge(waiting, deps.agentLogin, (path) => commits.get(path))
          .slice(0, MAX_NUDGE_THREADS)
          .map(({ id, path, line, author, firstLine }) => ({ id, path, line, author, firstLine })),
      };
    },

    async requestReview(input) {
      const gh = deps.github.installation(input.installationId);
      // Its draft flag, head and base; whether it merges is not asked (no need to wait for it).
      const read = await gh.mergeability({ ...repo(input), number: input.pullNumber, tries: 1 });
      const notReady = await whyNotReady(gh, repo(input), read);
      if (notReady) return { requested: [], why: `not ready for review (${notReady})` };
      // The changed paths pick the CODEOWNERS; without them the assigner is asked.
      const paths = await gh
        .compare({ ...repo(input), base: read.baseSha, head: read.headSha })
        .then((changed) => changed.files.map((f) => f.filename))
        .catch((err: unknown) => {
          log.warn('changed paths unknown; asking the assigner', { error: `${err}` });
          return [] as string[];
        });
      const owners = await gh.codeOwners({ ...repo(input), paths, ref: read.baseRef });
      const logins = owners.logins.filter((l) => l.toLowerCase() !== deps.agentLogin.toLowerCase());
      const fromOwners = logins.length > 0 || owners.teams.length > 0;
      const reviewers = fromOwners ? logins : [input.assigner];
      const answer = await gh.requestReviewers({
        ...repo(input),
        number: input.pullNumber,
        reviewers,
        ...(fromOwners ? { teams: owners.teams } : {}),
      });
      if (!answer.ok) return { requested: [], why: answer.reason };
      return { requested: [...reviewers.map((r) => `@${r}`), ...owners.teams.map((t) => `@${t}`)] };
    },

    async updatePullRequestBranch(input) {
      const answer = await deps.github.installation(input.installationId).updateBranch({
        ...repo(input),
        number: input.pullNumber,
        expectedHeadSha: input.expectedHeadSha,
      });
      return answer.ok ? { updated: true } : { updated: false, reason: answer.reason };
    },
  };
}
