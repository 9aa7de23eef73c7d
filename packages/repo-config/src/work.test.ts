import { describe, expect, it } from 'vitest';
import {
  configLine,
  cronProblem,
  jobKey,
  MAX_SCHEDULED_JOBS,
  parseRepoConfig,
  splitConfigError,
} from './index';

const job = (name: string, schedule = '0 3 * * *') =>
  `[[scheduled_jobs]]\nname = "${name}"\nbranch = "main"\nschedule = "${schedule}"\nprompt = "Do it."\n`;

describe('scheduled jobs and failed-run hooks in the config', () => {
  it('accepts the usual cron forms and names the field that is wrong', () => {
    for (const ok of [
      '0 3 * * *',
      '*/15 * * * 1-5',
      '0 0 1,15 * *',
      '30 2 * jan-mar sun',
      '0 0 * * 7',
    ]) {
      expect(cronProblem(ok), ok).toBeNull();
    }
    expect(cronProblem('0 3 * *')).toBe('must be a cron expression with five fields');
    expect(cronProblem('61 * * * *')).toMatch(/^minute field must be/);
    expect(cronProblem('0 25 * * *')).toMatch(/^hour field must be/);
    expect(cronProblem('0 0 0 * *')).toMatch(/^day of month field/);
    expect(cronProblem('0 0 * 13 *')).toMatch(/^month field/);
    expect(cronProblem('0 0 * * funday')).toMatch(/^day of week field/);
    expect(cronProblem('0 0 5-1 * *')).toMatch(/^day of month field/);
    expect(cronProblem('*/0 * * * *')).toMatch(/^minute field/);
  });

  it('reports an unparsable cron by path, without the value', () => {
    const result = parseRepoConfig(job('nightly', 'every night at 3'));
    expect(result).toEqual({
      ok: false,
      errors: ['scheduled_jobs.0.schedule: must be a cron expression with five fields'],
    });
    const bad = parseRepoConfig(job('nightly', '99 3 * * *'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.join()).not.toContain('99');
  });

  it('refuses duplicate job names, also when they only differ in case or punctuation', () => {
    const result = parseRepoConfig(job('Nightly deps') + job('other') + job('nightly-deps'));
    expect(result).toEqual({
      ok: false,
      errors: ['scheduled_jobs.2.name: duplicate job name (same as scheduled_jobs.0.name)'],
    });
    expect(jobKey('Nightly deps')).toBe('nightly-deps');
  });

  it(`refuses more than ${MAX_SCHEDULED_JOBS} jobs with one error, not one per job`, () => {
    const text = Array.from({ length: 300 }, (_, i) => job(`job-${i}`)).join('\n');
    const result = parseRepoConfig(text);
    expect(result).toEqual({
      ok: false,
      errors: [`scheduled_jobs: must list at most ${MAX_SCHEDULED_JOBS} jobs`],
    });
  });

  it('refuses a failed-run hook with an empty workflow list', () => {
    const result = parseRepoConfig(
      '[[on_event.failed_run]]\nworkflows = []\nbranches = ["main"]\n',
    );
    expect(result).toEqual({
      ok: false,
      errors: ['on_event.failed_run.0.workflows: must list at least one workflow'],
    });
  });

  it('splits an error into path and problem', () => {
    expect(splitConfigError('sandbox.size: Invalid option: x')).toEqual({
      path: 'sandbox.size',
      problem: 'Invalid option: x',
    });
  });
});

describe('configLine', () => {
  const text = `#:schema x
[agent]
backend = "agents"

[[scheduled_jobs]]
name = "a"
schedule = "0 3 * * *"
prompt = """
schedule = "not a key"
"""

[[scheduled_jobs]]
name = "b"
schedule = "bad"

[sandbox]
volumes = [{ path = "/x", size = "huge" }]

[[on_event.failed_run]]
workflows = []
`;

  it('finds the key of the right [[table]] occurrence', () => {
    expect(configLine(text, 'scheduled_jobs.1.schedule')).toBe(14);
    expect(configLine(text, 'scheduled_jobs.0.schedule')).toBe(7);
    expect(configLine(text, 'scheduled_jobs.1.name')).toBe(13);
    expect(configLine(text, 'agent.backend')).toBe(3);
    expect(configLine(text, 'on_event.failed_run.0.workflows')).toBe(20);
  });

  it('falls back to the closest parent: the table, or an inline array', () => {
    expect(configLine(text, 'scheduled_jobs.1.branch')).toBe(12);
    expect(configLine(text, 'scheduled_jobs')).toBe(5);
    expect(configLine(text, 'sandbox.volumes.0.size')).toBe(17);
  });

  it('is null when nothing matches', () => {
    expect(configLine(text, 'harness.provider')).toBeNull();
    expect(configLine(text, '(root)')).toBeNull();
  });
});
