/**
 * Fault: the cluster's PostgreSQL stops in the middle of an issue life (sends in flight) and
 * starts again, while the Temporal server and two worker processes keep running. The ingress
 * answers 503 while Temporal cannot write (GitHub redelivers those deliveries, as the
 * `webhook-redelivery` schedule asks it to), never crashes, and the workers survive. Once
 * PostgreSQL is back, everything accepted before the stop and everything redelivered after it
 * reaches the agent in order, once per workflow; Coder may see a send twice (a send in flight
 * when the workflow task that made it could not be recorded).
 *
 * The cluster only (`pnpm test:cluster:faults`): the dev server has no database process.
 */
import { randomUUID } from 'node:crypto';
import { samplePayloads } from '@code-factory/testkit';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterDown, clusterUp } from '../../../infra/cluster';
import {
  onCluster,
  receivedInOrder,
  startWorld,
  sum,
  until,
  type WorkerProcess,
  type World,
} from './harness';

/** How long PostgreSQL stays down: long enough for every poll and write to fail meanwhile. */
const OUTAGE_MS = 10_000;
/** TEMPORAL_SIGNAL_TIMEOUT_MS of the ingress here. */
const SIGNAL_TIMEOUT_MS = 2_000;

let world: World | undefined;
let workers: WorkerProcess[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await world?.close();
  // A failed test must not leave the cluster without its database.
  if (onCluster) await clusterUp();
});

describe.skipIf(!onCluster)('PostgreSQL restarted mid-life (the cluster only)', () => {
  it('refuses with 503 while down and loses, repeats and reorders nothing', async () => {
    const w = await startWorld({ address: temporalAddress(), signalTimeoutMs: SIGNAL_TIMEOUT_MS });
    world = w;
    workers = await w.spawnWorkers();

    const issues = [6401, 6402, 6403, 6404];
    const late = 6409; // assigned while the database is down
    const issue = (n: number) => w.issue(n);
    const state = w.stateOf;
    await w.assignReady(issues);

    type Comment = { n: number; body: string; deliveryId: string; commentId: number };
    const comment = (n: number, round: number): Comment => ({
      n,
      body: `postgres ${n} #${round} ${randomUUID().slice(0, 8)}`,
      deliveryId: randomUUID(),
      commentId: n * 10 + round,
    });
    const deliver = (c: Comment) =>
      w.deliver(
        'issue_comment',
        samplePayloads.issueComment({ ...issue(c.n), body: c.body, commentId: c.commentId }),
        c.deliveryId,
      );
    // In the order each issue must see them.
    const expected: Comment[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        issues.map(async (n) => {
          const c = comment(n, round);
          const res = await deliver(c);
          expect(res.status).toBe(202);
          expected.push(c);
        }),
      );
    }
    // Right behind the last accepted round: its workflow tasks and sends are in flight.
    await clusterDown('postgres');
    const stoppedAt = Date.now();

    // Down: the ingress refuses within its deadline and keeps serving.
    const refused: Comment[] = [];
    for (let round = 3; Date.now() - stoppedAt < OUTAGE_MS; round++) {
      const c = comment(issues[round % issues.length] ?? 0, round);
      const res = await deliver(c);
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.ms, 'the 503 within the signal deadline plus slack').toBeLessThan(
        SIGNAL_TIMEOUT_MS + 2_000,
      );
      refused.push(c);
    }
    const lateDelivery = randomUUID();
    const assignLate = () =>
      w.deliver('issues', samplePayloads.issueAssigned(issue(late)), lateDelivery);
    expect((await assignLate()).status).toBe(503);
    expect((await fetch(`${w.ingressUrl}/healthz`)).status).toBe(200);
    // The readiness probe asks the frontend, which answers without its database: only the
    // hand-offs fail. Every ingress replica is in the same state, so none is taken out.
    expect((await fetch(`${w.ingressUrl}/readyz`)).status).toBe(200);
    expect(refused.length).toBeGreaterThan(0);

    await clusterUp();
    const restartedAt = Date.now();
    // GitHub redelivers what failed, with the same delivery ID, until it is accepted: each
    // history shard takes the database back on its own, so some calls fail for a while longer.
    const redeliver = (what: string, send: () => Promise<{ status: number }>) =>
      until(async () => (await send()).status === 202, what, 60_000, 500);
    await redeliver('the late assignment', assignLate);
    for (const c of refused) {
      await redeliver(c.body, () => deliver(c));
      expected.push(c);
    }
    process.stdout.write(`postgres back → redeliveries accepted: ${Date.now() - restartedAt} ms\n`);
    for (const worker of workers) {
      expect(worker.child.exitCode, 'the workers survived the outage').toBeNull();
    }

    const perIssue = (n: number) => expected.filter((c) => c.n === n);
    const done = await until(
      async () => {
        const all = await Promise.all(issues.map(state));
        const forwarded = all.every(
          (s) =>
            s.counts.forwardedItems === perIssue(s.issueNumber).length && s.pending.length === 0,
        );
        return forwarded && (await state(late)).phase === 'ready' ? all : undefined;
      },
      'everything accepted or redelivered is forwarded, and the late task is ready',
      170_000,
      500,
    );
    process.stdout.write(
      `postgres back → all forwarded: ${Date.now() - restartedAt} ms (${refused.length} deliveries refused while down)\n`,
    );
    // Workflow level: every event once. A delivery refused while the database went away may
    // still have been written; its redelivery is then a duplicate, counted and not forwarded.
    const duplicates = done.reduce((sum, s) => sum + s.counts.duplicates, 0);
    expect(duplicates).toBeLessThanOrEqual(refused.length);
    for (const s of done) {
      const count = perIssue(s.issueNumber).length;
      expect(s.counts.forwardedItems, `${s.taskName} forwarded`).toBe(count);
      expect(s.counts.accepted, `${s.taskName} accepted`).toBe(1 + count);
    }
    // Coder level: in order, every one at least once; those redelivered after the outage (no
    // fault left) exactly once. A comment accepted before the stop may go out more than once:
    // its send ran in a workflow task whose completion could not be written, and the task ran
    // again (as often as it timed out while the database was down).
    let copies = 0;
    for (const n of issues) {
      const comments = perIssue(n);
      const extra = receivedInOrder(
        w.agentTexts(w.taskName(n)) ?? [],
        comments.map((c) => c.body),
      );
      copies += sum(extra);
      comments.forEach((c, i) => {
        if (refused.includes(c)) expect(extra[i], `${c.body} sent once`).toBe(0);
      });
    }
    process.stdout.write(`Coder saw ${copies} extra copies of comments accepted before the stop\n`);
  }, 300_000);
});
