/**
 * Faults of Coder and GitHub: 5xx, timeouts, 429 and GitHub's secondary rate limit with
 * retry-after are retried with backoff (and retry-after honoured: the gap in the fakes' call
 * logs between the failed call and its retry is at least what the server asked for); 4xx that
 * retrying cannot fix end the step (docs/architecture.md#errors), without a retry storm.
 *
 * The worker runs in-process with the real activities, but with clients built with short
 * request timeouts (the production default is 30 s) so a hung server is cheap to test.
 */
import { randomUUID } from 'node:crypto';
import { CoderTasksBackend } from '@code-factory/coder';
import { parseEnv, WorkerConfigSchema } from '@code-factory/config';
import { GitHubApp } from '@code-factory/github';
import {
  type FaultSpec,
  githubFaults,
  type RecordedCall,
  samplePayloads,
} from '@code-factory/testkit';
import { temporalAddress } from '@code-factory/testkit/vitest';
import {
  type ActivityDeps,
  createActivities,
  createWorker,
  depsFromConfig,
} from '@code-factory/worker';
import { stateQuery, type TaskSnapshot } from '@code-factory/workflows';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODER_USER,
  LEAD,
  privateKey,
  startWorld,
  until,
  type World,
  workflowBundlePath,
} from './harness';

const CLIENT_TIMEOUT_MS = 1_500;

let world: World;
let worker: Worker;
let running: Promise<void>;
let native: NativeConnection;

beforeAll(async () => {
  world = await startWorld({ address: temporalAddress(), coderTimings: { workingMs: 20 } });
  const config = parseEnv(WorkerConfigSchema, world.workerEnv);
  const deps: ActivityDeps = {
    ...(await depsFromConfig(config, world.client)),
    github: new GitHubApp({
      appId: config.APP_ID,
      privateKey: privateKey(),
      baseUrl: world.github.url,
      timeoutMs: CLIENT_TIMEOUT_MS,
    }),
    backends: {
      tasks: new CoderTasksBackend({
        url: world.coder.url,
        token: world.coder.token,
        organization: config.CODER_ORGANIZATION,
        templateName: config.CODER_TEMPLATE_NAME,
        timeoutMs: CLIENT_TIMEOUT_MS,
      }),
    },
  };
  native = await NativeConnection.connect({ address: world.address });
  worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: world.taskQueue,
    activities: createActivities(deps),
    workflowBundle: { codePath: await workflowBundlePath() },
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await world?.close();
});

const issue = (issueNumber: number, sender = LEAD) => world.issue(issueNumber, sender);
const state = (n: number): Promise<TaskSnapshot> =>
  world.client.workflow.getHandle(world.taskName(n)).query(stateQuery);
const ready = (n: number) =>
  until(async () => (await state(n)).phase === 'ready', `${n} ready`, 30_000, 100);
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function assignAndWait(n: number) {
  expect((await world.deliver('issues', samplePayloads.issueAssigned(issue(n)))).status).toBe(202);
  await ready(n);
  const task = world.coder.taskByName(world.taskName(n));
  if (!task) throw new Error(`no task for ${n}`);
  return task;
}

async function comment(n: number, body: string, commentId = n * 10) {
  const res = await world.deliver(
    'issue_comment',
    samplePayloads.issueComment({ ...issue(n), body, commentId }),
  );
  expect(res.status).toBe(202);
}

/**
 * Assigns issue `n`, makes Coder answer its agent's next send as `fault` says, comments `body`
 * and waits until the comment is forwarded; returns the task and the send's calls, in order.
 */
async function forwardThrough(n: number, fault: Omit<FaultSpec, 'method' | 'path'>, body: string) {
  const task = await assignAndWait(n);
  const path = new RegExp(`^/api/v2/tasks/${CODER_USER}/${task.id}/send$`);
  world.coder.fail({ method: 'POST', path, ...fault });
  await comment(n, body);
  await until(async () => (await state(n)).counts.forwardedItems === 1, 'forwarded', 30_000);
  return { task, calls: world.coder.callsTo('POST', path) };
}

/**
 * A requester `lead-<name>` with write access, linked to the Coder user `dev-<name>`, and the
 * path that creates their task.
 */
function requester(name: string, id: number) {
  const sender = { login: `lead-${name}`, id };
  world.coder.addUser({ username: `dev-${name}`, githubUserId: id });
  world.github.setPermission(world.repo.owner, world.repo.name, sender.login, 'write', id);
  return { sender, create: new RegExp(`^/api/v2/tasks/dev-${name}$`) };
}

function gaps(calls: RecordedCall[]): number[] {
  return calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));
}

