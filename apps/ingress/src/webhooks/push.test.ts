import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { common, ctx } from '../classify-fixtures';

describe('push', () => {
  it('routes pushes to the default branch', () => {
    const payload = samplePayloads.push({ after: 'e'.repeat(40) });
    expect(classify('push', payload, ctx)).toEqual({
      action: 'route',
      event: { ...common, kind: 'config.push', sha: 'e'.repeat(40), touchesConfig: true },
    });
  });

  it('says whether the pushed commits touch the config file', () => {
    const other = samplePayloads.push({ modified: ['README.md'] });
    expect(classify('push', other, ctx)).toMatchObject({
      event: { kind: 'config.push', touchesConfig: false },
    });
    // Twenty listed commits may be a truncated list: classification cannot tell.
    const many = samplePayloads.push({ modified: ['README.md'] });
    (many as { commits: unknown[] }).commits = Array.from({ length: 20 }, () => ({
      modified: ['README.md'],
    }));
    const decision = classify('push', many, ctx);
    expect(decision.action).toBe('route');
    expect((decision as { event: object }).event).not.toHaveProperty('touchesConfig');
  });

  it('skips other branches and tags', () => {
    for (const ref of ['refs/heads/feature', 'refs/tags/v1', 'refs/heads/main-old']) {
      expect(classify('push', samplePayloads.push({ ref }), ctx)).toEqual({
        action: 'skip',
        reason: 'push not to the default branch',
      });
    }
  });

  it('skips a push that deletes the branch', () => {
    const payload = samplePayloads.push({ after: '0'.repeat(40) });
    expect(classify('push', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'push deletes the branch',
    });
  });
});
