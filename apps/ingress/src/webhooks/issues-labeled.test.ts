import { samplePayloads } from '@code-factory/testkit';
import { describe, expect, it } from 'vitest';
import { classify } from '../classify';
import { AGENT, BOT, ctx, invalid, skip, startAssigned } from '../classify-fixtures';

describe('issues.labeled (a label as a trigger)', () => {
  it('hands the label to the task as a start; the worker decides whether it is the trigger label', () => {
    const payload = samplePayloads.issueLabeled({
      issueNumber: 3,
      title: 'Bump deps',
      label: 'code-factory',
      sender: 'labeller',
    });
    expect(classify('issues', payload, ctx)).toEqual(
      startAssigned(3, 'Bump deps', {
        sender: { login: 'labeller', id: expect.any(Number) },
        trigger: 'label',
        label: 'code-factory',
      }),
    );
    // Any label: only the worker knows the repository's (`[triggers] label`).
    const other = samplePayloads.issueLabeled({ label: 'ai-please' });
    expect(classify('issues', other, ctx)).toMatchObject({ event: { label: 'ai-please' } });
  });

  it('removing a label does nothing', () => {
    const payload = samplePayloads.issueLabeled({ action: 'unlabeled' });
    expect(classify('issues', payload, ctx)).toEqual(skip('unhandled action issues.unlabeled'));
  });

  it('skips labels on closed issues, and labels added by the agent, the App or a bot', () => {
    expect(classify('issues', samplePayloads.issueLabeled({ state: 'closed' }), ctx)).toEqual(
      skip('the issue is closed'),
    );
    expect(classify('issues', samplePayloads.issueLabeled({ sender: AGENT }), ctx)).toMatchObject({
      reason: 'sent by the agent',
    });
    expect(classify('issues', samplePayloads.issueLabeled({ sender: BOT }), ctx)).toMatchObject({
      reason: 'sent by the App bot',
    });
    const bot = samplePayloads.issueLabeled({ sender: 'triage[bot]' });
    (bot.sender as { type: string }).type = 'Bot';
    expect(classify('issues', bot, ctx)).toMatchObject({ reason: 'sent by a bot' });
  });

  it('a delivery without a label starts nothing; a malformed one names the field', () => {
    const payload = samplePayloads.issueLabeled();
    delete payload.label;
    expect(classify('issues', payload, ctx)).toEqual(skip('no label in the delivery'));
    const bad = samplePayloads.issueLabeled();
    (bad.label as { name: unknown }).name = '';
    expect(classify('issues', bad, ctx)).toMatchObject(invalid('label.name'));
  });
});
