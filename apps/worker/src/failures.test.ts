/**
 * The one mapping from a failed Coder or GitHub call to the Temporal failure the workflow
 * branches on: by failure type, never by message.
 */
import { AgentUnavailableError } from '@code-factory/coder';
import { type ErrorKind, ExternalError } from '@code-factory/errors';
import { ErrorTypes } from '@code-factory/workflows';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toFailure, withFailureMapping } from './failures';

function failure(value: unknown): ApplicationFailure {
  expect(value).toBeInstanceOf(ApplicationFailure);
  return value as ApplicationFailure;
}

describe('toFailure', () => {
  it('passes an ApplicationFailure through untouched', () => {
    const original = ApplicationFailure.nonRetryable('already mapped', 'SomeType');
    expect(toFailure(original)).toBe(original);
  });

  it('makes an agent that never came up a non-retryable AgentUnavailableError', () => {
    const mapped = failure(toFailure(new AgentUnavailableError('gh-w-1 no longer exists')));
    expect(mapped).toMatchObject({
      type: ErrorTypes.agentUnavailable,
      message: 'gh-w-1 no longer exists',
      nonRetryable: true,
    });
  });

  it('shows the user-fixable sentence and keeps the cause in the details', () => {
    const err = new ExternalError('POST /api/v2/tasks/octo: 403', {
      kind: 'user_fixable',
      service: 'coder',
      status: 403,
      userMessage: 'A Coder administrator needs to give the token permission.',
    });
    const mapped = failure(toFailure(err));
    expect(mapped).toMatchObject({
      type: ErrorTypes.userFixable,
      message: 'A Coder administrator needs to give the token permission.',
      nonRetryable: true,
      details: [{ service: 'coder', status: 403, cause: 'POST /api/v2/tasks/octo: 403' }],
    });
  });

  it('falls back to the error message when a user-fixable error has no sentence', () => {
    const err = new ExternalError('no linked account', { kind: 'user_fixable', service: 'github' });
    const mapped = failure(toFailure(err));
    expect(mapped.message).toBe('no linked account');
    expect(mapped.details).toEqual([
      { service: 'github', status: null, cause: 'no linked account' },
    ]);
  });

  it.each<ErrorKind>(['rejected', 'not_found'])('makes %s non-retryable', (kind) => {
    const err = new ExternalError(`GET /x: ${kind}`, { kind, service: 'github', status: 422 });
    const mapped = failure(toFailure(err));
    expect(mapped).toMatchObject({
      type: ErrorTypes.nonRetryable,
      message: `GET /x: ${kind}`,
      nonRetryable: true,
      details: [{ service: 'github', status: 422 }],
    });
  });

  it('leaves a retryable error to Temporal backoff', () => {
    const mapped = failure(
      toFailure(new ExternalError('503', { kind: 'retryable', service: 'github', status: 503 })),
    );
    expect(mapped.type).toBe('RetryableError');
    expect(mapped.nonRetryable).toBe(false);
    expect(mapped.nextRetryDelay).toBeUndefined();
  });

  it("types Coder's retryable errors CoderUnavailableError, still retried with backoff", () => {
    for (const err of [
      new ExternalError('503', { kind: 'retryable', service: 'coder', status: 503 }),
      new ExternalError('429', { kind: 'retryable', service: 'coder', status: 429 }),
      new ExternalError('Coder GET /api/v2/chats failed: ECONNREFUSED', {
        kind: 'retryable',
        service: 'coder',
      }),
    ]) {
      const mapped = failure(toFailure(err));
      expect(mapped.type).toBe(ErrorTypes.coderUnavailable);
      expect(mapped.nonRetryable).toBe(false);
    }
    // The worker's CODER_PROBE_INTERVAL_MS rides along for the workflow's next try.
    const coder = new ExternalError('503', { kind: 'retryable', service: 'coder', status: 503 });
    expect(failure(toFailure(coder, { coderProbeMs: 2_000 })).details).toEqual([
      { service: 'coder', probeFirstMs: 2_000 },
    ]);
    const github = new ExternalError('503', { kind: 'retryable', service: 'github', status: 503 });
    expect(failure(toFailure(github, { coderProbeMs: 2_000 })).details ?? []).toEqual([]);
  });

  it("waits as long as the server's Retry-After said", () => {
    const err = new ExternalError('429', { kind: 'retryable', service: 'github', retryAfterMs: 0 });
    expect(failure(toFailure(err)).nextRetryDelay).toBe(0);
    const later = new ExternalError('429', {
      kind: 'retryable',
      service: 'github',
      retryAfterMs: 30_000,
    });
    expect(failure(toFailure(later)).nextRetryDelay).toBe(30_000);
  });

  it('keeps an ExternalError of a kind it does not know, instead of throwing undefined', () => {
    const err = new ExternalError('odd', { kind: 'teapot' as ErrorKind, service: 'coder' });
    expect(toFailure(err)).toBe(err);
  });

  it('keeps anything else as it is: plain errors, strings, undefined', () => {
    const plain = new TypeError('bug');
    expect(toFailure(plain)).toBe(plain);
    expect(toFailure('a string')).toBe('a string');
    expect(toFailure(undefined)).toBeUndefined();
    // Shaped like an ExternalError but not one: not trusted.
    const lookalike = { kind: 'user_fixable', service: 'coder', message: 'x' };
    expect(toFailure(lookalike)).toBe(lookalike);
  });
});

describe('withFailureMapping', () => {
  const activities = withFailureMapping({
    async echo(text: string) {
      return text;
    },
    async refuse() {
      throw new ExternalError('422', { kind: 'rejected', service: 'github', status: 422 });
    },
    async crash() {
      throw new TypeError('bug');
    },
  });

  it('returns what the activity returns', async () => {
    await expect(activities.echo('hi')).resolves.toBe('hi');
  });

  it('throws the mapped failure', async () => {
    await expect(activities.refuse()).rejects.toMatchObject({
      type: ErrorTypes.nonRetryable,
      nonRetryable: true,
    });
  });

  it('rethrows errors it does not map', async () => {
    await expect(activities.crash()).rejects.toThrow(TypeError);
  });

  it("keeps each activity's name, which the Web UI and the CLI show", () => {
    expect(Object.keys(activities)).toEqual(['echo', 'refuse', 'crash']);
    expect(activities.echo.name).toBe('echo');
    expect(activities.refuse.name).toBe('refuse');
  });
});
