/**
 * Nothing lost: a comment whose webhook delivery failed while the ingress was down arrives,
 * once, after the `webhook-redelivery` schedule runs (triggered by hand with the command
 * docs/configuration.md shows); and a redelivery of an event that did get through the first
 * time is recognised by its GUID and acted on once.
 *
 * On a Temporal server of its own: the schedule ID is one per namespace.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { samplePayloads, until } from '@code-factory/testkit';
import {
  type DevServer,
  type Stack,
  startDevServer,
  startStack,
} from '@code-factory/testkit/stack';
import { REDELIVERY_SCHEDULE_ID, type RedeliveryResult, stateQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const JWT = { authorization: 'Bearer aaa.bbb.ccc' };

/** The trigger command exactly as docs/configuration.md shows it. */
function documentedTrigger(): string {
  const doc = readFileSync(resolve(ROOT, 'docs/configuration.md'), 'utf8');
  const line = doc.split('\n').find((l) => l.startsWith('pnpm temporal schedule trigger'));
  if (!line) throw new Error('docs/configuration.md lost the schedule trigger command');
  return line.trim();
}

describe('webhook redelivery', () => {
  let server: DevServer;
  let stack: Stack;
  let runs = 0;

  /** Triggers the schedule with the documented command and returns the new run's result. */
  async function triggerRun(): Promise<RedeliveryResult> {
    const started = performance.now();
    const result = await triggerAndWait();
    if (process.env.REDELIVERY_TIMING) {
      console.log(`redelivery run ${runs}: ${Math.round(performance.now() - started)} ms`);
    }
    return result;
  }

  async function triggerAndWait(): Promise<RedeliveryResult> {
    const command = documentedTrigger();
    await run(
      'bash',
      ['-c', `bash infra/temporal-cli.sh ${command.slice('pnpm temporal '.length)}`],
      {
        cwd: ROOT,
        env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' },
      },
    );
    runs++;
    const schedule = stack.client.schedule.getHandle(REDELIVERY_SCHEDULE_ID);
    const action = await until(async () => {
      const recent = (await schedule.describe()).info.recentActions;
      return recent.length >= runs ? recent[recent.length - 1] : undefined;
    }, `run ${runs} of the schedule`);
    const workflow = action.action.workflow;
    return stack.client.workflow
      .getHandle(workflow.workflowId, workflow.firstExecutionRunId)
      .result() as Promise<RedeliveryResult>;
  }

  /** An issue whose agent is ready, and the webhook of one comment on it. */
  async function readyWithComment(number: number, title: string, body: string) {
    const workflowId = await stack.assignUntilReady(number, title);
    const handle = stack.client.workflow.getHandle(workflowId);
    const comment = samplePayloads.issueComment({
      ...stack.issue(number),
      body,
      commentId: number * 10,
    });
    return { workflowId, handle, comment };
  }

  beforeAll(async () => {
    server = await startDevServer();
    // A daily interval: in this test the schedule runs only when triggered.
    stack = await startStack({
      address: server.address,
      redeliverySchedule: { intervalMs: 24 * 60 * 60_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  it('brings in, once, a comment whose delivery failed while the ingress was down', async () => {
    const body = 'sent while the ingress was down';
    const { workflowId, handle, comment } = await readyWithComment(7101, 'Redelivery', body);

    await stack.stopIngress();
    const lost = await stack.deliver('issue_comment', comment);
    expect(lost.status).toBe(0);
    await stack.startIngress();
    expect((await handle.query(stateQuery)).counts.accepted).toBe(1);

    const first = await triggerRun();
    expect(first).toMatchObject({ failed: 1, redelivered: 1, givenUp: 0, errors: 0 });
    expect(first.seen).toBeGreaterThanOrEqual(2);

    await until(
      async () =>
        stack.agentTexts(workflowId)?.some((text) => text.includes(body)) ? true : undefined,
      'the comment reached the agent',
    );
    const guid = stack.github.deliveries().find((d) => d.status_code === 0)?.guid;
    expect(
      stack.github
        .deliveries()
        .filter((d) => d.guid === guid)
        .map((d) => [d.redelivery, d.status]),
    ).toEqual([
      [false, 'failed to connect to host'],
      [true, 'OK'],
    ]);

    // The next run starts from the first run's checkpoint (carried by the schedule), sees the
    // GUID succeeded, and redelivers nothing.
    const second = await triggerRun();
    expect(second.since).toBe(first.checkpoint);
    expect(second).toMatchObject({ failed: 0, redelivered: 0 });
    const state = await handle.query(stateQuery);
    expect(state.counts.accepted).toBe(2);
    expect(state.counts.duplicates).toBe(0);
    const delivered = (stack.agentTexts(workflowId) ?? []).filter((t) => t.includes(body));
    expect(delivered).toHaveLength(1);
  });

  it('counts a redelivery GitHub refuses, and tries it again on the next run', async () => {
    const body = 'lost, refused, then redelivered';
    const { workflowId, comment } = await readyWithComment(7103, 'Refused redelivery', body);
    await stack.stopIngress();
    await stack.deliver('issue_comment', comment);
    await stack.startIngress();
    stack.github.fail({ method: 'POST', path: /\/attempts$/, status: 422, times: 1 });
    const refused = await triggerRun();
    expect(refused).toMatchObject({ failed: 1, redelivered: 0, errors: 1 });
    const retried = await triggerRun();
    expect(retried).toMatchObject({ failed: 1, redelivered: 1, errors: 0 });
    await until(
      async () => (stack.agentTexts(workflowId)?.some((t) => t.includes(body)) ? true : undefined),
      'the comment reached the agent',
    );
  });

  it('acts once on a redelivery of an event that did get through', async () => {
    const body = 'delivered fine the first time';
    const { workflowId, handle, comment } = await readyWithComment(7102, 'Redelivered twice', body);
    const sent = await stack.deliver('issue_comment', comment);
    expect(sent.status).toBe(202);
    await until(
      async () => ((await handle.query(stateQuery)).counts.forwardedItems === 1 ? true : undefined),
      'the comment forwarded',
    );

    // Someone (or a schedule that saw a timeout) redelivers it through GitHub's API.
    const res = await fetch(
      `${stack.github.url}/app/hook/deliveries/${lastDeliveryId(stack)}/attempts`,
      { method: 'POST', headers: JWT },
    );
    expect(res.status).toBe(202);
    await stack.github.redeliveriesSettled();
    const again = stack.github.deliveries().at(-1);
    expect(again).toMatchObject({ redelivery: true, status: 'OK', status_code: 202 });

    const state = await until(async () => {
      const s = await handle.query(stateQuery);
      return s.counts.duplicates === 1 ? s : undefined;
    }, 'the redelivery counted as a duplicate');
    expect(state.counts.accepted).toBe(2);
    expect(state.counts.forwardedItems).toBe(1);
    expect((stack.agentTexts(workflowId) ?? []).filter((t) => t.includes(body))).toHaveLength(1);
  });
});

function lastDeliveryId(stack: Stack): number {
  const last = stack.github.deliveries().at(-1);
  if (!last) throw new Error('no delivery recorded');
  return last.id;
}
