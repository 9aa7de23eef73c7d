import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { AGENT, ctx, issueUrl, skip, startAssigned } from '../classify-fixtures';

describe('issues.edited (an edit that adds a mention)', () => {
  it('starts the task when the edit adds the first mention (changes.body.from had none)', () => {
    const line = '@xmtp-coder-agent update them';
    const payload = samplePayloads.issueEdited({
      issueNumber: 8,
      title: 'Docs',
      previousBody: 'The docs are stale.',
      body: `The docs are stale.\n${line}`,
    });
    expect(classify('issues', payload, ctx)).toEqual(
      startAssigned(8, 'Docs', {
        trigger: 'mention',
        mention: { line, url: issueUrl(8), edited: true, association: 'MEMBER' },
      }),
    );
  });

  it('skips an edit when the body mentioned the agent already, or does not now', () => {
    const again = samplePayloads.issueEdited({
      previousBody: '@xmtp-coder-agent fix it',
      body: '@xmtp-coder-agent fix it, and the docs',
    });
    expect(classify('issues', again, ctx)).toEqual(skip('the edit adds no mention of the agent'));
    const none = samplePayloads.issueEdited({ previousBody: 'a', body: 'b' });
    expect(classify('issues', none, ctx)).toMatchObject({ action: 'skip' });
  });

  it('skips a title edit (no changes.body)', () => {
    const payload = samplePayloads.issueEdited({ changed: 'title', body: '@xmtp-coder-agent go' });
    expect(classify('issues', payload, ctx)).toEqual(skip('the body was not edited'));
  });

  it('an edit by someone other than the author: their association is unknown, no trust check', () => {
    const payload = samplePayloads.issueEdited({
      sender: 'maintainer',
      issueAuthor: 'reporter',
      authorAssociation: 'NONE',
      previousBody: 'It breaks.',
      body: 'It breaks.\n\n@xmtp-coder-agent take it',
    });
    const decision = classify('issues', payload, ctx);
    expect(decision).toMatchObject({
      action: 'start-task',
      event: {
        sender: { login: 'maintainer' },
        mention: { line: '@xmtp-coder-agent take it', edited: true },
      },
    });
    if (decision.action === 'start-task' && decision.event.kind === 'issue.assigned') {
      expect(decision.event.mention).not.toHaveProperty('association');
    }
  });

  it('refuses an untrusted author editing their own issue, the agent, and closed issues', () => {
    const body = '@xmtp-coder-agent go';
    const untrusted = samplePayloads.issueEdited({ authorAssociation: 'NONE', body });
    expect(classify('issues', untrusted, ctx)).toEqual(skip('untrusted author (NONE)'));
    const agent = samplePayloads.issueEdited({ sender: AGENT, issueAuthor: 'someone', body });
    expect(classify('issues', agent, ctx)).toEqual(skip('sent by the agent'));
    const closed = samplePayloads.issueEdited({ body });
    (closed.issue as { state: string }).state = 'closed';
    expect(classify('issues', closed, ctx)).toEqual(skip('the issue is closed'));
  });
});
