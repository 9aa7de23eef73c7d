import { describe, expect, it } from 'vitest';
import {
  CODER_DOWN_NOTES,
  isStatusComment,
  renderStatusComment,
  STATUS_MARKER,
  type StatusView,
} from './status-comment';

/** A whole status comment: the hidden marker, then these lines. */
const statusBody = (...lines: string[]) => [STATUS_MARKER, ...lines].join('\n');

/** The status comment of task `gh-widgets-1`. */
const ofTask1 = (view: Omit<StatusView, 'taskName'>) =>
  renderStatusComment({ ...view, taskName: 'gh-widgets-1' });

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
      statusBody(
        '🤖 The Coder agent is working on this issue.',
        '',
        'Task: `gh-widgets-7` · [Open in Coder](https://coder.example.com/tasks/dev/1)',
        '',
        'Comments on this issue and on the agent’s pull request are forwarded to it.',
      ),
    );
  });

  it.each([
    {
      what: 'explains a user-fixable failure in plain words',
      state: 'failed' as const,
      problem: 'Link your GitHub account in Coder.',
      says: ['could not start', 'Link your GitHub account in Coder.'],
    },
    {
      what: 'says when a running agent went away, with what to do',
      state: 'stalled' as const,
      problem: 'gh-widgets-7 was paused again while waiting for it',
      says: ['stopped taking messages', 'paused again'],
    },
  ])('$what', ({ state, problem, says }) => {
    const body = renderStatusComment({ state, taskName: 'gh-widgets-7', problem });
    for (const text of says) expect(body).toContain(text);
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

describe('status comment live progress', () => {
  const base = {
    state: 'running' as const,
    taskName: 'gh-widgets-7',
    agentUrl: 'https://c/agents/1',
  };

  it('follows what the agent does', () => {
    expect(renderStatusComment({ ...base, activity: 'idle' })).toContain('is idle');
    const waiting = renderStatusComment({ ...base, activity: 'waiting-for-you' });
    expect(waiting).toContain('waiting for you');
    expect(waiting).toContain('[Open in Coder](https://c/agents/1)');
    expect(renderStatusComment({ ...base, activity: 'working' })).toContain('is working');
  });

  it('pins the pull request and latest turn format', () => {
    expect(
      renderStatusComment({
        ...base,
        activity: 'idle',
        pullRequest: { url: 'https://github.com/a/b/pull/9', number: 9, state: 'open' },
        summary: 'Renamed the flag\n\nand added a test.',
        note: 'The agent runs as the service user.',
      }),
    ).toBe(
      statusBody(
        '💤 The Coder agent is idle; it picks up the next comment.',
        '',
        'Task: `gh-widgets-7` · [Open in Coder](https://c/agents/1) · Pull request: https://github.com/a/b/pull/9 (#9, open)',
        '',
        'Latest turn: Renamed the flag and added a test.',
        '',
        'ℹ️ The agent runs as the service user.',
        '',
        'Comments on this issue and on the agent’s pull request are forwarded to it.',
      ),
    );
  });

  it('lists every pull request when the agent opened several, and shows Coder’s capacity queue', () => {
    const body = renderStatusComment({
      ...base,
      activity: 'queued-in-coder',
      pullRequest: { url: 'https://github.com/a/b/pull/9', number: 9, state: 'open' },
      pullRequests: [
        { url: 'https://github.com/a/b/pull/9', number: 9, state: 'open' },
        { url: 'https://github.com/a/docs/pull/3', number: 3, state: 'merged' },
      ],
    });
    expect(body).toContain('Queued in Coder');
    expect(body).not.toContain('Pull request: ');
    expect(body).toContain(
      [
        'Pull requests (2):',
        '- https://github.com/a/b/pull/9 (#9, open)',
        '- https://github.com/a/docs/pull/3 (#3, merged)',
      ].join('\n'),
    );
  });

  it('bounds a long summary', () => {
    const body = renderStatusComment({ ...base, summary: 'x'.repeat(5_000) });
    expect(body.length).toBeLessThan(1_000);
    expect(body).toContain('…');
  });
});

describe('status comment fleet controls', () => {
  it('says how many wait in front of a queued task', () => {
    const body = renderStatusComment({ state: 'queued', taskName: 't', ahead: 3 });
    expect(body).toContain('Queued, 3 ahead');
    expect(renderStatusComment({ state: 'queued', taskName: 't' })).toContain('Queued:');
  });

  it('says a paused task is held by the operators, and a released one where to go next', () => {
    const paused = renderStatusComment({ state: 'paused', taskName: 't', agentUrl: 'https://c/a' });
    expect(paused).toContain('Paused by the operators');
    expect(paused).toContain('[Open in Coder](https://c/a)');
    const released = renderStatusComment({
      state: 'released',
      taskName: 't',
      agentUrl: 'https://c/a',
    });
    expect(released).toContain('Assign the issue again');
    expect(released).not.toContain('Open in Coder');
  });
});

describe('status comment while Coder is down', () => {
  it('pins the waiting-for-Coder format of an assignment taken while Coder was down', () => {
    expect(
      renderStatusComment({
        state: 'waiting-for-coder',
        taskName: 'gh-widgets-7',
        problem: CODER_DOWN_NOTES.start,
      }),
    ).toBe(
      statusBody(
        '⏳ Waiting for Coder. Nothing is lost: this goes on by itself as soon as Coder answers again.',
        '',
        'Coder is not answering just now. The assignment is taken: the agent starts once Coder is back, and comments on this issue wait, in order, until then.',
        '',
        'Task: `gh-widgets-7`',
      ),
    );
  });

  it('keeps the agent link and says the comments wait, in order', () => {
    const body = renderStatusComment({
      state: 'waiting-for-coder',
      taskName: 't',
      agentUrl: 'https://c/a',
      problem: CODER_DOWN_NOTES.deliver,
    });
    expect(body).toContain('Waiting for Coder');
    expect(body).toContain('reach the agent once it does');
    expect(body).toContain('[Open in Coder](https://c/a)');
    // Not the idle line of a running agent: nothing is picked up while Coder is down.
    expect(body).not.toContain('picks up the next comment');
    expect(body).not.toContain('are forwarded to it');
  });

  it('shows what shepherding found: a conflict, review threads, flakes, who is waited for', () => {
    const body = ofTask1({
      state: 'running',
      activity: 'idle',
      shepherd: {
        conflictWith: 'main',
        threads: { open: 2, resolved: 1 },
        flakes: ['unit-tests', 'unit-tests', 'lint'],
        waiting: ['Review requested from @lead (nobody had reviewed for 24 h).'],
      },
    });
    expect(body).toContain('- ⚠️ Merge conflict with `main`: the agent was asked to resolve it.');
    expect(body).toContain('- Review threads: 2 open, 1 resolved');
    expect(body).toContain(
      '- CI flaked 3 times (failed, passed when re-run): `unit-tests` twice, `lint` once',
    );
    expect(body).toContain('- Review requested from @lead');
    const once = ofTask1({ state: 'running', shepherd: { flakes: ['unit-tests'] } });
    expect(once).toContain('- CI flaked once (failed, passed when re-run): `unit-tests`');
    const done = ofTask1({ state: 'completed', shepherd: { conflictWith: 'main' } });
    expect(done).not.toContain('Merge conflict');
  });
});

describe('status comment: comments held for approval', () => {
  it('counts per author, says what was dropped, and how to answer', () => {
    const body = ofTask1({
      state: 'running',
      activity: 'idle',
      held: {
        authors: [
          { login: 'mallory', count: 1 },
          { login: 'eve', count: 3 },
        ],
        dropped: 2,
      },
    });
    expect(body).toContain(
      [
        '- ✋ 1 comment from @mallory waits for approval',
        '- ✋ 3 comments from @eve wait for approval',
        '- ✋ 2 older comments waiting for approval were dropped (too many waited)',
        '',
        'Comments from outside the trust list reach the agent only once a maintainer writes `/agent approve` (all) or `/agent approve <comment link>` (one); `/agent deny` drops them.',
      ].join('\n'),
    );
    const none = ofTask1({ state: 'running', held: { authors: [], dropped: 0 } });
    expect(none).not.toContain('approv');
    const done = ofTask1({
      state: 'completed',
      held: { authors: [{ login: 'mallory', count: 1 }], dropped: 0 },
    });
    expect(done).not.toContain('mallory');
  });
});
