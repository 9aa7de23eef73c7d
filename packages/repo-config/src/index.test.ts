import { describe, expect, it } from 'vitest';
import {
  dollarsToMicros,
  normaliseSize,
  parseRepoConfig,
  repoConfigJsonSchema,
  withDefaults,
} from './index';

describe('repo config', () => {
  it('normalises volume sizes', () => {
    for (const v of ['10gb', '10GB', '10G', '10gi', '10Gi', '10 G'])
      expect(normaliseSize(v)).toBe('10Gi');
    expect(normaliseSize('512m')).toBe('512Mi');
    expect(normaliseSize('2T')).toBe('2Ti');
    expect(normaliseSize('ten gigs')).toBeNull();
    expect(normaliseSize('10')).toBeNull();
  });

  it('stores what the user wrote, normalised, and drops unknown keys', () => {
    const result = parseRepoConfig(`
[sandbox]
docker = true
volumes = [{ path = "/data", size = "20gb" }, { path = "/cache" }]
future_setting = "kept out"

[experimental]
anything = 1
`);
    expect(result).toEqual({
      ok: true,
      config: {
        sandbox: { docker: true, volumes: [{ path: '/data', size: '20Gi' }, { path: '/cache' }] },
      },
    });
  });

  it('takes a Coder project by name or id, and refuses an empty one', () => {
    const parsed = parseRepoConfig('[coder]\nproject = " widgets "');
    if (!parsed.ok) throw new Error('expected ok');
    expect(withDefaults(parsed.config).coderProject).toBe('widgets');
    const empty = parseRepoConfig('[coder]\nproject = ""');
    expect(empty.ok ? [] : empty.errors).toEqual([expect.stringContaining('coder.project')]);
  });

  it('applies defaults on read', () => {
    const parsed = parseRepoConfig('[sandbox]\ndocker = true\nvolumes = [{ path = "/cache" }]');
    if (!parsed.ok) throw new Error('expected ok');
    expect(withDefaults(parsed.config)).toEqual({
      backend: null,
      sandbox: { size: 'medium', docker: true, volumes: [{ path: '/cache', size: '10Gi' }] },
      harness: { provider: 'claude_code' },
      coderProject: null,
      maxActiveAgents: null,
      maxCostPerIssueMicros: null,
      scheduledJobs: [],
      failedRunHooks: [],
      shepherd: {
        updateBranch: false,
        rerunFailedJobs: 1,
        ignoreBaseFailures: false,
        threadNudgeAfterMs: 30 * 60_000,
        reviewReminderAfterMs: 24 * 3_600_000,
        waitingReminderAfterMs: 4 * 3_600_000,
        releaseAfterIdleMs: null,
        watchAfterMergeMs: 24 * 3_600_000,
        reopenOnRegression: true,
      },
    });
    expect(withDefaults(null).harness.provider).toBe('claude_code');
  });

  it('names path and problem, never the value', () => {
    const secretish = 'hunter2-do-not-echo';
    const result = parseRepoConfig(`
[sandbox]
size = "${secretish}"
volumes = [{ path = "/x", size = "${secretish}" }]
[[scheduled_jobs]]
name = "nightly"
branch = "main"
schedule = "not cron"
prompt = "x"
[[on_event.failed_run]]
workflows = []
branches = ["main"]
`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    expect(text).toContain('sandbox.size');
    expect(text).toContain('sandbox.volumes.0.size');
    expect(text).toContain('scheduled_jobs.0.schedule');
    expect(text).toContain('on_event.failed_run.0.workflows');
    expect(text).not.toContain(secretish);
  });

  it('reports invalid TOML with its position only', () => {
    const result = parseRepoConfig('[sandbox\nsize = "x"');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatch(/^invalid TOML at line 1/);
  });

  it('requires every scheduled job field', () => {
    const result = parseRepoConfig('[[scheduled_jobs]]\nname = "a"');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join(' ')).toContain('scheduled_jobs.0.branch');
  });

  it('generates a JSON Schema with defaults visible', () => {
    const schema = repoConfigJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.properties.sandbox?.properties?.size?.default).toBe('medium');
    expect(schema.properties.harness?.properties?.provider?.default).toBe('claude_code');
    expect(JSON.stringify(schema)).toContain('scheduled_jobs');
  });

  it('reads [limits] max_active_agents; unset is unlimited', () => {
    const parsed = parseRepoConfig('[limits]\nmax_active_agents = 2');
    expect(parsed).toEqual({ ok: true, config: { limits: { max_active_agents: 2 } } });
    if (parsed.ok) expect(withDefaults(parsed.config).maxActiveAgents).toBe(2);
    expect(withDefaults(null).maxActiveAgents).toBeNull();
    expect(withDefaults({ limits: {} }).maxActiveAgents).toBeNull();
  });

  it('reads [limits] max_cost_per_issue in dollars, as micro-dollars; unset is no limit', () => {
    const parsed = parseRepoConfig('[limits]\nmax_cost_per_issue = "25.00"');
    expect(parsed).toEqual({ ok: true, config: { limits: { max_cost_per_issue: '25.00' } } });
    if (parsed.ok) expect(withDefaults(parsed.config).maxCostPerIssueMicros).toBe(25_000_000);
    expect(withDefaults({ limits: { max_cost_per_issue: '$7.5' } }).maxCostPerIssueMicros).toBe(
      7_500_000,
    );
    expect(withDefaults(null).maxCostPerIssueMicros).toBeNull();
    const schema = JSON.stringify(repoConfigJsonSchema());
    expect(schema).toContain('max_cost_per_issue');
  });

  it('refuses a cost limit that is not an amount of dollars, without echoing it', () => {
    for (const bad of ['"0"', '"0.00"', '"-5"', '"25,00"', '"1.234"', '"lots"', '25']) {
      const parsed = parseRepoConfig(`[limits]\nmax_cost_per_issue = ${bad}`);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) {
        expect(parsed.errors[0]).toMatch(/^limits\.max_cost_per_issue: /);
        expect(parsed.errors[0]).not.toContain(bad);
      }
    }
  });

  it('converts dollars to micro-dollars', () => {
    expect(dollarsToMicros('25.00')).toBe(25_000_000);
    expect(dollarsToMicros('0.01')).toBe(10_000);
    expect(dollarsToMicros('$50')).toBe(50_000_000);
    expect(dollarsToMicros('1e3')).toBeNull();
  });

  it('refuses a limit of zero, a negative, a fraction or a string, naming the key and the fix', () => {
    for (const bad of ['0', '-1']) {
      expect(parseRepoConfig(`[limits]\nmax_active_agents = ${bad}`)).toEqual({
        ok: false,
        errors: [
          'limits.max_active_agents: must be at least 1 (remove the key for no limit; 0 would never start an agent)',
        ],
      });
    }
    expect(parseRepoConfig('[limits]\nmax_active_agents = 1.5')).toEqual({
      ok: false,
      errors: [
        'limits.max_active_agents: must be a whole number of at least 1 (remove the key for no limit)',
      ],
    });
    const text = parseRepoConfig('[limits]\nmax_active_agents = "many"');
    expect(text.ok).toBe(false);
    if (!text.ok) expect(text.errors[0]).toMatch(/^limits\.max_active_agents: /);
  });
});
