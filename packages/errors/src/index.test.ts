import { describe, expect, it } from 'vitest';
import { ExternalError, isExternalError, kindOfStatus, parseRetryAfter } from './index';

describe('errors', () => {
  it('sorts statuses into kinds', () => {
    expect(kindOfStatus(500)).toBe('retryable');
    expect(kindOfStatus(503)).toBe('retryable');
    expect(kindOfStatus(429)).toBe('retryable');
    expect(kindOfStatus(404)).toBe('not_found');
    expect(kindOfStatus(422)).toBe('rejected');
    expect(kindOfStatus(401)).toBe('rejected');
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
