/**
 * Fault: the Temporal server goes away during traffic and comes back. On the dev server, a
 * server of the test's own with a persistent SQLite file, stopped and started again on the same
 * port; on the cluster (TEST_TEMPORAL=cluster, two worker processes), the cluster's Temporal
 * process, stopped (SIGTERM) and started again by infra/cluster.sh while PostgreSQL keeps the
 * data. The ingress answers 503 quickly while it is down, never crashes (/healthz stays 200,
 * /readyz follows Temporal), the workers survive, and everything the ingress accepted (202)
 * before the stop is handled after the restart, once per workflow.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePayloads } from '@code-factory/testkit';
import { type DevServer, freePort, startDevServer } from '@code-factory/testkit/stack';
import { temporalAddress, temporalCli } from '@code-factory/testkit/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterDown, clusterUp } from '../../../infra/cluster';
import {
  onCluster,
  receivedInOrder,
  startWorld,
  until,
  type WorkerProcess,
  type World,
} from './harness';

/** The Temporal server this test stops and starts again at the same address. */
interface Restartable {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A dev server of this test's own: a persistent SQLite file and a fixed port. */
async function ownDevServer(): Promise<Restartable & { close(): Promise<void> }> {
  const dbFilename = join(mkdtempSync(join(tmpdir(), 'chaos-temporal-')), 't.db');
  const port = await freePort();
  let server: DevServer | undefined = await startDevServer({
    cli: temporalCli(),
    port,
    dbFilename,
  });
  return {
    address: server.address,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server = await startDevServer({ cli: temporalCli(), port, dbFilename });
    },
    close: async () => server?.stop(),
  };
}

/** The cluster's Temporal process; PostgreSQL keeps running (and is left running). */
function clusterTemporal(): Restartable {
  return {
    address: temporalAddress(),
    stop: () => clusterDown('temporal'),
    start: () => clusterUp(),
  };
}

let close: (() => Promise<void>) | undefined;
let world: World | undefined;
let workers: WorkerProcess[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await world?.close();
  await close?.();
});

describe('Temporal stopped and restarted during traffic', () => {
  it('answers 503 quickly while down, stays up, and loses nothing it accepted', async () => {
    let server: Restartable;
    if (onCluster) server = clusterTemporal();
    else {
      const own = await ownDevServer();
      close = own.close;
      server = own;
    }
    const w = await startWorld({ address: server.address, signalTimeoutMs: 1_000 });
    world = w;
    workers = await w.spawnWorkers();

    const issues = [6201, 6202, 6203, 6204];
    const issue = (issueNumber: number) => w.issue(issueNumber);
    const state = w.stateOf;
    await w.assignReady(issues);

    // Traffic, then the stop right behind the last accepted delivery.
    const accepted: { n: number; body: string }[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        issues.map(async (n) => {
          const body = `restart ${n} #${round} ${randomUUID().slice(0, 8)}`;
          const res = await w.deliver(
            'issue_comment',
            samplePayloads.issueComment({ ...issue(n), body, commentId: n * 10 + round }),
          );
          expect(res.status).toBe(202);
          accepted.push({ n, body });
        }),
      );
    }
    await server.stop();

    // Down: every delivery is refused quickly with 503, the process keeps serving.
    for (let i = 0; i < 5; i++) {
      const res = await w.deliver(
        'issue_comment',
        samplePayloads.issueComment({ ...issue(issues[0] ?? 0), body: `while down ${i}` }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.ms, '503 within the signal deadline (1 s) plus slack').toBeLessThan(3_000);
    }
    const assigned = await w.deliver('issues', samplePayloads.issueAssigned(issue(6299)));
    expect(assigned.status).toBe(503);
    expect((await fetch(`${w.ingressUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${w.ingressUrl}/readyz`)).status).toBe(503);
    expect(
      w.ingressLogs.some((l) => l.includes('"outcome":"unavailable"')),
      'the 503s are logged',
    ).toBe(true);

    await server.start();
    await until(
      async () => (await fetch(`${w.ingressUrl}/readyz`)).status === 200,
      '/readyz 200 again',
      30_000,
      200,
    );
    expect((await fetch(`${w.ingressUrl}/healthz`)).status).toBe(200);
    for (const worker of workers) {
      expect(worker.child.exitCode, 'the workers survived the outage').toBeNull();
    }

    // After the restart: a new delivery is accepted, and everything accepted before is handled.
    const after = `after restart ${randomUUID().slice(0, 8)}`;
    const res = await w.deliver(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(issues[1] ?? 0), body: after, commentId: 99 }),
    );
    expect(res.status).toBe(202);
    accepted.push({ n: issues[1] ?? 0, body: after });
    const perIssue = (n: number) => accepted.filter((a) => a.n === n).length;
    await until(
      async () =>
        (await Promise.all(issues.map(state))).every(
          (s) => s.counts.forwardedItems === perIssue(s.issueNumber) && s.pending.length === 0,
        ),
      'everything accepted is forwarded',
      170_000,
      500,
    );
    // Once per workflow (a duplicate would be counted, and forwarded items would pass the
    // count), in order at the agent.
    for (const s of await Promise.all(issues.map(state))) {
      expect(s.counts.duplicates, `${s.taskName} duplicates`).toBe(0);
      expect(s.counts.accepted, `${s.taskName} accepted`).toBe(1 + perIssue(s.issueNumber));
    }
    for (const n of issues) {
      const bodies = accepted.filter((x) => x.n === n).map((x) => x.body);
      receivedInOrder(w.agentTexts(w.taskName(n)) ?? [], bodies);
    }
  }, 260_000);
});
