/**
 * GitHub's side of a failed run of an agent pull request, as the shepherd meets it: attempt 1
 * fails, the repository workflow asks for a re-run of the failed jobs, the re-run ends, and
 * GitHub delivers `workflow_run.completed` for each attempt.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import type { Stack } from '@code-factory/testkit/stack';
import { expect } from 'vitest';

/** A re-run job's conclusion as the fake GitHub's `completeRerun` takes it. */
type JobConclusion = NonNullable<Parameters<Stack['github']['completeRerun']>[3]>[string];

/**
 * Delivers the failure of attempt 1, waits for the re-run the product asks for, ends it with
 * `rerun` (each re-run job's conclusion; default success) and delivers attempt 2.
 */
export async function failAndRerun(
  stack: Stack,
  run: { runId: number; headSha: string },
  rerun: Record<string, JobConclusion> = {},
): Promise<void> {
  const { owner, name: repo } = stack.repo;
  const deliver = async (runAttempt: number, conclusion: 'failure' | 'success') => {
    const payload = samplePayloads.workflowRunCompleted({
      owner,
      repo,
      ...run,
      pullRequests: [],
      runAttempt,
      conclusion,
    });
    const res = await stack.deliver('workflow_run', payload);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  };
  await deliver(1, 'failure');
  await until(
    () => stack.github.runAttempt(owner, repo, run.runId).runAttempt === 2,
    `run ${run.runId}: the failed jobs re-run`,
  );
  stack.github.completeRerun(owner, repo, run.runId, rerun);
  const { conclusion } = stack.github.runAttempt(owner, repo, run.runId);
  await deliver(2, conclusion === 'success' ? 'success' : 'failure');
}
