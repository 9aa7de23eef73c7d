/**
 * The per-comment path on today's Coder (patch `lean-forward`): the 👀 reaction and the send
 * run as local activities inside the workflow task the comment arrives in, and a run that
 * continued as new at the worker's TASK_HISTORY_LIMIT replays from its recorded history.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import { AGENT_LOGIN, LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import { workflowsPath } from '@code-factory/worker';
import { stateQuery } from '@code-factory/workflows';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('lean forward path', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      coderTimings: { chatRunningMs: 20 },
      workerEnv: {
        TASK_HISTORY_LIMIT: process.env.LF_LIMIT ?? '100',
        STATUS_COMMENT_INTERVAL_MS: '30000',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const issue = (issueNumber: number) => ({
    owner: stack.repo.owner,
    repo: stack.repo.name,
    issueNumber,
    sender: LEAD.login,
    senderId: LEAD.id,
    assignee: AGENT_LOGIN,
  });

  it('forwards a comment with no activity task, and replays the runs it continued from', async () => {
    const n = 71;
    const name = stack.taskName(n);
    const handle = stack.client.workflow.getHandle(name);
    const state = () => handle.query(stateQuery);
    const assigned = await stack.deliver('issues', samplePayloads.issueAssigned(issue(n)));
    expect(assigned.status).toBe(202);
    // The start-up run continues as new once the agent runs (patch continue-after-start).
    await until(async () => {
      const s = await state();
      return s.phase === 'ready' && s.runs === 1;
    }, 'ready in the continued run');
    const firstRunId = (await handle.describe()).runId;

    let sent = 0;
    for (; sent < 400 && (await state()).runs === 1; sent++) {
      await stack.deliver(
        'issue_comment',
        samplePayloads.issueComment({
          ...issue(n),
          body: `comment ${sent}`,
          commentId: 7_000 + sent,
        }),
      );
      await until(async () => {
        const s = await state();
        return s.counts.forwardedItems >= sent + 1 && s.pending.length === 0;
      }, `comment ${sent} forwarded`);
    }
    const s = await state();
    expect(s.runs, 'continued as new past TASK_HISTORY_LIMIT').toBeGreaterThanOrEqual(2);
    expect(s.counts.forwardedItems).toBe(sent);
    expect(s.counts.duplicates).toBe(0);

    const first = await stack.client.workflow.getHandle(name, firstRunId).fetchHistory();
    const events = first.events ?? [];
    // Sends and reactions are markers of local activities, not activity tasks.
    // Reactions and sends are local activities: a marker each, no activity tasks.
    const localTypes = events.flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) return [];
      return [String(JSON.parse(new TextDecoder().decode(data)).activity_type)];
    });
    // The last comment's 👀 may go out from the next run (pending reactions are carried).
    const reactions = localTypes.filter((t) => t === 'reactToComment').length;
    expect(reactions).toBeGreaterThanOrEqual(sent - 1);
    expect(reactions).toBeLessThanOrEqual(sent);
    expect(localTypes.filter((t) => t === 'deliverToAgent').length).toBeGreaterThanOrEqual(1);
    const activityTypes = events.map(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name,
    );
    expect(activityTypes).not.toContain('reactToComment');

    const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle: bundle }, first, name);
  });
});
