import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { AGENT, BOT, ctx, invalid, issueUrl, skip, startAssigned } from '../classify-fixtures';

describe('issues.opened (a mention in a new issue)', () => {
  it('starts the task, the mention line being the first instruction', () => {
    const line = '@xmtp-coder-agent please fix and add a test';
    const payload = samplePayloads.issueOpened({
      issueNumber: 12,
      title: 'Parser crash',
      body: `It crashes on empty input.\n\n${line}`,
    });
    expect(classify('issues', payload, ctx)).toEqual(
      startAssigned(12, 'Parser crash', {
        trigger: 'mention',
        mention: { line, url: issueUrl(12), association: 'MEMBER' },
      }),
    );
  });

  it('skips an issue that does not mention the agent, or only in code, quotes or comments', () => {
    for (const body of [
      'Please fix the widget.',
      '```\n@xmtp-coder-agent\n```',
      '> @xmtp-coder-agent said so',
      '<!-- @xmtp-coder-agent -->',
      '@xmtp-coder-agent-bot please',
    ]) {
      expect(classify('issues', samplePayloads.issueOpened({ body }), ctx), body).toEqual(
        skip('no mention of the agent'),
      );
    }
    const empty = samplePayloads.issueOpened();
    (empty.issue as { body: unknown }).body = null;
    expect(classify('issues', empty, ctx)).toMatchObject({ action: 'skip' });
  });

  it('refuses an untrusted author', () => {
    const payload = samplePayloads.issueOpened({
      sender: 'drive-by',
      authorAssociation: 'NONE',
      body: '@xmtp-coder-agent do it',
    });
    expect(classify('issues', payload, ctx)).toEqual(skip('untrusted author (NONE)'));
  });

  it('refuses issues opened by the agent, the App or another bot', () => {
    const body = '@xmtp-coder-agent do it';
    expect(classify('issues', samplePayloads.issueOpened({ sender: AGENT, body }), ctx)).toEqual(
      skip('sent by the agent'),
    );
    expect(classify('issues', samplePayloads.issueOpened({ sender: BOT, body }), ctx)).toEqual(
      skip('sent by the App bot'),
    );
    const bot = samplePayloads.issueOpened({ sender: 'dependabot[bot]', body });
    (bot.sender as { type: string }).type = 'Bot';
    expect(classify('issues', bot, ctx)).toEqual(skip('sent by a bot'));
  });

  it('names the field of a malformed payload', () => {
    const payload = samplePayloads.issueOpened({ body: '@xmtp-coder-agent go' });
    (payload.issue as { author_association: unknown }).author_association = 3;
    expect(classify('issues', payload, ctx)).toMatchObject(invalid('issue.author_association'));
  });
});
