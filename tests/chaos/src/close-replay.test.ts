/**
 * Timing against replay: agent tasks closed at moments spread over their first second (the
 * status lane's interval, the start-up run's continue-as-new timer), while GitHub refuses the
 * closing status edit; every closed run must replay from its history, and the `state` query
 * (which replays a closed run) must answer.
 *
 * It guards change `status-clock` (docs/gotchas.md#workflows): before it,
 * a local activity's result reaching the code one workflow task later live than on replay
 * moved `Date.now()`, and the status lane chose a timer live and an edit on replay: 2 runs in
 * 40 of this scenario failed to replay; 0 in 40 since. Whether a run hits that timing is the
 * machine's: this is a stress test, in the slow suite.
 */
import { samplePayloads } from '@code-factory/testkit';
import { type Stack, startStack } from '@code-factory/testkit/stack';
import { workflowsPath } from '@code-factory/worker';
import { stateQuery } from '@code-factory/workflows';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUNS = 16;

describe('closes at spread moments replay', () => {
  let stack: Stack;
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    stack = await startStack({
      coderTimings: { chatRunningMs: 100 },
      workerEnv: { AGENT_POLL_INTERVAL_MS: '50' },
    });
    bundle = await bundleWorkflowCode({ workflowsPath });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${RUNS} agent tasks closed 0–1.1 s after ready each replay, and answer the state query`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const number = 7600 + i;
      const name = await stack.assignUntilReady(number, 'Closed at a spread moment');
      await new Promise((resolve) => setTimeout(resolve, (i * 137) % 1_100));
      stack.github.fail({
        method: 'PATCH',
        path: /\/issues\/comments\/\d+$/,
        status: 422,
        times: 5,
      });
      await stack.deliverAccepted('issues', samplePayloads.issueClosed(stack.issue(number)));
      const handle = stack.client.workflow.getHandle(name);
      expect(await handle.result()).toBe('closed');
      stack.github.reset();
      await handle.query(stateQuery).catch((err: unknown) => {
        failures.push(`${name}: state query: ${err}`);
      });
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, name).catch(
        (err: unknown) => {
          failures.push(`${name}: replay: ${err}`);
        },
      );
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
