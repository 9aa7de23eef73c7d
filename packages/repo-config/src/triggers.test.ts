import { describe, expect, it } from 'vitest';
import { parseRepoConfig, repoConfigJsonSchema } from './index';
import { resolveTriggers, sameLabel, triggerRefusal } from './triggers';

const triggersOf = (toml: string, deploymentLabel = 'code-factory') => {
  const parsed = parseRepoConfig(toml);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return resolveTriggers(parsed.config.triggers, deploymentLabel);
};

describe('[triggers]', () => {
  it('takes every kind, with the deployment label, when the table is absent', () => {
    expect(triggersOf('')).toEqual({ assign: true, mention: true, label: 'code-factory' });
    expect(triggersOf('[triggers]', 'agent')).toEqual({
      assign: true,
      mention: true,
      label: 'agent',
    });
  });

  it('turns each kind off with false', () => {
    expect(triggersOf('[triggers]\nassign = false\nmention = false\nlabel = false')).toEqual({
      assign: false,
      mention: false,
      label: null,
    });
  });

  it('names the repository label with a string (trimmed), true keeps the deployment one', () => {
    expect(triggersOf('[triggers]\nlabel = " ai-please "').label).toBe('ai-please');
    expect(triggersOf('[triggers]\nlabel = true').label).toBe('code-factory');
  });

  it('stores only what the file says', () => {
    expect(parseRepoConfig('[triggers]\nmention = false')).toEqual({
      ok: true,
      config: { triggers: { mention: false } },
    });
  });

  it('refuses values of the wrong type, empty or too long labels, naming the key', () => {
    for (const [toml, key] of [
      ['[triggers]\nassign = "no"', 'triggers.assign'],
      ['[triggers]\nmention = 0', 'triggers.mention'],
      ['[triggers]\nlabel = ""', 'triggers.label'],
      ['[triggers]\nlabel = 3', 'triggers.label'],
      [`[triggers]\nlabel = "${'x'.repeat(51)}"`, 'triggers.label'],
    ]) {
      const parsed = parseRepoConfig(toml as string);
      expect(parsed.ok, toml).toBe(false);
      if (!parsed.ok) expect(parsed.errors[0]).toMatch(new RegExp(`^${key}: `));
    }
  });

  it('is in the JSON Schema, label as a boolean or a string', () => {
    const schema = repoConfigJsonSchema() as {
      properties: {
        triggers?: { properties?: Record<string, { default?: unknown; anyOf?: unknown[] }> };
      };
    };
    const props = schema.properties.triggers?.properties ?? {};
    expect(props.assign?.default).toBe(true);
    expect(props.mention?.default).toBe(true);
    expect(props.label?.default).toBe(true);
    expect(props.label?.anyOf).toEqual([
      { type: 'boolean' },
      expect.objectContaining({ type: 'string', minLength: 1, maxLength: 50 }),
    ]);
  });
});

describe('label parsing and the trigger gate', () => {
  const all = { assign: true, mention: true, label: 'code-factory' };

  it('compares label names as GitHub does, ignoring case', () => {
    expect(sameLabel('Code-Factory', 'code-factory')).toBe(true);
    expect(sameLabel('code-factory:scheduled', 'code-factory')).toBe(false);
  });

  it('lets each kind through when it is on', () => {
    expect(triggerRefusal(all, { trigger: 'assign' })).toBeNull();
    expect(triggerRefusal(all, { trigger: 'mention' })).toBeNull();
    expect(triggerRefusal(all, { trigger: 'label', label: 'CODE-FACTORY' })).toBeNull();
  });

  it('refuses a kind that is off, and a label that is not the trigger label', () => {
    const off = { assign: false, mention: false, label: null };
    expect(triggerRefusal(off, { trigger: 'assign' })).toMatch(/triggers.assign = false/);
    expect(triggerRefusal(off, { trigger: 'mention' })).toMatch(/triggers.mention = false/);
    expect(triggerRefusal(off, { trigger: 'label', label: 'code-factory' })).toMatch(
      /triggers.label = false/,
    );
    expect(triggerRefusal(all, { trigger: 'label', label: 'bug' })).toBe(
      'label "bug" is not the trigger label here ("code-factory")',
    );
    expect(triggerRefusal(all, { trigger: 'label' })).toMatch(/is not the trigger label/);
  });
});
