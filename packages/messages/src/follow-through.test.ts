import { describe, expect, it } from 'vitest';
import { agentBrief } from './brief';
import {
  type FollowFacts,
  followLine,
  formatRegressionBrief,
  type Regression,
  regressionComment,
  revertComment,
  watchReleasedReply,
  whileWatchingReply,
} from './follow-through';
import { renderStatusComment } from './status-comment';

const regression: Regression = {
  pullRequest: { number: 12, url: 'https://github.com/acme/widgets/pull/12' },
  sha: 'abc1234def5678'.padEnd(40, '0'),
  branch: 'main',
  parentSha: 'fed9876'.padEnd(40, '1'),
  jobs: [
    {
      workflow: 'CI',
      name: 'unit-tests',
      url: 'https://github.com/acme/widgets/actions/runs/5/job/51',
      runUrl: 'https://github.com/acme/widgets/actions/runs/5',
      logTail: 'FAIL src/widget.test.ts\nError: expected 2 to be 3\n',
    },
  ],
};

describe('the regression comment', () => {
  it('names the merge, its parent, each job with its links and log tail, and what happened', () => {
    expect(regressionComment(regression, 'restarted')).toBe(
      [
        '⚠️ **The merge of #12 broke CI on `main`.**',
        '',
        'Merge commit `abc1234` fails 1 job that passed at its parent `fed9876`:',
        '',
        '#### CI / unit-tests',
        'Job: https://github.com/acme/widgets/actions/runs/5/job/51 · Run: https://github.com/acme/widgets/actions/runs/5',
        '```',
        'FAIL src/widget.test.ts',
        'Error: expected 2 to be 3',
        '```',
        '',
        'This issue was reopened, and a new Coder agent is starting on it with these logs.',
      ].join('\n'),
    );
    expect(regressionComment(regression, 'not-reopened')).toMatch(
      /This issue stays closed and no agent was started \(`shepherd.reopen_on_regression` is off\)\.$/,
    );
    expect(regressionComment(regression, 'reopen-failed')).toMatch(/could not be reopened/);
  });

  it('keeps a log that holds backticks inside its fence, and drops invisible characters', () => {
    const job = { ...regression.jobs[0], logTail: 'a ``` b\u200b\n' } as Regression['jobs'][0];
    const text = regressionComment({ ...regression, jobs: [job] }, 'restarted');
    expect(text).toContain('````\na ``` b\n````');
    expect(text).not.toContain('\u200b');
  });
});

describe('the revert comment', () => {
  const revert = {
    pullRequest: { number: 12 },
    sha: regression.sha,
    branch: 'main',
    url: 'https://github.com/acme/widgets/commit/e1e1e1e',
  };
  it('links the revert and says what happened to the issue', () => {
    expect(revertComment(revert, true)).toBe(
      [
        '↩️ **A revert of the merge of #12 (`abc1234`) landed on `main`:** https://github.com/acme/widgets/commit/e1e1e1e',
        '',
        'This issue was reopened; assign it to the agent again to start a new one.',
      ].join('\n'),
    );
    expect(revertComment(revert, null)).toMatch(
      /stays closed \(`shepherd.reopen_on_regression` is off\)\.$/,
    );
    expect(revertComment(revert, false)).toMatch(/could not be reopened/);
  });
});

describe('the status comment while the branch is watched, and after', () => {
  const facts: FollowFacts = {
    pullRequest: regression.pullRequest,
    branch: 'main',
    sha: regression.sha,
    until: '2026-12-08T17:00:00.000Z',
    reopen: true,
    state: 'watching',
  };
  it('says until when, and what the watch does', () => {
    expect(followLine(facts)).toBe(
      '👀 Watching `main` after the merge of #12 (`abc1234`) until 2026-12-08 17:00 UTC: a CI run it breaks, or a revert of it, is reported here and reopens this issue.',
    );
    expect(followLine({ ...facts, reopen: false })).toMatch(/is reported here\.$/);
    expect(followLine({ ...facts, state: 'quiet' })).toBe(
      '✅ Watched `main` after the merge of #12 (`abc1234`) until 2026-12-08 17:00 UTC: nothing broke.',
    );
    expect(followLine({ ...facts, state: 'reverted', revertUrl: 'https://x.test/c/1' })).toBe(
      '↩️ The merge of #12 (`abc1234`) was reverted (https://x.test/c/1); the watch ended.',
    );
    expect(followLine({ ...facts, state: 'ended-early' })).toBe(
      '⏹️ The watch of `main` after the merge of #12 (`abc1234`) was ended early.',
    );
    expect(followLine({ ...facts, reopen: false, regressed: true })).toBe(
      '⚠️ The merge of #12 (`abc1234`) broke CI on `main` (see the comment below); a revert is still looked for until 2026-12-08 17:00 UTC.',
    );
  });

  it('is a line of the completed status comment', () => {
    const body = renderStatusComment({
      state: 'completed',
      taskName: 'gh-widgets-1',
      follow: facts,
    });
    expect(body).toContain('✅ This issue is closed; the Coder agent was cleaned up.');
    expect(body).toContain('👀 Watching `main`');
  });
});

describe('the replies to commands while the merge is watched', () => {
  const facts = {
    branch: 'main',
    pullRequest: regression.pullRequest,
    until: '2026-12-08T17:00:00.000Z',
  };
  it('says the watch ended on release, and what runs otherwise', () => {
    expect(watchReleasedReply(facts)).toBe(
      '⏹️ The watch of `main` after the merge of #12 ended; nothing more happens on this issue unless it is given to the agent again.',
    );
    expect(whileWatchingReply(facts)).toBe(
      'No agent runs for this closed issue; the merge of #12 is watched on `main` until 2026-12-08 17:00 UTC. `/agent release` ends the watch.',
    );
  });
});

describe('the brief of the agent started again', () => {
  it('begins with the failure: the merged pull request, the commits, the jobs and their logs', () => {
    const brief = formatRegressionBrief(regression);
    expect(brief).toContain('- Merged pull request: https://github.com/acme/widgets/pull/12');
    expect(brief).toContain(`- Merge commit: ${regression.sha} on \`main\``);
    expect(brief).toContain('- Failing jobs: CI / unit-tests');
    expect(brief).toContain('Error: expected 2 to be 3');
    const issue = {
      url: 'https://github.com/acme/widgets/issues/1',
      owner: 'acme',
      repo: 'widgets',
    };
    const templates = { standard: 't', configAware: 'c' };
    const chat = agentBrief(issue, null, templates, 'agents', undefined, regression);
    expect(chat.input.startsWith(brief)).toBe(true);
    expect(chat.input).toContain('Work on this GitHub issue until it is resolved');
    // Without a regression the brief is as it was.
    expect(agentBrief(issue, null, templates, 'tasks').input).toBe(issue.url);
  });
});
