import { ExternalError } from '@code-factory/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseResponse, toExternalError } from './errors';

function httpError(status: number, message: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), { name: 'HttpError', status, response: { headers } });
}

describe('toExternalError', () => {
  it('passes an ExternalError through unchanged', () => {
    const err = new ExternalError('x', { kind: 'not_found', service: 'github' });
    expect(toExternalError(err, 'a')).toBe(err);
  });

  it('keeps retry-after on a 5xx', () => {
    expect(toExternalError(httpError(503, 'down', { 'retry-after': '3' }), 'a')).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 3000,
    });
  });

  it('treats any 403 carrying retry-after as retryable', () => {
    expect(toExternalError(httpError(403, 'slow down', { 'retry-after': '2' }), 'a')).toMatchObject(
      {
        kind: 'retryable',
        retryAfterMs: 2000,
      },
    );
  });

  it('uses x-ratelimit-reset on a 429 with nothing remaining', () => {
    const now = 1_700_000_000_000;
    const err = httpError(429, 'limit', {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(now / 1000 + 42),
    });
    expect(toExternalError(err, 'a', now)).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 42_000,
    });
  });

  it('makes anything that is not an HTTP answer rejected, keeping the cause', () => {
    const cause = new TypeError('boom');
    const err = toExternalError(cause, 'doing a thing');
    expect(err).toMatchObject({
      kind: 'rejected',
      service: 'github',
      message: 'GitHub doing a thing: boom',
    });
    expect(err.cause).toBe(cause);
  });
});

describe('parseResponse', () => {
  it('names the first field that does not match', () => {
    const schema = z.object({ a: z.object({ b: z.number() }) });
    expect(() => parseResponse(schema, { a: { b: 'x' } }, 'thing')).toThrow(/'a\.b'/);
    expect(() => parseResponse(schema, null, 'thing')).toThrow(/'\(body\)'/);
  });
});
