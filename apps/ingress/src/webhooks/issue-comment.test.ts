import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { AGENT, BOT, common, ctx } from '../classify-fixtures';

describe('issue_comment on the issue', () => {
  it('signals the task with the comment', () => {
    const payload = samplePayloads.issueComment({
      issueNumber: 42,
      body: 'Use a map',
      commentId: 5,
    });
    const decision = classify('issue_comment', payload, ctx);
    expect(decision).toMatchObject({
      action: 'signal-task',
      taskName: 'gh-widgets-42',
      event: {
        ...common,
        kind: 'comment.posted',
        source: 'issue_comment',
        issueNumber: 42,
        commentId: 5,
        edited: false,
        author: { login: 'octo-lead', id: 1001 },
        body: 'Use a map',
        url: 'https://github.com/acme/widgets/issues/42#issuecomment-5',
      },
    });
    if (decision.action === 'signal-task') expect(decision.event).not.toHaveProperty('pullRequest');
  });

  it('marks edits', () => {
    const payload = samplePayloads.issueComment({ action: 'edited' });
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ event: { edited: true } });
  });

  it('skips comments by the agent', () => {
    const payload = samplePayloads.issueComment({ authorLogin: AGENT });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the agent',
    });
  });

  it('skips comments by the App bot', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT, authorAssociation: 'NONE' });
    const comment = payload.comment as { user: { type: string } };
    comment.user.type = 'Bot';
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the App bot',
    });
  });

  it('skips every bot when the App bot login is not configured', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT });
    (payload.comment as { user: { type: string } }).user.type = 'Bot';
    expect(classify('issue_comment', payload, { ...ctx, botLogin: undefined })).toMatchObject({
      action: 'skip',
    });
  });

  it('skips untrusted authors', () => {
    const payload = samplePayloads.issueComment({
      authorLogin: 'drive-by',
      authorAssociation: 'CONTRIBUTOR',
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'untrusted author (CONTRIBUTOR)',
    });
  });

  it('honours a configured trust list', () => {
    const payload = samplePayloads.issueComment({ authorAssociation: 'CONTRIBUTOR' });
    const trusting = { ...ctx, trustedAssociations: ['CONTRIBUTOR'] };
    expect(classify('issue_comment', payload, trusting).action).toBe('signal-task');
  });

  it('skips comments of deleted accounts', () => {
    const payload = samplePayloads.issueComment();
    (payload.comment as { user: unknown }).user = null;
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it('names the field when the comment id is not a number', () => {
    const payload = samplePayloads.issueComment();
    (payload.comment as { id: unknown }).id = 'abc';
    expect(classify('issue_comment', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'comment.id',
    });
  });

  it('skips deleted comments', () => {
    const payload = { ...samplePayloads.issueComment(), action: 'deleted' };
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ action: 'skip' });
  });
});

describe('issue_comment on a pull request', () => {
  it('routes comments on the agent pull request to the repository workflow', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueNumber: 7,
      issueAuthor: AGENT,
      commentId: 9,
      body: 'rename it',
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'route',
      event: {
        ...common,
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          ...common,
          kind: 'comment.posted',
          source: 'pr_comment',
          commentId: 9,
          edited: false,
          author: { login: 'octo-lead', id: 1001 },
          body: 'rename it',
          url: 'https://github.com/acme/widgets/pull/7#issuecomment-9',
          createdAt: expect.any(String),
          pullRequest: { number: 7, url: 'https://github.com/acme/widgets/pull/7' },
        },
      },
    });
  });

  it('skips pull requests not opened by the agent', () => {
    const payload = samplePayloads.issueComment({ onPullRequest: true, issueAuthor: 'human' });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'pull request is not by the agent',
    });
  });

  it('applies the author guards', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueAuthor: AGENT,
      authorLogin: AGENT,
    });
    expect(classify('issue_comment', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'comment by the agent',
    });
  });
});
