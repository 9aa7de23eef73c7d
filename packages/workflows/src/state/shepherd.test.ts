import { describe, expect, it } from 'vitest';
import { running } from '../test-fixtures';

const flaked = (jobs: string[], runId = 9) => ({
  kind: 'ci.flaked' as const,
  deliveryId: `flake-${runId}-${jobs.join()}`,
  receivedAt: '2026-12-07T12:00:00Z',
  repository: { owner: 'acme', name: 'widgets' },
  issueNumber: 1,
  installationId: 7,
  pullRequest: { number: 3, url: 'https://github.com/acme/widgets/pull/3' },
  run: { id: runId, name: 'CI', path: 'ci.yml', url: 'https://x/runs/9', headSha: 'a'.repeat(40) },
  jobs,
});

describe('the shepherd ledger', () => {
  it('keeps flaky jobs for the status comment, never in the inbox, bounded', () => {
    const task = running();
    expect(task.accept(flaked(['unit-tests'])).outcome).toBe('accepted');
    expect(task.state.inbox).toHaveLength(0);
    expect(task.state.shepherd.flakes).toEqual([{ job: 'unit-tests', workflow: 'CI', runId: 9 }]);
    expect(task.live.liveEditDue).toBe(true);
    for (let i = 0; i < 30; i++) task.accept(flaked([`job-${i}`], 100 + i));
    expect(task.state.shepherd.flakes).toHaveLength(20);
    expect(task.state.shepherd.flakes.at(-1)?.job).toBe('job-29');
  });

  it('tells a base commit once', () => {
    const task = running();
    expect(task.shepherd.tell('3@abc')).toBe(true);
    expect(task.shepherd.tell('3@abc')).toBe(false);
    expect(task.shepherd.tell('3@def')).toBe(true);
  });

  it('nudges about unanswered threads once per set, again for a new thread or after the window', () => {
    const task = running();
    const hour = 3_600_000;
    expect(task.shepherd.nudgeDue([], 0, hour)).toBe(false);
    expect(task.shepherd.nudgeDue(['b', 'a'], 0, hour)).toBe(true);
    expect(task.shepherd.nudgeDue(['a', 'b'], 1_000, hour)).toBe(false);
    // One answered meanwhile: a subset is not news.
    expect(task.shepherd.nudgeDue(['a'], 2_000, hour)).toBe(false);
    // A new thread is.
    expect(task.shepherd.nudgeDue(['a', 'c'], 3_000, hour)).toBe(true);
    // The same set after the window.
    expect(task.shepherd.nudgeDue(['a', 'c'], 3_000 + hour, hour)).toBe(true);
  });

  it('times a wait for a person from when it starts, and a review from the latest one', () => {
    const task = running();
    task.shepherd.readiness('blocked', 100);
    task.shepherd.readiness('blocked', 200);
    expect(task.state.shepherd.blockedSince).toBe(100);
    task.shepherd.waitingReminded();
    expect(task.state.shepherd.waitingReminded).toBe(100);
    task.shepherd.readiness('busy', 300);
    expect(task.state.shepherd.blockedSince).toBeNull();
    // No pull request yet: a review changes nothing; then the clock starts and restarts.
    task.shepherd.reviewed(400);
    expect(task.state.shepherd.reviewClockFrom).toBeNull();
    task.shepherd.pullRequestKnown(500);
    task.shepherd.pullRequestKnown(600);
    expect(task.state.shepherd.reviewClockFrom).toBe(500);
    task.shepherd.reviewed(700);
    expect(task.state.shepherd.reviewClockFrom).toBe(700);
  });

  it('shows a conflict until it is gone, saying when that changed', () => {
    const task = running();
    const conflict = { pullRequest: 3, base: 'main', sha: 'abc' };
    expect(task.shepherd.setConflict(conflict)).toBe(true);
    expect(task.shepherd.setConflict({ ...conflict })).toBe(false);
    expect(task.shepherd.setConflict(null)).toBe(true);
    expect(task.shepherd.setThreads({ open: 2, resolved: 1 })).toBe(true);
    expect(task.shepherd.setThreads({ open: 2, resolved: 1 })).toBe(false);
  });
});
