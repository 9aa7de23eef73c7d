import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  parseRepoConfig,
  readDuration,
  repoConfigJsonSchema,
  withDefaults,
} from './index';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function shepherd(toml: string) {
  const parsed = parseRepoConfig(`[shepherd]\n${toml}`);
  if (!parsed.ok) throw new Error(`expected ok: ${parsed.errors.join('; ')}`);
  return { stored: parsed.config.shepherd, resolved: withDefaults(parsed.config).shepherd };
}

function errors(toml: string): string[] {
  const parsed = parseRepoConfig(`[shepherd]\n${toml}`);
  return parsed.ok ? [] : parsed.errors;
}

describe('[shepherd]', () => {
  it('reads every key, stores what was written and resolves durations to milliseconds', () => {
    const { stored, resolved } = shepherd(`
update_branch = true
rerun_failed_jobs = 3
ignore_base_failures = true
thread_nudge_after = "45m"
review_reminder_after = "2d"
waiting_reminder_after = " 90M "
release_after_idle = "14d"
watch_after_merge = "off"
reopen_on_regression = false
`);
    expect(stored).toEqual({
      update_branch: true,
      rerun_failed_jobs: 3,
      ignore_base_failures: true,
      thread_nudge_after: '45m',
      review_reminder_after: '2d',
      waiting_reminder_after: '90m',
      release_after_idle: '14d',
      watch_after_merge: 'off',
      reopen_on_regression: false,
    });
    expect(resolved).toEqual({
      updateBranch: true,
      rerunFailedJobs: 3,
      ignoreBaseFailures: true,
      threadNudgeAfterMs: 45 * 60_000,
      reviewReminderAfterMs: 2 * DAY,
      waitingReminderAfterMs: 90 * 60_000,
      releaseAfterIdleMs: 14 * DAY,
      watchAfterMergeMs: null,
      reopenOnRegression: false,
    });
  });

  it('keeps the table sparse and fills the rest with defaults', () => {
    const { stored, resolved } = shepherd('rerun_failed_jobs = 0');
    expect(stored).toEqual({ rerun_failed_jobs: 0 });
    expect(resolved).toMatchObject({
      rerunFailedJobs: 0,
      threadNudgeAfterMs: 30 * 60_000,
      reviewReminderAfterMs: DAY,
      waitingReminderAfterMs: 4 * HOUR,
      releaseAfterIdleMs: null,
      watchAfterMergeMs: DAY,
      reopenOnRegression: true,
    });
  });

  it('turns watch_after_merge off with "0" or "off", and release_after_idle with "off"', () => {
    expect(shepherd('watch_after_merge = "0"').resolved.watchAfterMergeMs).toBeNull();
    expect(shepherd('watch_after_merge = "OFF"').resolved.watchAfterMergeMs).toBeNull();
    expect(shepherd('release_after_idle = "off"').resolved.releaseAfterIdleMs).toBeNull();
  });

  it('refuses a bad rerun count, naming the key and the range', () => {
    for (const bad of ['4', '-1', '1.5']) {
      expect(errors(`rerun_failed_jobs = ${bad}`)).toEqual([
        expect.stringMatching(/^shepherd\.rerun_failed_jobs: must be a whole number from 0 to 3/),
      ]);
    }
  });

  it('refuses a duration without a unit, with an unknown unit, out of range, or not a string', () => {
    const refused: Array<[string, string]> = [
      [
        'thread_nudge_after = "30"',
        'shepherd.thread_nudge_after: must be a duration like 30m, 24h or 14d (units s, m, h, d, w)',
      ],
      [
        'thread_nudge_after = "3 fortnights"',
        'shepherd.thread_nudge_after: has an unknown unit: must be a duration like 30m, 24h or 14d (units s, m, h, d, w)',
      ],
      ['thread_nudge_after = "10s"', 'shepherd.thread_nudge_after: must be at least 1m'],
      ['review_reminder_after = "100d"', 'shepherd.review_reminder_after: must be at most 90d'],
      ['watch_after_merge = "200d"', 'shepherd.watch_after_merge: must be at most 90d (or "off")'],
      [
        'review_reminder_after = "off"',
        'shepherd.review_reminder_after: cannot be turned off; the smallest value is 1m',
      ],
      [
        'thread_nudge_after = 30',
        'shepherd.thread_nudge_after: must be a duration in quotes, like "30m", "24h" or "14d"',
      ],
    ];
    for (const [line, error] of refused) expect(errors(line), line).toEqual([error]);
  });

  it('never echoes the value it refuses', () => {
    const secretish = 'hunter2x';
    const all = errors(`thread_nudge_after = "${secretish}"\nrelease_after_idle = "9${secretish}"`);
    expect(all).toHaveLength(2);
    expect(all.join('\n')).not.toContain('hunter2');
  });

  it('reads and formats durations', () => {
    const range = { minMs: 60_000, maxMs: 90 * DAY, allowOff: true };
    expect(readDuration('30m', range)).toEqual({ ms: 30 * 60_000 });
    expect(readDuration('1w', range)).toEqual({ ms: 7 * DAY });
    expect(readDuration('120s', range)).toEqual({ ms: 120_000 });
    expect(readDuration('0', range)).toEqual({ off: true });
    expect(formatDuration(30 * 60_000)).toBe('30m');
    expect(formatDuration(DAY)).toBe('1d');
    expect(formatDuration(90 * 60_000)).toBe('90m');
  });

  it('shows the table and its defaults in the JSON Schema', () => {
    const schema = repoConfigJsonSchema() as {
      properties: { shepherd?: { properties?: Record<string, { default?: unknown }> } };
    };
    const props = schema.properties.shepherd?.properties ?? {};
    expect(props.rerun_failed_jobs?.default).toBe(1);
    expect(props.thread_nudge_after?.default).toBe('30m');
    expect(props.watch_after_merge?.default).toBe('24h');
    expect(props.reopen_on_regression?.default).toBe(true);
  });
});
