import { describe, expect, it } from 'vitest';
import { createLogger, formatPretty } from './logger';

function collect() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('writes JSON lines with a string level', () => {
    const { lines, destination } = collect();
    createLogger({ destination }).child({ deliveryId: 'd1', event: 'issues' }).info('hello');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'info',
      msg: 'hello',
      deliveryId: 'd1',
      event: 'issues',
      service: 'ingress',
    });
  });

  it('LOG_FORMAT=pretty prints one plain line per record', () => {
    const { lines, destination } = collect();
    createLogger({ destination, format: 'pretty' }).warn({ port: 8787 }, 'listening');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}listening port=8787\n$/);
  });

  it('passes through lines that are not JSON', () => {
    expect(formatPretty('plain')).toBe('plain');
  });
});
