import { NamespaceNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { asSinkError, SinkUnavailableError } from './temporal-sink';

describe('asSinkError', () => {
  it('makes "retry later" of Temporal being unreachable, slow, or unable to read its namespace', () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: connection refused'), {
      code: 14,
      details: 'connection refused',
      metadata: {},
    });
    expect(asSinkError('signal task', unavailable)).toBeInstanceOf(SinkUnavailableError);
    const missing = asSinkError('start task', new NamespaceNotFoundError('default'));
    expect(missing).toBeInstanceOf(SinkUnavailableError);
    expect(String(missing)).toContain("Namespace not found: 'default'");
  });

  it('passes "no such workflow" and anything else through', () => {
    const notFound = new WorkflowNotFoundError('gone', 'gh-widgets-1', undefined);
    expect(asSinkError('signal task', notFound)).toBe(notFound);
    const other = new Error('boom');
    expect(asSinkError('signal task', other)).toBe(other);
  });
});
