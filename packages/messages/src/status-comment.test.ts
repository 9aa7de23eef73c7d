import { describe, expect, it } from 'vitest';
import { isStatusComment, renderStatusComment, STATUS_MARKER } from './status-comment';

describe('status comment', () => {
  it('starts with the hidden marker so it can be found again', () => {
    const body = renderStatusComment({ state: 'created', taskName: 'gh-widgets-7' });
    expect(body.split('\n')[0]).toBe(STATUS_MARKER);
    expect(isStatusComment(body)).toBe(true);
    expect(isStatusComment('hello\n<!-- code-factory:status -->')).toBe(false);
    expect(isStatusComment(null)).toBe(false);
  });

  it('pins the running format', () => {
    expect(
      renderStatusComment({
        state: 'running',
        taskName: 'gh-widgets-7',
        agentUrl: 'https://coder.example.com/tasks/dev/1',
      }),
    ).toBe(
      [
        STATUS_MARKER,
        '🤖 The Coder agent is working on this issue.',
        '',
        'Task: `gh-widgets-7` · [Open in Coder](https://coder.example.com/tasks/dev/1)',
        '',
        'Comments on this issue and on the agent’s pull request are forwarded to it.',
      ].join('\n'),
    );
  });

  it('explains a user-fixable failure in plain words', () => {
    const body = renderStatusComment({
      state: 'failed',
      taskName: 'gh-widgets-7',
      problem: 'Link your GitHub account in Coder.',
    });
    expect(body).toContain('could not start');
    expect(body).toContain('Link your GitHub account in Coder.');
  });

  it('says when a running agent went away, with what to do', () => {
    const body = renderStatusComment({
      state: 'stalled',
      taskName: 'gh-widgets-7',
      problem: 'gh-widgets-7 was paused again while waiting for it',
    });
    expect(body).toContain('stopped taking messages');
    expect(body).toContain('paused again');
  });

  it('drops the Coder link once completed', () => {
    const body = renderStatusComment({
      state: 'completed',
      taskName: 'gh-widgets-7',
      agentUrl: 'https://coder.example.com/x',
    });
    expect(body).not.toContain('Open in Coder');
  });
});
