/**
 * The follow-through's rule for a failed run at a merge commit (issue 27, part 2), as a plain
 * function: a job failing there is a regression of the merge only when a job of the same
 * workflow and name succeeded at the merge's first parent; one that failed there too, or did
 * not run or pass there, was broken before (or cannot be told apart) and does not count.
 * Unit-tested in `follow-rules.test.ts`; the activity in `follow-activities.ts`.
 */
import type { UncountedJob } from '@code-factory/messages';

/** A job of a run, keyed by its workflow's file (a name may be shared) and its own name. */
export interface JobAt {
  /** `.github/workflows/ci.yml` */
  workflowPath: string;
  workflowName: string;
  name: string;
  conclusion: string | null;
}

const FAILED = new Set(['failure', 'timed_out']);
const key = (job: JobAt) => `${job.workflowPath}\u0000${job.name}`;

export function isFailed(job: Pick<JobAt, 'conclusion'>): boolean {
  return job.conclusion !== null && FAILED.has(job.conclusion);
}

/** The failing jobs at the merge commit that count, and those that do not with why. */
export function regressedJobs<J extends JobAt>(
  atMerge: readonly J[],
  atParent: readonly JobAt[],
): { counted: J[]; uncounted: UncountedJob[] } {
  const passed = new Set(atParent.filter((j) => j.conclusion === 'success').map(key));
  const failed = new Set(atParent.filter(isFailed).map(key));
  const counted: J[] = [];
  const uncounted: UncountedJob[] = [];
  const seen = new Set<string>();
  for (const job of atMerge.filter(isFailed)) {
    if (seen.has(key(job))) continue;
    seen.add(key(job));
    if (passed.has(key(job))) counted.push(job);
    else {
      uncounted.push({
        workflow: job.workflowName,
        name: job.name,
        why: failed.has(key(job)) ? 'failed-at-parent' : 'not-green-at-parent',
      });
    }
  }
  return { counted, uncounted };
}
