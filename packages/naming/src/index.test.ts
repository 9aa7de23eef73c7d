import { describe, expect, it } from 'vitest';
import {
  installationSlotsId,
  MAX_TASK_NAME_LENGTH,
  repoSlotsId,
  sameRepo,
  shortHash,
  TaskNameError,
  taskName,
} from './index';

describe('taskName', () => {
  it('keeps the original service format for short names', () => {
    expect(taskName('gh', { owner: 'xmtp', name: 'libxmtp' }, 42)).toBe('gh-libxmtp-42');
  });

  it('never exceeds 32 characters and never ends a part with a dash', () => {
    const name = taskName(
      'gh',
      { owner: 'acme', name: 'a-very-long-repository-name-indeed' },
      123456,
    );
    expect(name.length).toBeLessThanOrEqual(MAX_TASK_NAME_LENGTH);
    expect(name).toMatch(/^gh-[a-z0-9]+(-[a-z0-9]+)*-123456$/);
    expect(name).not.toContain('--');
  });

  it('keeps two truncated repositories with the same head apart', () => {
    const a = taskName('gh', { owner: 'acme', name: 'platform-infrastructure-one' }, 7);
    const b = taskName('gh', { owner: 'acme', name: 'platform-infrastructure-two' }, 7);
    expect(a).not.toBe(b);
  });

  it('hashes names that had to be rewritten, so foo.bar and foo-bar differ', () => {
    const dotted = taskName('gh', { owner: 'acme', name: 'foo.bar' }, 1);
    const dashed = taskName('gh', { owner: 'acme', name: 'foo-bar' }, 1);
    expect(dashed).toBe('gh-foo-bar-1');
    expect(dotted).not.toBe(dashed);
    expect(dotted.length).toBeLessThanOrEqual(MAX_TASK_NAME_LENGTH);
  });

  it('is case-insensitive like GitHub repository names', () => {
    expect(taskName('gh', { owner: 'Acme', name: 'LibXMTP' }, 3)).toBe(
      taskName('gh', { owner: 'acme', name: 'libxmtp' }, 3),
    );
  });

  it('rejects bad prefixes and issue numbers with a clear error', () => {
    expect(() => taskName('GH_', { owner: 'a', name: 'b' }, 1)).toThrow(TaskNameError);
    expect(() => taskName('gh', { owner: 'a', name: 'b' }, 0)).toThrow(/positive integer/);
    expect(() => taskName('a'.repeat(25), { owner: 'a', name: 'b' }, 1)).toThrow(/no room/);
  });

  it('has a stable hash', () => {
    expect(shortHash('xmtp/libxmtp')).toBe(shortHash('xmtp/libxmtp'));
    expect(shortHash('xmtp/libxmtp')).toHaveLength(6);
  });

  it('compares repositories case-insensitively', () => {
    expect(sameRepo({ owner: 'A', name: 'B' }, { owner: 'a', name: 'b' })).toBe(true);
    expect(sameRepo({ owner: 'a', name: 'b' }, { owner: 'c', name: 'b' })).toBe(false);
  });
});

describe('slot scope IDs', () => {
  it('names one scope per installation and per repository, in lower case', () => {
    expect(installationSlotsId(42)).toBe('slots-installation-42');
    expect(repoSlotsId({ owner: 'Acme', name: 'Widgets' })).toBe('slots-repo-acme/widgets');
    expect(repoSlotsId({ owner: 'acme', name: 'widgets' })).toBe(
      repoSlotsId({ owner: 'ACME', name: 'WIDGETS' }),
    );
  });

  it('keeps owners and repositories with dashes apart', () => {
    expect(repoSlotsId({ owner: 'a-b', name: 'c' })).not.toBe(
      repoSlotsId({ owner: 'a', name: 'b-c' }),
    );
  });

  it('refuses an installation id that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => installationSlotsId(bad)).toThrow(TaskNameError);
    }
  });
});
