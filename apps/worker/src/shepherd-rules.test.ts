import type { ReviewThread } from '@code-factory/github';
import { describe, expect, it } from 'vitest';
import { awaitsAnswer, threadsToNudge, touchedSince } from './shepherd-rules';

const AGENT = 'xmtp-coder-agent';
const OPENED = '2026-03-01T10:00:00Z';

const thread = (over: Partial<ReviewThread> = {}): ReviewThread => ({
  id: 'T1',
  resolved: false,
  outdated: false,
  path: 'src/a.ts',
  line: 3,
  author: 'octo-lead',
  firstLine: 'Rename this.',
  createdAt: OPENED,
  comments: 1,
  ...over,
});

describe('which review thread waits for the agent', () => {
  it('an open, current thread by someone else that nobody answered', () => {
    expect(awaitsAnswer(thread(), AGENT)).toBe(true);
  });

  it('not once resolved, outdated (its line changed: a commit touched it), answered, or the agent’s own', () => {
    expect(awaitsAnswer(thread({ resolved: true }), AGENT)).toBe(false);
    expect(awaitsAnswer(thread({ outdated: true }), AGENT)).toBe(false);
    expect(awaitsAnswer(thread({ comments: 2 }), AGENT)).toBe(false);
    expect(awaitsAnswer(thread({ author: 'XMTP-Coder-Agent' }), AGENT)).toBe(false);
  });
});

describe('whether a commit touched the thread’s file since it was opened', () => {
  it('a commit at or after the thread counts; one before it does not', () => {
    expect(touchedSince(thread(), ['2026-03-01T10:00:00Z'])).toBe(true);
    expect(touchedSince(thread(), ['2026-03-01T09:00:00Z', '2026-03-02T00:00:00Z'])).toBe(true);
    expect(touchedSince(thread(), ['2026-03-01T09:59:59Z'])).toBe(false);
    expect(touchedSince(thread(), [])).toBe(false);
  });

  it('a thread without a creation time: any commit on its file counts', () => {
    expect(touchedSince(thread({ createdAt: '' }), ['2020-01-01T00:00:00Z'])).toBe(true);
    expect(touchedSince(thread({ createdAt: '' }), [])).toBe(false);
  });
});

describe('which threads the idle agent is nudged about', () => {
  it('waiting threads whose file got no commit since, in order; unknown files wait', () => {
    const threads = [
      thread({ id: 'untouched', path: 'src/a.ts' }),
      thread({ id: 'touched', path: 'src/b.ts' }),
      thread({ id: 'newer than the commit', path: 'src/b.ts', createdAt: '2026-03-03T00:00:00Z' }),
      thread({ id: 'answered', path: 'src/a.ts', comments: 3 }),
      thread({ id: 'not looked up', path: 'src/z.ts' }),
    ];
    const commits: Record<string, string[]> = {
      'src/a.ts': [],
      'src/b.ts': ['2026-03-02T00:00:00Z'],
    };
    const nudged = threadsToNudge(threads, AGENT, (path) => commits[path]);
    expect(nudged.map((t) => t.id)).toEqual(['untouched', 'newer than the commit']);
  });
});
