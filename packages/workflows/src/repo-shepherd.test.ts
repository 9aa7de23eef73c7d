import { describe, expect, it } from 'vitest';
import {
  DEQUEUE_WINDOW_MS,
  emptyRepoShepherd,
  flakes,
  linkedTask,
  MAX_RERUNS_REMEMBERED,
  RepoShepherd,
  rerunLimit,
  triageFailure,
} from './repo-shepherd';

const pull = { number: 7, url: 'https://github.com/acme/widgets/pull/7', issueNumbers: [3] };

describe('re-run or tell the agent', () => {
  it('re-runs while the attempt is within rerun_failed_jobs, then tells', () => {
    expect(triageFailure(1, 1)).toBe('rerun');
    expect(triageFailure(2, 1)).toBe('forward');
    expect(triageFailure(2, 3)).toBe('rerun');
    expect(triageFailure(4, 3)).toBe('forward');
    // 0 turns re-runs off: the first failure is told.
    expect(triageFailure(1, 0)).toBe('forward');
  });

  it('reads the limit from the stored config, one re-run when it says nothing', () => {
    expect(rerunLimit(null)).toBe(1);
    expect(rerunLimit({})).toBe(1);
    expect(rerunLimit({ shepherd: { update_branch: true } })).toBe(1);
    expect(rerunLimit({ shepherd: { rerun_failed_jobs: 0 } })).toBe(0);
    expect(rerunLimit({ shepherd: { rerun_failed_jobs: 3 } })).toBe(3);
  });
});

describe('what counts as a flake', () => {
  it('is a job that failed in an earlier attempt and did not fail in the latest', () => {
    expect(flakes([['unit-tests']], [])).toEqual(['unit-tests']);
    expect(flakes([['unit-tests', 'lint']], ['lint'])).toEqual(['unit-tests']);
  });

  it('counts each job once over several attempts, in the order they first failed', () => {
    expect(
      flakes(
        [
          ['e2e', 'unit'],
          ['unit', 'lint'],
        ],
        [],
      ),
    ).toEqual(['e2e', 'unit', 'lint']);
  });

  it('is nothing when nothing failed before, or everything still fails', () => {
    expect(flakes([], [])).toEqual([]);
    expect(flakes([['e2e']], ['e2e'])).toEqual([]);
  });
});

describe('RepoShepherd: runs re-run', () => {
  it('remembers a re-run until the run ends, and knows a repeated failure', () => {
    const shepherd = new RepoShepherd(emptyRepoShepherd());
    shepherd.rerun({ runId: 5, attempt: 1, pulls: [pull] });
    expect(shepherd.reranAlready(5, 1)).toBe(true);
    expect(shepherd.reranAlready(5, 2)).toBe(false);
    expect(shepherd.reranAlready(6, 1)).toBe(false);
    // A second re-run of the same run replaces the first.
    shepherd.rerun({ runId: 5, attempt: 2, pulls: [pull] });
    expect(shepherd.state.reruns).toEqual([{ runId: 5, attempt: 2, pulls: [pull] }]);
    expect(shepherd.ended(5)).toMatchObject({ attempt: 2 });
    expect(shepherd.ended(5)).toBeUndefined();
    expect(shepherd.state.reruns).toEqual([]);
  });

  it('forgets the oldest past its bound', () => {
    const shepherd = new RepoShepherd(emptyRepoShepherd());
    for (let id = 1; id <= MAX_RERUNS_REMEMBERED + 5; id++) {
      shepherd.rerun({ runId: id, attempt: 1, pulls: [] });
    }
    expect(shepherd.state.reruns).toHaveLength(MAX_RERUNS_REMEMBERED);
    expect(shepherd.reranAlready(5, 1)).toBe(false);
    expect(shepherd.reranAlready(6, 1)).toBe(true);
  });
});

describe('RepoShepherd: one merge-queue exit, one message', () => {
  const t0 = 1_000_000;

  it('tells the checks after the reason, but not the reason after the checks', () => {
    const a = new RepoShepherd(emptyRepoShepherd());
    expect(a.dequeueIsNews(7, t0, false)).toBe(true);
    a.dequeueTold(7, t0, false);
    expect(a.dequeueIsNews(7, t0 + 1000, false)).toBe(false);
    expect(a.dequeueIsNews(7, t0 + 1000, true)).toBe(true);

    const b = new RepoShepherd(emptyRepoShepherd());
    b.dequeueTold(7, t0, true);
    expect(b.dequeueIsNews(7, t0 + 1000, false)).toBe(false);
    expect(b.dequeueIsNews(7, t0 + 1000, true)).toBe(false);
    expect(b.dequeueIsNews(8, t0 + 1000, false)).toBe(true);
  });

  it('treats an exit after the window as a new one, and forgets old exits', () => {
    const shepherd = new RepoShepherd(emptyRepoShepherd());
    shepherd.dequeueTold(7, t0, true);
    expect(shepherd.dequeueIsNews(7, t0 + DEQUEUE_WINDOW_MS, false)).toBe(true);
    shepherd.dequeueTold(8, t0 + DEQUEUE_WINDOW_MS, false);
    expect(shepherd.state.dequeues.map((d) => d.pullRequest)).toEqual([8]);
  });
});

describe('linkedTask', () => {
  it('is the issue number, with its repository when another one', () => {
    expect(linkedTask(3)).toEqual({ issueNumber: 3 });
    expect(linkedTask({ owner: 'o', name: 'r', number: 4 })).toEqual({
      issueNumber: 4,
      issueRepository: { owner: 'o', name: 'r' },
    });
  });
});
