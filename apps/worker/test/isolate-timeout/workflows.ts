import { CancellationScope } from '@temporalio/workflow';

/**
 * Never yields once it runs: its activation reaches the sandbox-call timeout. The loop runs in
 * a cancellation scope, after an await: the scope is the SDK's AsyncLocalStorage at work (async
 * hooks on in the workflow thread), and the loop runs in a promise continuation, as workflow
 * code does. Without the scope Node 20 fails the workflow task and goes on.
 */
export async function spinInScope(): Promise<number> {
  return CancellationScope.cancellable(async () => {
    await Promise.resolve();
    let turns = 0;
    // Never false: counting stops adding at 2^53 and stays there.
    while (turns >= 0) turns++;
    return turns;
  });
}
