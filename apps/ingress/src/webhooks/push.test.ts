import { defaultBranchPayloads, samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { common, ctx, invalid, route, skip } from '../classify-fixtures';

describe('push', () => {
  it('routes pushes to the default branch as config pushes, with the branch and its files', () => {
    const payload = samplePayloads.push({ after: 'e'.repeat(40) });
    expect(classify('push', payload, ctx)).toEqual(
      route({
        kind: 'config.push',
        sha: 'e'.repeat(40),
        touchesConfig: true,
        branch: 'main',
        files: ['.code-factory/config.toml'],
      }),
    );
  });

  it('says whether the pushed commits touch the config file', () => {
    const other = samplePayloads.push({ modified: ['README.md'] });
    expect(classify('push', other, ctx)).toMatchObject({
      event: { kind: 'config.push', touchesConfig: false, files: ['README.md'] },
    });
    // Twenty listed commits may be a truncated list: classification cannot tell.
    const many = samplePayloads.push({ modified: ['README.md'] });
    (many as { commits: unknown[] }).commits = Array.from({ length: 20 }, () => ({
      modified: ['README.md'],
    }));
    const decision = classify('push', many, ctx);
    expect(decision.action).toBe('route');
    expect((decision as { event: object }).event).not.toHaveProperty('touchesConfig');
    expect((decision as { event: object }).event).not.toHaveProperty('files');
  });

  it('routes pushes to other branches, with the files of every listed commit once', () => {
    const payload = samplePayloads.push({ ref: 'refs/heads/release/1.0', after: 'f'.repeat(40) });
    (payload as { commits: unknown[] }).commits = [
      { added: ['a.ts'], modified: ['b.ts'], removed: [] },
      { added: [], modified: ['b.ts'], removed: ['c.ts'] },
    ];
    expect(classify('push', payload, ctx)).toEqual(
      route({
        kind: 'route.push',
        sha: 'f'.repeat(40),
        branch: 'release/1.0',
        files: ['a.ts', 'b.ts', 'c.ts'],
      }),
    );
  });

  it('leaves out a file list longer than an event may carry', () => {
    const payload = samplePayloads.push({
      ref: 'refs/heads/feature',
      modified: Array.from({ length: 301 }, (_, i) => `f${i}.ts`),
    });
    expect(classify('push', payload, ctx)).toEqual({
      action: 'route',
      event: { ...common, kind: 'route.push', sha: 'b'.repeat(40), branch: 'feature' },
    });
  });

  it('skips tags', () => {
    expect(classify('push', samplePayloads.push({ ref: 'refs/tags/v1' }), ctx)).toEqual(
      skip('push not to a branch'),
    );
  });

  it('skips the merge queue branches', () => {
    const ref = `refs/heads/gh-readonly-queue/main/pr-7-${'a'.repeat(40)}`;
    expect(classify('push', samplePayloads.push({ ref }), ctx)).toEqual(
      skip('push to a merge queue branch'),
    );
  });

  it('skips a push that creates a branch other than the default one', () => {
    const created = { ...samplePayloads.push({ ref: 'refs/heads/feature' }), created: true };
    expect(classify('push', created, ctx)).toEqual(skip('push creates the branch'));
    const main = { ...samplePayloads.push(), created: true };
    expect(classify('push', main, ctx)).toMatchObject({ event: { kind: 'config.push' } });
  });

  it('skips a push that deletes the branch', () => {
    for (const ref of ['refs/heads/main', 'refs/heads/feature']) {
      const payload = samplePayloads.push({ ref, after: '0'.repeat(40) });
      expect(classify('push', payload, ctx)).toEqual(skip('push deletes the branch'));
    }
  });

  it('names a malformed field', () => {
    const payload = { ...samplePayloads.push(), commits: [{ modified: 'README.md' }] };
    expect(classify('push', payload, ctx)).toMatchObject(invalid('commits.0.modified'));
  });
  it('lists the commits a push to the default branch reverts, with the reverting commit', () => {
    const merge = 'abc1234'.padEnd(40, '9');
    const payload = defaultBranchPayloads.revertPush({ reverts: merge, after: 'e'.repeat(40) });
    expect(classify('push', payload, ctx)).toMatchObject({
      action: 'route',
      event: {
        kind: 'config.push',
        reverts: [{ sha: merge, url: `https://github.com/acme/widgets/commit/${'e'.repeat(40)}` }],
      },
    });
    // An ordinary push carries none.
    const plain = classify('push', samplePayloads.push(), ctx) as { event: object };
    expect(plain.event).not.toHaveProperty('reverts');
  });

  it('rejects a malformed commit with the field, before anything is routed', () => {
    const payload = defaultBranchPayloads.revertPush({ reverts: 'abc1234' });
    (payload.commits as Array<Record<string, unknown>>)[0] = { message: 42 };
    expect(classify('push', payload, ctx)).toMatchObject(invalid('commits.0.message'));
    const badUrl = defaultBranchPayloads.revertPush({ reverts: 'abc1234' });
    (badUrl.commits as Array<Record<string, unknown>>)[0] = { message: 'x', url: 'not a url' };
    expect(classify('push', badUrl, ctx)).toMatchObject(invalid('commits.0.url'));
  });
});
