import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { common, ctx, without } from '../classify-fixtures';

describe('issues.assigned', () => {
  it('starts the task when the agent is assigned', () => {
    const payload = samplePayloads.issueAssigned({ issueNumber: 42, title: 'Fix the widget' });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'start-task',
      taskName: 'gh-widgets-42',
      summary: 'acme/widgets#42: Fix the widget',
      event: {
        ...common,
        kind: 'issue.assigned',
        issueNumber: 42,
        issue: { title: 'Fix the widget', url: 'https://github.com/acme/widgets/issues/42' },
        sender: { login: 'octo-lead', id: 1001 },
      },
    });
  });

  it('compares the agent login case-insensitively', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'XMTP-Coder-Agent' });
    expect(classify('issues', payload, ctx).action).toBe('start-task');
  });

  it('skips an assignment to someone else', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'someone' });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'skip',
      reason: 'assignee is not the agent',
    });
  });

  it('names the missing field of a malformed payload', () => {
    const payload = without(samplePayloads.issueAssigned(), 'issue.number');
    expect(classify('issues', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'issue.number',
    });
  });

  it('requires the installation id', () => {
    const payload = without(samplePayloads.issueAssigned(), 'installation');
    expect(classify('issues', payload, ctx)).toMatchObject({
      action: 'invalid',
      field: 'installation',
    });
    const noId = without(samplePayloads.issueAssigned(), 'installation.id');
    expect(classify('issues', noId, ctx)).toMatchObject({
      action: 'invalid',
      field: 'installation.id',
    });
  });

  it('skips other issue actions without validating them', () => {
    expect(classify('issues', { action: 'reopened' }, ctx)).toEqual({
      action: 'skip',
      reason: 'unhandled action issues.reopened',
    });
  });
});

describe('issues.closed', () => {
  it('signals the task', () => {
    const payload = samplePayloads.issueClosed({ issueNumber: 42 });
    expect(classify('issues', payload, ctx)).toEqual({
      action: 'signal-task',
      taskName: 'gh-widgets-42',
      event: {
        ...common,
        kind: 'issue.closed',
        issueNumber: 42,
        sender: { login: 'octo-lead', id: 1001 },
      },
    });
  });
});
