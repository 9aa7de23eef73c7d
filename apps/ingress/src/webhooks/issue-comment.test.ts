import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import {
  AGENT,
  BOT,
  common,
  ctx,
  invalid,
  issueUrl,
  LEAD,
  pullRequest,
  route,
  signalTask,
  skip,
  startTask,
} from '../classify-fixtures';

/** The event of comment 5 on issue 42, by LEAD. */
const commentOn42 = (body: string) => ({
  kind: 'comment.posted',
  source: 'issue_comment',
  commentId: 5,
  edited: false,
  author: LEAD,
  body,
  url: `${issueUrl(42)}#issuecomment-5`,
});

describe('issue_comment on the issue', () => {
  it('signals the task with the comment', () => {
    const payload = samplePayloads.issueComment({
      issueNumber: 42,
      body: 'Use a map',
      commentId: 5,
    });
    const decision = classify('issue_comment', payload, ctx);
    expect(decision).toMatchObject(signalTask(42, commentOn42('Use a map')));
    if (decision.action === 'signal-task') expect(decision.event).not.toHaveProperty('pullRequest');
  });

  it('marks edits', () => {
    const payload = samplePayloads.issueComment({ action: 'edited' });
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ event: { edited: true } });
  });

  it('skips comments by the agent', () => {
    const payload = samplePayloads.issueComment({ authorLogin: AGENT });
    expect(classify('issue_comment', payload, ctx)).toEqual(skip('comment by the agent'));
  });

  it('skips comments by the App bot', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT, authorAssociation: 'NONE' });
    const comment = payload.comment as { user: { type: string } };
    comment.user.type = 'Bot';
    expect(classify('issue_comment', payload, ctx)).toEqual(skip('comment by the App bot'));
  });

  it('skips every bot when the App bot login is not configured', () => {
    const payload = samplePayloads.issueComment({ authorLogin: BOT });
    (payload.comment as { user: { type: string } }).user.type = 'Bot';
    expect(classify('issue_comment', payload, { ...ctx, botLogin: undefined })).toMatchObject({
      action: 'skip',
    });
  });

  it('passes an untrusted author on marked untrusted, as a plain signal (held by the task)', () => {
    const payload = samplePayloads.issueComment({
      authorLogin: 'drive-by',
      authorAssociation: 'CONTRIBUTOR',
    });
    expect(classify('issue_comment', payload, ctx)).toMatchObject({
      action: 'signal-task',
      event: {
        kind: 'comment.posted',
        author: { login: 'drive-by' },
        authorAssociation: 'CONTRIBUTOR',
        untrusted: true,
      },
    });
    const trusted = classify('issue_comment', samplePayloads.issueComment(), ctx);
    expect(trusted.action === 'signal-task' && 'untrusted' in trusted.event).toBe(false);
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
    expect(classify('issue_comment', payload, ctx)).toMatchObject(invalid('comment.id'));
  });

  it('skips deleted comments', () => {
    const payload = { ...samplePayloads.issueComment(), action: 'deleted' };
    expect(classify('issue_comment', payload, ctx)).toMatchObject({ action: 'skip' });
  });

  it("carries the author's association for the provenance line", () => {
    const payload = samplePayloads.issueComment({ authorAssociation: 'owner' });
    const trusting = { ...ctx, trustedAssociations: ['OWNER'] };
    expect(classify('issue_comment', payload, trusting)).toMatchObject({
      event: { authorAssociation: 'OWNER' },
    });
  });
});

describe('issue_comment mentioning the agent (a trigger)', () => {
  it('starts the task (signal-with-start) with the mention line; forwarded if one runs', () => {
    const line = '@xmtp-coder-agent please fix the parser';
    const body = `Any takers?\n${line}\n\nThanks`;
    const payload = samplePayloads.issueComment({
      issueNumber: 42,
      title: 'Flaky parser',
      commentId: 5,
      body,
    });
    expect(classify('issue_comment', payload, ctx)).toEqual(
      startTask(42, 'Flaky parser', {
        ...commentOn42(body),
        createdAt: expect.any(String),
        authorAssociation: 'MEMBER',
        mention: { line, issue: { title: 'Flaky parser', url: issueUrl(42) } },
      }),
    );
  });

  it('an untrusted commenter mentioning the agent starts nothing: a plain signal, no mention', () => {
    const payload = samplePayloads.issueComment({
      authorLogin: 'drive-by',
      authorAssociation: 'NONE',
      body: '@xmtp-coder-agent do my homework',
    });
    const decision = classify('issue_comment', payload, ctx);
    expect(decision).toMatchObject({ action: 'signal-task', event: { untrusted: true } });
    expect(decision.action === 'signal-task' && 'mention' in decision.event).toBe(false);
  });

  it('an edit that mentions the agent, or a comment on a closed issue, is only a comment', () => {
    const edited = samplePayloads.issueComment({ action: 'edited', body: '@xmtp-coder-agent go' });
    expect(classify('issue_comment', edited, ctx).action).toBe('signal-task');
    const closed = samplePayloads.issueComment({ body: '@xmtp-coder-agent go' });
    (closed.issue as { state: string }).state = 'closed';
    expect(classify('issue_comment', closed, ctx).action).toBe('signal-task');
  });

  it('a mention in code or a quote is no trigger', () => {
    for (const body of [
      '`@xmtp-coder-agent`',
      '> @xmtp-coder-agent go',
      '<!-- @xmtp-coder-agent -->',
    ]) {
      const payload = samplePayloads.issueComment({ body });
      expect(classify('issue_comment', payload, ctx).action, body).toBe('signal-task');
    }
  });

  it('on a pull request a mention is an ordinary comment (routed)', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueAuthor: AGENT,
      body: '@xmtp-coder-agent fix the lint',
    });
    expect(classify('issue_comment', payload, ctx).action).toBe('route');
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
    expect(classify('issue_comment', payload, ctx)).toEqual(
      route({
        kind: 'route.comment',
        pullRequestNumber: 7,
        comment: {
          ...common,
          kind: 'comment.posted',
          source: 'pr_comment',
          commentId: 9,
          edited: false,
          author: LEAD,
          body: 'rename it',
          url: 'https://github.com/acme/widgets/pull/7#issuecomment-9',
          createdAt: expect.any(String),
          pullRequest: pullRequest(7),
          authorAssociation: 'MEMBER',
        },
      }),
    );
  });

  it('skips pull requests not opened by the agent', () => {
    const payload = samplePayloads.issueComment({ onPullRequest: true, issueAuthor: 'human' });
    expect(classify('issue_comment', payload, ctx)).toEqual(
      skip('pull request is not by the agent'),
    );
  });

  it('applies the author guards', () => {
    const payload = samplePayloads.issueComment({
      onPullRequest: true,
      issueAuthor: AGENT,
      authorLogin: AGENT,
    });
    expect(classify('issue_comment', payload, ctx)).toEqual(skip('comment by the agent'));
  });
});
