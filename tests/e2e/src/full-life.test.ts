/**
 * A whole issue life through the running ingress and worker, for both Coder backends:
 * assign, three comments while the agent starts, a review comment on the agent's pull
 * request, a failed CI run (re-run first, failing again), an edited comment, close. The fakes must have seen exactly the
 * expected calls, in order, nothing twice.
 *
 * Against today's Coder (the fake's `2.39` release) with no backend configured, the
 * worker detects Coder Agents on /api/v2/chats; against Coder 2.36 it runs Coder Tasks.
 */
import { outOfOrder, samplePayloads, until } from '@code-factory/testkit';
import { seedAgentPull } from '@code-factory/testkit/stack';
import { stateQuery, type TaskSnapshot } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { failAndRerun } from './ci-runs';
import { suiteStack } from './suite-stack';

const cases = [
  { backend: 'agents', release: '2.39', workerEnv: {} },
  { backend: 'tasks', release: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } },
] as const;

describe.each(cases)(
  'full issue life: $backend on Coder $release',
  ({ backend, release, workerEnv }) => {
    const stack = suiteStack({
      coderRelease: release,
      workerEnv,
      // A slow start-up, so the first comments arrive while the agent is not ready.
      coderTimings: { pendingMs: 300, initializingMs: 500, workingMs: 200 },
    });

    it('detects the backend the release offers', () => {
      const detected = stack.coderBackend();
      expect(detected.kind).toBe(backend);
      expect(detected.chatsPath).toBe(
        release === '2.39' ? '/api/v2/chats' : '/api/experimental/chats',
      );
      expect(detected.capabilities.tasks).toBe(release === '2.36');
    });

    it('forwards everything in order, once, and cleans up', async () => {
      const number = backend === 'tasks' ? 5101 : 5102;
      const pr = number + 1000;
      const headSha = 'c0ffee'.padEnd(40, '0');
      const name = stack.taskName(number);
      const handle = stack.client.workflow.getHandle(name);
      const state = () => handle.query(stateQuery);
      const issue = stack.issue(number);
      const accepted = async (n: number) =>
        until(
          async () => ((await state()).counts.accepted >= n ? true : undefined),
          `${n} accepted`,
        );

      // The agent's pull request for the issue, and a failed run at its head.
      const agentPull = seedAgentPull(stack.github, {
        repo: stack.repo,
        issueNumber: number,
        prNumber: pr,
        headSha,
        failingLog: 'setup\nFAIL src/a.test.ts\nError: expected 1 to be 2',
      });

      if (backend === 'agents') {
        // A chat takes messages as soon as it exists; a first create attempt that fails
        // (retried after a second) keeps the start-up open while the first comments arrive.
        stack.coder.fail({ method: 'POST', path: /^\/api\/v2\/chats$/, status: 503, times: 1 });
      }
      const send = stack.deliverAccepted;
      await send('issues', samplePayloads.issueAssigned({ ...issue, title: 'Full life' }));
      for (const [i, body] of [
        'first: use the v2 API',
        'second: keep the old flag',
        'third: add a test',
      ].entries()) {
        await send(
          'issue_comment',
          samplePayloads.issueComment({ ...issue, body, commentId: number * 10 + i }),
        );
      }
      await accepted(4);
      expect((await state()).phase).not.toBe('ready');

      // Pull-request events go through the repository workflow: wait until each reached the task.
      const review = { body: 'review: rename this variable', path: 'src/a.ts', line: 12 };
      await send(
        'pull_request_review_comment',
        agentPull.reviewComment({ ...review, commentId: number * 10 + 7 }),
      );
      await accepted(5);
      // The failed jobs are re-run before the agent hears (`[shepherd] rerun_failed_jobs`,
      // default 1); the re-run fails too, and the agent gets both attempts.
      await failAndRerun(stack, { runId: number * 10, headSha }, { 'unit tests': 'failure' });
      await accepted(6);
      const prUrl = `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/${pr}`;
      if (backend === 'agents') {
        // Coder Agents report the pull request the agent opened; the status comment links it.
        const chat = await stack.chatOf(name);
        stack.coder.setChatDiff(chat.id, { pull_request_url: prUrl });
      }
      await send(
        'issue_comment',
        samplePayloads.issueComment({
          ...issue,
          body: 'first (edited): use the v3 API',
          commentId: number * 10,
          action: 'edited',
        }),
      );
      await accepted(7);

      const done: TaskSnapshot = await until(async () => {
        const s = await state();
        return s.counts.forwardedItems === 6 && s.pending.length === 0 ? s : undefined;
      }, 'six forwarded items');
      expect(done.counts.duplicates).toBe(0);

      // What the agent received, in order: the brief, then the messages.
      let texts: string[];
      if (backend === 'tasks') {
        const task = stack.coder.taskByName(name);
        expect(task).toBeDefined();
        texts = stack.coder.inputs(task?.id ?? '');
      } else {
        const chat = stack.coder.chatByLabel('code-factory/task', name);
        expect(chat).toBeDefined();
        texts = stack.coder.chatMessages(chat?.id ?? '').map((m) => m.text);
      }
      const all = texts.join('\n=====\n');
      const order = [
        'first: use the v2 API',
        'second: keep the old flag',
        'third: add a test',
        'review: rename this variable',
        '### Attempt 2',
        'first (edited): use the v3 API',
      ];
      // Each delivered once, in this order.
      expect(outOfOrder(all, order, true)).toEqual([]);
      expect(all).toContain('File: src/a.ts (line 12)');
      expect(all).toContain('unit tests');
      expect(all.match(/Error: expected 1 to be 2/g)).toHaveLength(2); // attempts 1 and 2
      expect(all).not.toContain('### lint');
      // The comments that waited for start-up went out together, as one ordered batch.
      const batch = texts.find((t) => /^\d+ updates arrived while you were busy\./.test(t));
      expect(batch).toBeDefined();
      expect(batch).toContain('first: use the v2 API');
      expect(batch).toContain('third: add a test');

      // 👀 on every forwarded comment (reviews and review comments included where GitHub allows).
      const reacted = stack.github.reactions().map((r) => r.commentId);
      for (const id of [number * 10, number * 10 + 1, number * 10 + 2, number * 10 + 7]) {
        expect(reacted).toContain(id);
      }

      if (backend === 'agents') {
        // The pull request Coder reported is on the issue before it closes.
        await stack.statusSays(number, `Pull request: ${prUrl}`);
        // One chat, the requester's; every message after the brief sent as the requester.
        const chats = stack.coder.chats().filter((c) => c.labels['code-factory/task'] === name);
        expect(chats).toHaveLength(1);
        expect(chats[0]?.owner_id).toBe(stack.coderUserId);
        const sent = stack.coder.chatMessages(chats[0]?.id ?? '');
        expect(sent.slice(1).every((m) => m.createdBy === stack.coderUserId)).toBe(true);
        // Busy when the issue closes: Coder refuses to archive it until it is interrupted.
        stack.coder.setChatStatus(chats[0]?.id ?? '', 'running');
      }
      await send('issues', samplePayloads.issueClosed(issue));
      expect(await handle.result()).toBe('closed');
      expect((await state()).counts.cleanupFailures ?? 0).toBe(0);
      if (backend === 'tasks') expect(stack.coder.taskByName(name)).toBeUndefined();
      else expect(stack.coder.chatByLabel('code-factory/task', name)?.archived).toBe(true);
      const status = stack.statusComments(number);
      expect(status).toHaveLength(1);
      expect(status[0]?.body).toContain('cleaned up');
      if (backend === 'agents') {
        expect(status[0]?.body).toContain(`Pull request: ${prUrl}`);
        expect((await state()).pullRequestUrl).toBe(prUrl);
      }

      // A comment after close does not start a new task.
      const late = await stack.deliver(
        'issue_comment',
        samplePayloads.issueComment({ ...issue, body: 'too late', commentId: number * 10 + 9 }),
      );
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ skipped: 'no active task for this issue' });
      const creates =
        backend === 'tasks'
          ? stack.coder.callsTo('POST', /^\/api\/v2\/tasks\/[^/]+$/)
          : stack.coder.callsTo('POST', /^\/api\/v2\/chats$/);
      // One created; a first chat attempt was refused with a 503 on purpose.
      expect(creates.filter((c) => c.status === 201)).toHaveLength(1);
      if (backend === 'agents') {
        expect(
          stack.coder.callsTo('POST', /^\/api\/v2\/chats\/[^/]+\/interrupt$/).length,
        ).toBeGreaterThan(0);
        // Pushed, not polled: no readiness waits ran.
        const history = await handle.fetchHistory();
        const activities = (history.events ?? [])
          .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
          .filter(Boolean);
        expect(activities).not.toContain('waitForAgentReady');
      }
    });
  },
);
