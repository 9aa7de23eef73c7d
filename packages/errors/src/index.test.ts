import { describe, expect, it } from 'vitest';
import { ExternalError, isExternalError, kindOfStatus, parseRetryAfter } from './index';

describe('errors', () => {
  it.each([
    ['retryable', [500, 503, 429]],
    ['not_found', [404]],
    ['rejected', [422, 401]],
  ] as const)('sorts statuses into kinds: %s', (kind, statuses) => {
    for (const status of statuses) expect(kindOfStatus(status), String(status)).toBe(kind);
  });

  it('parses Retry-After in seconds and as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('narrows by kind', () => {
    const err = new ExternalError('x', {
      kind: 'user_fixable',
      service: 'coder',
      userMessage: 'fix it',
    });
    expect(isExternalError(err)).toBe(true);
    expect(isExternalError(err, 'retryable')).toBe(false);
    expect(err.userMessage).toBe('fix it');
  });
});
