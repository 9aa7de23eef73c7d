import { isExternalError } from '@code-factory/errors';
import { describe, expect, it } from 'vitest';
import { type CoderCapabilities, chooseBackend, describeChoice } from './detect';

const current: CoderCapabilities = { version: 'v2.38.0', chatsPath: '/api/v2/chats', tasks: false };
const v236: CoderCapabilities = {
  version: 'v2.36.4',
  chatsPath: '/api/experimental/chats',
  tasks: true,
};
const tasksOnly: CoderCapabilities = { version: 'v2.30.0', chatsPath: null, tasks: true };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isExternalError(err)) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('chooseBackend', () => {
  it('auto picks Coder Agents wherever chats exist, Tasks only where they do not', () => {
    expect(chooseBackend('auto', current)).toMatchObject({
      kind: 'agents',
      chatsPath: '/api/v2/chats',
    });
    expect(chooseBackend('auto', v236)).toMatchObject({
      kind: 'agents',
      chatsPath: '/api/experimental/chats',
    });
    expect(chooseBackend('auto', tasksOnly)).toMatchObject({ kind: 'tasks', chatsPath: null });
  });

  it('keeps an explicit choice the deployment serves', () => {
    expect(chooseBackend('tasks', v236).kind).toBe('tasks');
    expect(chooseBackend('agents', v236).kind).toBe('agents');
  });

  it('refuses tasks on a Coder without the Tasks API, naming the fix', () => {
    const message = refusal(() => chooseBackend('tasks', current));
    expect(message).toContain('CODER_BACKEND=tasks');
    expect(message).toContain('v2.38.0 has no Tasks API');
    expect(message).toMatch(/Unset CODER_BACKEND \(or set it to auto or agents\)/);
  });

  it('refuses agents without chats, and a deployment with neither', () => {
    expect(refusal(() => chooseBackend('agents', tasksOnly))).toContain('serves no Chats API');
    expect(
      refusal(() => chooseBackend('auto', { version: null, chatsPath: null, tasks: false })),
    ).toContain('offers neither');
  });

  it('describes what it found in one line', () => {
    expect(describeChoice(chooseBackend('auto', v236))).toBe(
      'v2.36.4: Coder Agents on /api/experimental/chats (chats at /api/experimental/chats, tasks available)',
    );
  });
});
