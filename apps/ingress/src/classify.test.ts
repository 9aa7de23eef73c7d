import { describe, expect, it } from 'vitest';
import { classify } from './classify';
import { ctx } from './classify-fixtures';

describe('other deliveries', () => {
  it('skips ping', () => {
    expect(classify('ping', { zen: 'Keep it simple.' }, ctx)).toEqual({
      action: 'skip',
      reason: 'ping',
    });
  });

  it('skips unhandled events', () => {
    expect(classify('star', { action: 'created' }, ctx)).toEqual({
      action: 'skip',
      reason: 'unhandled event star',
    });
  });
});
