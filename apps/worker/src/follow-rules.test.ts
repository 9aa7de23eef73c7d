import { describe, expect, it } from 'vitest';
import { type JobAt, regressedJobs } from './follow-rules';

const job = (
  name: string,
  conclusion: string | null,
  workflowPath = '.github/workflows/ci.yml',
): JobAt => ({
  workflowPath,
  workflowName: workflowPath.includes('ci') ? 'CI' : 'Lint',
  name,
  conclusion,
});

describe('which failing jobs at a merge commit count as its regression', () => {
  it('counts a job that failed at the merge and succeeded at its parent', () => {
    const merge = [job('unit-tests', 'failure'), job('build', 'success')];
    const parent = [job('unit-tests', 'success'), job('build', 'success')];
    expect(regressedJobs(merge, parent)).toEqual({ counted: [merge[0]], uncounted: [] });
  });

  it('does not count a job that failed at the parent too, or did not pass there', () => {
    const merge = [
      job('unit-tests', 'failure'),
      job('e2e', 'timed_out'),
      job('new-job', 'failure'),
    ];
    const parent = [job('unit-tests', 'failure'), job('e2e', 'cancelled')];
    expect(regressedJobs(merge, parent)).toEqual({
      counted: [],
      uncounted: [
        { workflow: 'CI', name: 'unit-tests', why: 'failed-at-parent' },
        { workflow: 'CI', name: 'e2e', why: 'not-green-at-parent' },
        { workflow: 'CI', name: 'new-job', why: 'not-green-at-parent' },
      ],
    });
  });

  it('matches on the workflow too: a job of the same name in another workflow is another job', () => {
    const merge = [job('check', 'failure', '.github/workflows/lint.yml')];
    const parent = [job('check', 'success', '.github/workflows/ci.yml')];
    expect(regressedJobs(merge, parent).counted).toEqual([]);
  });

  it('counts a job once though several runs of its workflow failed it, and reads a pass among failures at the parent', () => {
    const merge = [job('unit-tests', 'failure'), job('unit-tests', 'failure')];
    const parent = [job('unit-tests', 'failure'), job('unit-tests', 'success')];
    expect(regressedJobs(merge, parent).counted).toHaveLength(1);
  });

  it('ignores jobs that passed, were skipped or cancelled at the merge', () => {
    const merge = [job('a', 'success'), job('b', 'skipped'), job('c', 'cancelled'), job('d', null)];
    expect(regressedJobs(merge, merge)).toEqual({ counted: [], uncounted: [] });
  });
});