describe('Coder faults', () => {
  it('retries 5xx with exponential backoff (1 s, then 2 s)', async () => {
    const { calls } = await forwardThrough(6301, { status: 503, times: 2 }, 'five hundred');
    expect(calls.map((c) => c.status)).toEqual([503, 503, 204]);
    const [first, second] = gaps(calls);
    expect(first, 'first retry after ~initialInterval (1 s)').toBeGreaterThanOrEqual(950);
    expect(second, 'second retry after ~2 s (backoff coefficient 2)').toBeGreaterThanOrEqual(1_900);
  });

  it('honours retry-after on 429', async () => {
    const fault = { status: 429, headers: { 'retry-after': '3' } };
    const { calls } = await forwardThrough(6302, fault, 'slow down');
    expect(calls.map((c) => c.status)).toEqual([429, 204]);
    expect(gaps(calls)[0], 'retry not before retry-after (3 s)').toBeGreaterThanOrEqual(3_000);
  });

  it('retries a call that hangs past the client timeout', async () => {
    const fault = { status: 504, delayMs: 10_000 };
    const { task, calls } = await forwardThrough(6303, fault, 'are you there');
    expect(calls).toHaveLength(2);
    expect(gaps(calls)[0], 'client timeout, then the backoff').toBeGreaterThanOrEqual(
      CLIENT_TIMEOUT_MS,
    );
    const inputs = world.coder.inputs(task.id).filter((t) => t.includes('are you there'));
    expect(inputs, 'the hung attempt never reached the route: sent once').toHaveLength(1);
  });

  it('422 on create: the start step fails once, explained, without a retry storm', async () => {
    const n = 6304;
    const { sender, create } = requester('422', 4220);
    world.coder.fail({
      method: 'POST',
      path: create,
      status: 422,
      times: 50,
      body: { message: 'Validation failed.', validations: [{ field: 'input', detail: 'bad' }] },
    });
    const res = await world.deliver('issues', samplePayloads.issueAssigned(issue(n, sender)));
    expect(res.status).toBe(202);
    const failed = await until(
      async () => {
        const s = await state(n);
        return s.phase === 'failed' ? s : undefined;
      },
      'failed',
      30_000,
    );
    expect(failed.failedStep).toBe('start');
    expect(failed.lastError).toContain('422');
    // A retry storm would keep the start activity pending: idle means it was not retried.
    await world.waitForIdle(world.taskName(n));
    expect(world.coder.callsTo('POST', create), 'a 422 is not retried').toHaveLength(1);
    const comments = world.github.comments(world.repo.owner, world.repo.name, n);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('Something went wrong while starting the agent');
  });

  it('403 on create: user-fixable, explained in plain words in the status comment', async () => {
    const n = 6305;
    const { sender, create } = requester('403', 4030);
    world.coder.fail({ method: 'POST', path: create, status: 403, times: 50 });
    await world.deliver('issues', samplePayloads.issueAssigned(issue(n, sender)));
    await until(async () => (await state(n)).phase === 'failed', 'failed', 30_000);
    await world.waitForIdle(world.taskName(n));
    expect(world.coder.callsTo('POST', create)).toHaveLength(1);
    const comments = world.github.comments(world.repo.owner, world.repo.name, n);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('may not create a Coder task for `dev-403`');
  });
});

describe('GitHub faults', () => {
  it('honours retry-after of a secondary rate limit (403) on a reaction', async () => {
    const n = 6311;
    await assignAndWait(n);
    const commentId = 63_110_001;
    const path = new RegExp(
      `^/repos/${reEscape(world.repo.owner)}/${world.repo.name}/issues/comments/${commentId}/reactions$`,
    );
    world.github.fail(githubFaults.secondaryRateLimit({ method: 'POST', path, retryAfterSec: 2 }));
    await comment(n, 'react please', commentId);
    await until(() => world.github.callsTo('POST', path).length >= 2, 'reaction retried', 30_000);
    const calls = world.github.callsTo('POST', path);
    expect(calls.map((c) => c.status)).toEqual([403, 201]);
    expect(gaps(calls)[0], 'retry not before retry-after (2 s)').toBeGreaterThanOrEqual(2_000);
    expect(world.github.reactions().filter((r) => r.commentId === commentId)).toHaveLength(1);
  });

  it('retries 5xx on the status comment and posts it once', async () => {
    const n = 6312;
    const path = new RegExp(
      `^/repos/${reEscape(world.repo.owner)}/${world.repo.name}/issues/${n}/comments$`,
    );
    world.github.fail(githubFaults.serverError({ method: 'POST', path, times: 2, status: 502 }));
    await assignAndWait(n);
    const calls = world.github.callsTo('POST', path);
    expect(calls.map((c) => c.status)).toEqual([502, 502, 201]);
    expect(gaps(calls)[0]).toBeGreaterThanOrEqual(950);
    await until(
      () =>
        world.github.comments(world.repo.owner, world.repo.name, n)[0]?.body.includes('working'),
      'status comment updated to running',
      15_000,
    );
    expect(world.github.comments(world.repo.owner, world.repo.name, n)).toHaveLength(1);
  });

  it('a hung GitHub call times out on the client and is retried', async () => {
    const n = 6313;
    await assignAndWait(n);
    const commentId = 63_130_001;
    const path = new RegExp(`/issues/comments/${commentId}/reactions$`);
    world.github.fail({ method: 'POST', path, status: 504, delayMs: 10_000 });
    await comment(n, `hang ${randomUUID()}`, commentId);
    await until(() => world.github.callsTo('POST', path).length >= 2, 'retried', 30_000);
    const calls = world.github.callsTo('POST', path);
    expect(gaps(calls)[0]).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_MS);
    await until(() => calls.length >= 2 && world.github.callsTo('POST', path)[1]?.status, 'done');
    expect(world.github.callsTo('POST', path)[1]?.status).toBe(201);
  });
});
