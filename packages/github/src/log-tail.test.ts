import { describe, expect, it } from 'vitest';
import { logTail } from './log-tail';

describe('logTail', () => {
  it('keeps the last lines and strips GitHub timestamps and the BOM', () => {
    const log = '\uFEFF2024-01-01T00:00:00.0000000Z first\r\n2024-01-01T00:00:01Z ##[error]boom\n';
    expect(logTail(log, 100)).toBe('first\n##[error]boom');
    expect(logTail(log, 1)).toBe('##[error]boom');
    expect(logTail(log, 0)).toBe('');
  });

  it('leaves lines without a timestamp alone', () => {
    expect(logTail('plain 2024-01-01T00:00:00Z inside', 5)).toBe(
      'plain 2024-01-01T00:00:00Z inside',
    );
  });

  it('cuts to the byte cap on a line boundary', () => {
    expect(logTail('aaaa\nbbbb\ncccc', 10, 8)).toBe('cccc');
    expect(logTail('aaaa\nbbbb\ncccc', 10, 9)).toBe('bbbb\ncccc');
    expect(logTail('aaaa\nbbbb\ncccc', 10, 10)).toBe('bbbb\ncccc');
  });

  it('never splits a multi-byte character when one line exceeds the cap', () => {
    const tail = logTail('é'.repeat(20), 10, 9);
    expect(tail).toBe('éééé');
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(9);
  });
});
