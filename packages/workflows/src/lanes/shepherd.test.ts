import { describe, expect, it } from 'vitest';
import type { ShepherdSettings } from '../activities';
import type { TaskRun } from '../task/run';
import { running } from '../test-fixtures';
import { nextDue, pullRequestOf } from './shepherd';

const shepherd: ShepherdSettings = {
  updateBranch: false,
  rerunFailedJobs: 1,
  ignoreBaseFailures: false,
  threadNudgeAfterMs: 1_800_000,
  reviewReminderAfterMs: 86_400_000,
  waitingReminderAfterMs: 14_400_000,
  releaseAfterIdleMs: null,
};

/** What `nextDue` reads of a run: its lifecycle and settings. */
function runOf(task = running(), settings: Partial<ShepherdSettings> = {}) {
  return {
    task,
    input: { repository: { owner: 'acme', name: 'widgets' } },
    settings: { shepherd: { ...shepherd, ...settings } },
  } as unknown as TaskRun;
}

const PR = 'https://github.com/acme/widgets/pull/3';

describe('when a reminder is due', () => {
  it('nothing without a pull request, an agent waiting for a person, or the idle release', () => {
    expect(nextDue(runOf())).toBeNull();
  });

  it('the review reminder counts from the pull request, until reviewers were asked', () => {
    const run = runOf();
    run.task.live.observe({
      chatId: 'chat-1',
      status: 'waiting',
      readiness: 'ready',
      pullRequest: { url: PR },
    });
    run.task.shepherd.pullRequestKnown(1_000);
    expect(pullRequestOf(run)).toEqual({
      number: 3,
      url: PR,
      repository: { owner: 'acme', name: 'widgets' },
    });
    expect(nextDue(run)).toEqual({ what: 'review', at: 1_000 + 86_400_000 });
    run.task.shepherd.reviewRequested(3, ['@lead'], 2_000);
    expect(nextDue(run)).toBeNull();
  });

  it('the earliest of the waiting reminder and the idle release wins; a parked task has none', () => {
    const run = runOf(running(), { releaseAfterIdleMs: 60_000 });
    run.task.live.observe({ chatId: 'chat-1', status: 'requires_action', readiness: 'blocked' });
    run.task.shepherd.readiness('blocked', 5_000);
    run.task.shepherd.active(5_000);
    expect(nextDue(run)).toEqual({ what: 'waiting', at: 5_000 + 14_400_000 });
    run.task.shepherd.waitingReminded();
    expect(nextDue(run)).toBeNull();
    run.task.live.observe({ chatId: 'chat-1', status: 'waiting', readiness: 'ready' });
    run.task.shepherd.readiness('ready', 6_000);
    run.task.shepherd.active(6_000);
    expect(nextDue(run)).toEqual({ what: 'idle', at: 66_000 });
    run.task.forwarding();
    run.task.failed('deliver', 'no');
    expect(nextDue(run)).toBeNull();
  });
});
