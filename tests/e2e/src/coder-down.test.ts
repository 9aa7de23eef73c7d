/**
 * Coder down is a state, not a failure (docs/gotchas.md "A Coder outage parked every
 * issue"). While the fake Coder answers every API call with 503, for longer than the whole
 * retry budget of a send and of a start: a running task holds its comments in order and its
 * status comment says "Waiting for Coder" (once); an issue assigned meanwhile gets its status
 * comment at once; no task is ever `failed`. Once Coder answers again, the held comments
 * reach the agent once each, in order, and the assignment starts its agent, by themselves.
 */
import { STATUS_MARKER } from '@code-factory/messages';
import { samplePayloads, until } from '@code-factory/testkit';
import { coderDownQuery } from '@code-factory/worker';
import { TASK_WORKFLOW_TYPE } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { suiteStack } from './suite-stack';

const WAITING = 'Waiting for Coder';

describe('Coder down', () => {
  const stack = suiteStack({
    coderTimings: { chatRunningMs: 100 },
    // Tries every 2 s, then 4, 8, ... (30 s in production): the outage outlasts the retry
    // budget of every call many times over in test time.
    workerEnv: { CODER_PROBE_INTERVAL_MS: '2000' },
  });

  /** What the status comment was ever written as (created or edited), in order. */
  const statusWrites = (n: number): string[] => {
    const id = stack.statusComments(n)[0]?.id;
    return stack.github
      .calls()
      .filter(
        (c) =>
          (c.method === 'POST' && c.path.endsWith(`/issues/${n}/comments`)) ||
          (c.method === 'PATCH' && id !== undefined && c.path.endsWith(`/issues/comments/${id}`)),
      )
      .map((c) => String((c.body as { body?: unknown } | undefined)?.body ?? ''))
      .filter((body) => body.startsWith(STATUS_MARKER));
  };
  const comment = async (n: number, body: string, commentId: number) => {
    const res = await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({ ...stack.issue(n), body, commentId }),
    );
    expect(res.status).toBe(202);
  };

  it('holds comments in order, shows it on the issue, never fails, and goes on by itself when Coder is back', async () => {
    const running = 7501;
    const assignedMeanwhile = 7502;
    const runningId = await stack.assignUntilReady(
      running,
      'Coder goes down under a running agent',
    );
    const chat = await stack.chatOf(runningId);
    await until(() => stack.coder.watchConnections() >= 1, 'a chat stream');
    const sentBefore = stack.coder.chatMessages(chat.id).length;

    // Every phase either task shows until the end: `failed` must never be one of them. One
    // loop per task, so a query that waits for the other task's workflow task does not leave
    // this one unsampled.
    const phases = new Set<string>();
    let watching = true;
    const watch = Promise.all(
      [runningId, stack.taskName(assignedMeanwhile)].map(async (id) => {
        while (watching) {
          const phase = await stack.state(id).then(
            (s) => s.phase,
            () => undefined,
          );
          if (phase) phases.add(`${id}:${phase}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );

    // Coder goes down: every API call answers 503 (Retry-After 0, so each activity spends its
    // retries at once) until the test lets it answer again.
    stack.coder.fail({
      path: /^\/api\//,
      status: 503,
      times: 1_000_000,
      headers: { 'retry-after': '0' },
      body: { message: 'Service Unavailable' },
    });
    await comment(running, 'held 1: first', 75011);
    await comment(running, 'held 2: second', 75012);
    await stack.waitForPhase(runningId, ['waiting-for-coder']);
    const shown = await stack.statusSays(running, [WAITING, 'reach the agent once it does']);
    expect(shown).not.toContain('picks up the next comment');
    await comment(running, 'held 3: third', 75013);

    // Past the running task's first try (30 s after its failure): Coder is still down, so it
    // waits again, longer, and is still not failed.
    await stack.waitFor(runningId, (s) => (s.coderDown?.failedProbes ?? 0) >= 1, 60_000);
    expect((await stack.state(runningId)).phase).toBe('waiting-for-coder');

    // An issue assigned while Coder is down shows its status comment at once.
    const assignedAt = Date.now();
    const meanwhileId = await stack.assign(assignedMeanwhile, 'Assigned while Coder is down');
    await stack.statusSays(assignedMeanwhile, [WAITING, 'The assignment is taken']);
    expect(Date.now() - assignedAt).toBeLessThan(20_000);
    await stack.waitForPhase(meanwhileId, ['waiting-for-coder']);

    // Both are counted (the query behind code_factory_coder_unavailable_tasks), and both keep
    // their work: nothing reached Coder.
    const query = coderDownQuery(TASK_WORKFLOW_TYPE, stack.taskQueue);
    await until(
      async () => (await stack.client.workflow.count(query)).count === 2,
      'two tasks counted as waiting for Coder',
    );
    const waiting = await stack.state(runningId);
    expect(waiting.pending.map((p) => p.kind)).toEqual([
      'comment.posted',
      'comment.posted',
      'comment.posted',
    ]);
    expect(waiting.coderDown?.step).toBe('deliver');
    // The Web UI's current details say it too, with when the next try is due.
    const metadata = (await stack.client.workflow
      .getHandle(runningId)
      .query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toContain('phase **waiting-for-coder**');
    expect(metadata.currentDetails).toMatch(/Waiting for Coder since .* \(step: deliver\)/);
    expect(metadata.currentDetails).toContain('Next try at');
    expect(stack.coder.chatMessages(chat.id)).toHaveLength(sentBefore);
    expect(stack.coder.chatByLabel('code-factory/task', meanwhileId)).toBeUndefined();

    // Coder is back. The start goes on at its first try, 30 s after it failed; the running
    // agent's chat changes (Coder pushes it), which is the running task's cue to try at once,
    // long before its own next try.
    stack.coder.reset();
    stack.coder.setChatDiff(chat.id, {
      pull_request_url: `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/75`,
    });
    await stack.waitFor(runningId, (s) => s.counts.forwardedItems === 3 && s.phase === 'ready');
    const texts = stack.coder
      .chatMessages(chat.id)
      .slice(sentBefore)
      .map((m) => m.text)
      .join('\n---\n');
    const at = ['held 1: first', 'held 2: second', 'held 3: third'].map((t) => {
      expect(texts.split(t), `"${t}" delivered once`).toHaveLength(2);
      return texts.indexOf(t);
    });
    expect(at).toEqual([...at].sort((a, b) => a - b));
    await until(() => !stack.statusComment(running).includes(WAITING), 'status back to normal');

    // The assignment made during the outage starts its agent by itself (one chat, no retry).
    await stack.waitForPhase(meanwhileId, ['ready'], 60_000);
    expect(
      stack.coder.chats().filter((c) => c.labels['code-factory/task'] === meanwhileId),
    ).toHaveLength(1);
    await until(
      () => !stack.statusComment(assignedMeanwhile).includes(WAITING),
      'status of the started agent',
    );

    watching = false;
    await watch;
    expect([...phases].filter((p) => p.endsWith(':failed'))).toEqual([]);
    // That both waited for Coder is asserted above (waitForPhase): the assignment made during
    // the outage may wait only a few seconds, shorter than a sampling round can take on a
    // loaded machine (CI once missed it).
    expect(phases).toContain(`${runningId}:waiting-for-coder`);
    // Said once each: one write of "Waiting for Coder" per issue, whatever the tries.
    expect(statusWrites(running).filter((b) => b.includes(WAITING))).toHaveLength(1);
    expect(statusWrites(assignedMeanwhile).filter((b) => b.includes(WAITING))).toHaveLength(1);
    await until(
      async () => (await stack.client.workflow.count(query)).count === 0,
      'none counted as waiting for Coder any more',
    );
  }, 240_000);

  it('a send Coder refuses (a 4xx, not an outage) is failed, and explained on the issue first', async () => {
    const n = 7503;
    const id = await stack.assignUntilReady(n, 'Coder refuses a message');
    const chat = await stack.chatOf(id);
    stack.coder.fail({
      method: 'POST',
      path: new RegExp(`^/api/v2/chats/${chat.id}/messages$`),
      status: 400,
      body: { message: 'Invalid request.' },
    });
    await comment(n, 'refused', 75031);
    await stack.waitForPhase(id, ['failed']);
    // Read once, right after the phase: the explanation was written before it was published.
    const body = stack.statusComment(n);
    expect(body).toContain('A message could not be delivered to the agent');
    expect(body).not.toContain('picks up the next comment');
    expect(body).not.toContain(WAITING);
  });
});

describe('Coder down (Coder Tasks)', () => {
  const stack = suiteStack({
    coderRelease: '2.36',
    workerEnv: { CODER_BACKEND: 'tasks', CODER_PROBE_INTERVAL_MS: '2000' },
  });

  it('a send to a Coder task that Coder does not answer waits for Coder and goes out by itself', async () => {
    const n = 7511;
    const id = await stack.assignUntilReady(n, 'Coder goes down under a Coder task');
    const sentBefore = stack.agentTexts(id)?.length ?? 0;
    stack.coder.fail({
      path: /^\/api\//,
      status: 502,
      times: 1_000_000,
      headers: { 'retry-after': '0' },
    });
    for (const [i, body] of ['tasks held 1', 'tasks held 2'].entries()) {
      const res = await stack.deliver(
        'issue_comment',
        samplePayloads.issueComment({ ...stack.issue(n), body, commentId: 75110 + i }),
      );
      expect(res.status).toBe(202);
    }
    // The readiness check before the send is what Coder does not answer here.
    await stack.waitForPhase(id, ['waiting-for-coder'], 60_000);
    await stack.statusSays(n, WAITING);
    stack.coder.reset();
    await stack.waitFor(id, (s) => s.counts.forwardedItems === 2 && s.phase === 'ready', 60_000);
    const texts = (stack.agentTexts(id) ?? []).slice(sentBefore).join('\n---\n');
    expect(texts.split('tasks held 1')).toHaveLength(2);
    expect(texts.split('tasks held 2')).toHaveLength(2);
    expect(texts.indexOf('tasks held 1')).toBeLessThan(texts.indexOf('tasks held 2'));
    await until(
      () => !stack.statusComment(n).includes(WAITING),
      'the status comment back to the running agent',
    );
  }, 180_000);
});
