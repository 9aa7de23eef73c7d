import { describe, expect, it } from 'vitest';
import { WorkerLogger } from './logging';

function capture(format: 'json' | 'pretty', level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = new WorkerLogger({
    level,
    format,
    write: (l) => lines.push(l),
    now: () => new Date('2026-11-21T10:00:00Z'),
  });
  return { logger, lines };
}

describe('WorkerLogger', () => {
  it('writes one JSON line with the SDK metadata (workflow id, run id, delivery id)', () => {
    const { logger, lines } = capture('json');
    logger.info('event accepted', {
      workflowId: 'gh-widgets-1',
      runId: 'r1',
      deliveryId: 'd1',
      kind: 'comment.posted',
    });
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-11-21T10:00:00.000Z',
      level: 'info',
      msg: 'event accepted',
      workflowId: 'gh-widgets-1',
      runId: 'r1',
      deliveryId: 'd1',
      kind: 'comment.posted',
    });
  });

  it('filters by level', () => {
    const { logger, lines } = capture('json', 'warn');
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('serialises errors and bigints without throwing', () => {
    const { logger, lines } = capture('json');
    logger.error('failed', { error: new Error('boom'), n: 10n });
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      error: { name: 'Error', message: 'boom' },
      n: '10',
    });
  });

  it('has a short human format for local development', () => {
    const { logger, lines } = capture('pretty');
    logger.info('worker started', { taskQueue: 'q', workflowId: 'w' });
    expect(lines[0]).toBe('10:00:00 INFO  worker started workflowId=w');
  });
});
