/** What every delivery goes through before its event's module (`webhooks/`) sees it. */
import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import { ctx } from './classify-fixtures';

describe('other deliveries', () => {
  it.each([
    ['ping', { zen: 'Keep it simple.' }, 'ping'],
    ['star', { action: 'created' }, 'unhandled event star'],
    ['workflow_run', { action: 'requested' }, 'unhandled action workflow_run.requested'],
    ['pull_request_review', {}, 'unhandled action pull_request_review.(none)'],
  ])('skips %s %j', (event, payload, reason) => {
    expect(classify(event, payload, ctx)).toEqual({ action: 'skip', reason });
  });
});
