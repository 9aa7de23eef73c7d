import { describe, expect, it } from 'vitest';
import type { RegressionCheck } from '../follow-activities';
import {
  agent,
  assignment,
  comment,
  following,
  repository,
  running,
  watch,
} from '../test-fixtures';
import { IllegalTransition } from '.';

const base = { receivedAt: '2026-12-07T12:00:00Z', repository, issueNumber: 1, installationId: 7 };
const pullRequest = { number: 12, url: 'https://github.com/acme/widgets/pull/12' };
const run = {
  id: 5,
  name: 'CI',
  path: '.github/workflows/ci.yml',
  url: 'https://github.com/acme/widgets/actions/runs/5',
  headSha: watch.sha,
};
const failed = (deliveryId: string, sha = watch.sha) => ({
  ...base,
  deliveryId,
  kind: 'merge.ci-failed' as const,
  sha,
  pullRequest,
  run: { ...run, headSha: sha },
});
const reverted = (deliveryId: string) => ({
  ...base,
  deliveryId,
  kind: 'merge.reverted' as const,
  sha: watch.sha,
  pullRequest,
  revert: { by: 'commit' as const, url: 'https://github.com/acme/widgets/commit/e1e1e1e' },
});
const job = {
  workflow: 'CI',
  name: 'unit-tests',
  url: 'https://github.com/acme/widgets/actions/runs/5/job/52',
  runUrl: run.url,
  logTail: 'FAIL',
};
const check = (over: Partial<RegressionCheck> = {}): RegressionCheck => ({
  parentSha: 'b'.repeat(40),
  runs: [5],
  jobs: [job],
  uncounted: [],
  ...over,
});

describe('following a merge', () => {
  it('begins after the close: the close request is done, and a continued run keeps watching', () => {
    const task = following();
    expect(task.phase).toBe('following');
    expect(task.closeRequested).toBe(false);
    expect(task.follow.watch).toMatchObject({ sha: watch.sha, branch: 'main', until: 1_000_000 });
    expect(task.carry().phase).toBe('following');
    expect(task.follow.watchedBefore(watch.sha)).toBe(true);
    expect(() => running().beginFollowing(watch)).toThrow(IllegalTransition);
  });

  it('takes what the watch acts on and drops the rest, as a closed task would', () => {
    const task = following();
    expect(task.accept(failed('f1'))).toMatchObject({ outcome: 'accepted' });
    expect(task.accept(reverted('r1'))).toMatchObject({ outcome: 'accepted' });
    expect(task.accept(failed('f2', 'c0ffee0'.padEnd(40, '0')))).toEqual({
      outcome: 'ignored',
      reason: 'another merge than the one watched',
    });
    expect(task.accept(comment('c3'))).toMatchObject({ outcome: 'ignored' });
    expect(task.accept({ ...comment('c4'), body: '/agent release' })).toMatchObject({
      outcome: 'command',
    });
    expect(task.accept({ ...assignment('a5'), kind: 'issue.closed' })).toMatchObject({
      outcome: 'ignored',
    });
    expect(task.accept(assignment('a6'))).toMatchObject({ outcome: 'accepted' });
    expect(task.state.inbox.map((i) => i.kind)).toEqual([
      'merge.ci-failed',
      'merge.reverted',
      'issue.assigned',
    ]);
    // Nothing was queued for the agent: no 👀 for a comment nobody reads.
    expect(task.state.pendingReactions).toEqual([]);
    expect(task.state.counts.skipped).toBe(3);
  });

  it('ignores what concerns a merge when it watches none', () => {
    const task = running();
    expect(task.accept(failed('f1'))).toEqual({
      outcome: 'ignored',
      reason: 'no merge of this issue is watched now',
    });
    expect(task.state.inbox).toEqual([]);
  });

  it('reads each failed run once, and none after a regression was told', () => {
    const task = following();
    expect(task.follow.worthChecking(5)).toBe(true);
    const notYet = check({
      jobs: [],
      runs: [5, 6],
      uncounted: [{ workflow: 'CI', name: 'lint', why: 'failed-at-parent' }],
    });
    task.follow.checked(5, notYet);
    expect(task.follow.regressionOf(notYet)).toBeNull();
    expect(task.follow.worthChecking(5)).toBe(false);
    expect(task.follow.worthChecking(6)).toBe(false);
    expect(task.follow.worthChecking(7)).toBe(true);
    task.follow.checked(7, { ...notYet, runs: [7] });
    expect(task.follow.watch?.uncounted).toHaveLength(1);
    const regression = task.follow.regressionOf(check({ runs: [7] }));
    expect(regression).toEqual({
      pullRequest,
      sha: watch.sha,
      branch: 'main',
      parentSha: 'b'.repeat(40),
      jobs: [job],
    });
    if (regression) task.follow.told(regression);
    expect(task.follow.worthChecking(8)).toBe(false);
  });

  it('starts again for a regression: a new agent by the same requester, the failure its first lines', () => {
    const task = following();
    const regression = task.follow.regressionOf(check());
    if (!regression) throw new Error('a regression');
    task.startAgain({ ...assignment('follow-through-1'), receivedAt: base.receivedAt }, regression);
    expect(task.phase).toBe('requested');
    expect(task.state).toMatchObject({
      agent: null,
      live: null,
      pullRequestUrl: null,
      follow: null,
      followUp: regression,
      inbox: [
        { kind: 'issue.assigned', deliveryId: 'follow-through-1', sender: { login: 'lead' } },
      ],
    });
    // The next run starts it; once the agent exists its brief carried the follow-up.
    task.assign(assignment('follow-through-1'));
    task.started({ agent: { ...agent, id: 'chat-2' } });
    expect(task.follow.followUp).toBeNull();
  });

  it('ends: closed, and nothing more is taken', () => {
    const task = following();
    task.followEnded();
    expect(task.phase).toBe('closed');
    expect(task.accept(failed('f1'))).toEqual({ outcome: 'closed' });
  });
});
