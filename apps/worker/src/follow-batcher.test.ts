import { describe, expect, it } from 'vitest';
import { type ActivityDeps, FollowBatcher } from './activities';

type Watch = NonNullable<ActivityDeps['agentWatch']>;

/**
 * A client that records each `signalWithStart` and answers it when the test says: the batching
 * is what is under test here, not Temporal (agent-watch.test.ts runs the batcher on a server).
 */
function recordingWatch() {
  const sent: { follows: { taskName?: string }[] }[] = [];
  const answers: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const client = {
    workflow: {
      signalWithStart: (_type: string, options: { signalArgs: [{ follows: [] }] }) => {
        sent.push(options.signalArgs[0]);
        return new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
      },
    },
  };
  const watch = { client, taskQueue: 'q', pollMs: 1_000, reconnectMs: 1_000 } as unknown as Watch;
  return { watch, sent, answers };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FollowBatcher', () => {
  it('sends the follows made while a signal is on its way as one signal after it', async () => {
    const { watch, sent, answers } = recordingWatch();
    const batcher = new FollowBatcher(watch, 5);
    const first = batcher.follow({ chatId: 'a', taskName: 't1' });
    await tick(20);
    expect(sent).toHaveLength(1);
    // The first signal has not been answered: these three wait for it, then go together.
    const later = ['t2', 't3', 't4'].map((taskName) =>
      batcher.follow({ chatId: taskName, taskName }),
    );
    await tick(20);
    expect(sent).toHaveLength(1);
    answers[0]?.resolve();
    await first;
    await tick(20);
    expect(sent.map((s) => s.follows.map((f) => f.taskName))).toEqual([['t1'], ['t2', 't3', 't4']]);
    answers[1]?.resolve();
    await Promise.all(later);
  });

  it('a failed signal fails its own callers only; the next batch still goes', async () => {
    const { watch, sent, answers } = recordingWatch();
    const batcher = new FollowBatcher(watch, 5);
    const first = batcher.follow({ chatId: 'a', taskName: 't1' });
    await tick(20);
    const second = batcher.follow({ chatId: 'b', taskName: 't2' });
    answers[0]?.reject(new Error('server unavailable'));
    await expect(first).rejects.toThrow('server unavailable');
    await tick(20);
    expect(sent).toHaveLength(2);
    answers[1]?.resolve();
    await expect(second).resolves.toBeUndefined();
  });
});
