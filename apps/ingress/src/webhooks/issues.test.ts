import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { ctx, invalid, LEAD, signalTask, skip, startAssigned, without } from '../classify-fixtures';

describe('issues.assigned', () => {
  it('starts the task when the agent is assigned', () => {
    const payload = samplePayloads.issueAssigned({ issueNumber: 42, title: 'Fix the widget' });
    expect(classify('issues', payload, ctx)).toEqual(startAssigned(42, 'Fix the widget'));
  });

  it('compares the agent login case-insensitively', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'XMTP-Coder-Agent' });
    expect(classify('issues', payload, ctx).action).toBe('start-task');
  });

  it('skips an assignment to someone else', () => {
    const payload = samplePayloads.issueAssigned({ assignee: 'someone' });
    expect(classify('issues', payload, ctx)).toEqual(skip('assignee is not the agent'));
  });

  it.each(['issue.number', 'installation', 'installation.id'])(
    'names the missing field of a malformed payload (%s)',
    (field) => {
      const payload = without(samplePayloads.issueAssigned(), field);
      expect(classify('issues', payload, ctx)).toMatchObject(invalid(field));
    },
  );

  it('skips other issue actions without validating them', () => {
    expect(classify('issues', { action: 'reopened' }, ctx)).toEqual(
      skip('unhandled action issues.reopened'),
    );
  });
});

describe('issues.closed', () => {
  it('signals the task', () => {
    const payload = samplePayloads.issueClosed({ issueNumber: 42 });
    expect(classify('issues', payload, ctx)).toEqual(
      signalTask(42, { kind: 'issue.closed', sender: LEAD }),
    );
  });
});
