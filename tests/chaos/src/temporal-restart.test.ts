/**
 * Fault: the Temporal server goes away during traffic and comes back (a dev server with a
 * persistent SQLite file, stopped and started again on the same port). The ingress answers
 * 503 quickly while it is down, never crashes (/healthz stays 200, /readyz follows Temporal),
 * and everything it accepted (202) before the stop is handled after the restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePayloads } from '@code-factory/testkit';
import { type DevServer, freePort, startDevServer } from '@code-factory/testkit/stack';
import { temporalCli } from '@code-factory/testkit/vitest';
import { stateQuery, type TaskSnapshot } from '@code-factory/workflows';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorld, until, type WorkerProcess, type World } from './harness';

let server: DevServer | undefined;
let world: World | undefined;
let worker: WorkerProcess | undefined;
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await world?.close();
  await server?.stop();
});

describe('Temporal stopped and restarted during traffic', () => {
  it('answers 503 quickly while down, stays up, and loses nothing it accepted', async () => {
    // A persistent SQLite file and a fixed port, so that a restart is the same server.
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'chaos-temporal-')), 't.db');
    const port = await freePort();
    const start = () => startDevServer({ cli: temporalCli(), port, dbFilename });
    server = await start();
    const w = await startWorld({ address: server.address, signalTimeoutMs: 1_000 });
    world = w;
    worker = await w.spawnWorker();
    await worker.ready;

    const issues = [6201, 6202, 6203, 6204];
    const issue = (issueNumber: number) => w.issue(issueNumber);
    const state = (n: number): Promise<TaskSnapshot> =>
      w.client.workflow.getHandle(w.taskName(n)).query(stateQuery);
    for (const n of issues) {
      expect((await w.deliver('issues', samplePayloads.issueAssigned(issue(n)))).status).toBe(202);
    }
    await until(
      async () => (await Promise.all(issues.map(state))).every((s) => s.phase === 'ready'),
      'tasks ready',
      60_000,
      200,
    );

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
    server = undefined;

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

    server = await start();
    await until(
      async () => (await fetch(`${w.ingressUrl}/readyz`)).status === 200,
      '/readyz 200 again',
      30_000,
      200,
    );
    expect((await fetch(`${w.ingressUrl}/healthz`)).status).toBe(200);
    expect(worker.child.exitCode, 'the worker survived the outage').toBeNull();

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
    for (const n of issues) {
      const task = w.coder.taskByName(w.taskName(n));
      const inputs = w.coder.inputs(task?.id ?? '').join('\n');
      for (const a of accepted.filter((x) => x.n === n)) {
        expect(inputs, `${a.body} reached the agent`).toContain(a.body);
      }
    }
  }, 260_000);
});
