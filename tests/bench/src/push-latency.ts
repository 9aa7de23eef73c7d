/**
 * Push against poll: how long a comment held for an agent waits once the agent can take it.
 *
 * Each sample parks an issue's comment behind a Coder Agents chat in `error` (a usage limit,
 * which a person must fix), then clears the error in the fake Coder (the chat goes `waiting`:
 * the agent just went idle) and measures the time until the held comment reaches Coder.
 * `push`: the chat watch stream is up. `poll`: the stream is refused for the whole leg, so the
 * stream holder polls every AGENT_POLL_INTERVAL_MS. Same stack, same run.
 */

import { until } from '@code-factory/testkit';
import { holdCommentBehindAgentError, startStack } from '@code-factory/testkit/stack';

export interface LatencyLeg {
  mode: 'push' | 'poll';
  samples: number[];
}

export async function pushVersusPoll(
  address: string,
  options: { samples: number; pollMs: number },
): Promise<LatencyLeg[]> {
  const stack = await startStack({
    address,
    coderTimings: { chatRunningMs: 20 },
    workerEnv: {
      AGENT_POLL_INTERVAL_MS: String(options.pollMs),
      STATUS_COMMENT_INTERVAL_MS: '60000',
    },
  });
  try {
    const legs: LatencyLeg[] = [];
    let number = 9000;
    for (const mode of ['push', 'poll'] as const) {
      if (mode === 'poll') stack.coder.cutStreams({ refuseForMs: 24 * 60 * 60_000 });
      else stack.coder.restoreStreams();
      const samples: number[] = [];
      for (let i = 0; i < options.samples; i++) {
        number++;
        const name = await stack.assign(number, `latency ${mode} ${i}`);
        await stack.waitForPhase(name, ['ready']);
        const body = `held comment ${mode} ${i}`;
        const { chatId } = await holdCommentBehindAgentError(stack, number, name, body);
        const start = performance.now();
        stack.coder.setChatStatus(chatId, 'waiting');
        await until(
          () => stack.coder.chatMessages(chatId).some((m) => m.text.includes(body)),
          'the held comment delivered',
        );
        samples.push(performance.now() - start);
      }
      legs.push({ mode, samples });
    }
    return legs;
  } finally {
    await stack.close();
  }
}
