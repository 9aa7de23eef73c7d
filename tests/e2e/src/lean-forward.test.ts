/**
 * The per-comment path on today's Coder (patch `lean-forward`): the 👀 reaction and the send
 * run as local activities inside the workflow task the comment arrives in, and a run that
 * continued as new at the worker's TASK_HISTORY_LIMIT replays from its recorded history.
 *
 * Patch `continue-after-start`: once the agent runs, the task continues as new, so a worker
 * that evicted it replays a short continued run instead of the whole start-up. Nothing is
 * lost on the way: the comment that follows reaches the agent once, the Web UI's current
 * details still name the issue, and both runs replay against the current bundle.
 */
import { samplePayloads, until } from '@code-factory/testkit';
import { workflowsPath } from '@code-factory/worker';
import { stateQuery, WORKFLOW_CHANGES } from '@code-factory/workflows';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { suiteStack } from './suite-stack';

describe('lean forward path', () => {
  const stack = suiteStack({
    coderTimings: { chatRunningMs: 20 },
    workerEnv: {
      TASK_HISTORY_LIMIT: process.env.LF_LIMIT ?? '100',
      STATUS_COMMENT_INTERVAL_MS: '30000',
    },
  });

  const issue = (issueNumber: number) => stack.issue(issueNumber);

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

  it('starts the agent in one run and goes on in a short one', async () => {
    const n = 81;
    const title = 'Greet in French';
    const name = stack.taskName(n);
    const handle = stack.client.workflow.getHandle(name);
    const state = () => handle.query(stateQuery);
    const assigned = await stack.deliver(
      'issues',
      samplePayloads.issueAssigned({ ...issue(n), title }),
    );
    expect(assigned.status).toBe(202);
    await until(async () => {
      const s = await state();
      return s.phase === 'ready' && s.runs === 1;
    }, 'ready in the continued run');

    const runs: { runId: string; status: string }[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${name}'` })) {
      runs.push({ runId: wf.runId, status: wf.status.name });
    }
    expect(runs).toHaveLength(2);
    const first = runs.find((r) => r.status === 'CONTINUED_AS_NEW');
    expect(first).toBeDefined();
    const startUp = await stack.client.workflow.getHandle(name, first?.runId).fetchHistory();
    const scheduled = (startUp.events ?? []).flatMap((e) => {
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return type ? [type] : [];
    });
    expect(scheduled).toContain('startAgent');

    const continued = await handle.fetchHistory();
    const length = continued.events?.length ?? 0;
    console.log(`start-up run: ${startUp.events?.length} events; continued run: ${length}`);
    // The run's own events (start, its workflow tasks, the settings read, a timer: 10), and per
    // patch asked at the run's start a marker and its TemporalChangeVersion upsert (22 with six).
    const patches = WORKFLOW_CHANGES.filter(
      (c) => c.workflow === 'taskWorkflow' && c.state === 'patched',
    ).length;
    expect(length).toBeLessThanOrEqual(10 + 2 * patches);

    // The static summary stays with the first run; the details name the issue on every run.
    const metadata = (await handle.query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toContain(
      `${stack.repo.owner}/${stack.repo.name}#${n}**: ${title}`,
    );

    await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({ ...issue(n), body: 'and in Breton', commentId: 8_100 }),
    );
    await until(async () => (await state()).counts.forwardedItems === 1, 'comment forwarded');
    const chat = await until(
      () => stack.coder.chatByLabel('code-factory/task', name),
      `chat of ${name}`,
    );
    const texts = stack.coder.chatMessages(chat.id).map((m) => m.text);
    expect(texts.filter((t) => t.includes('and in Breton'))).toHaveLength(1);
    const s = await state();
    expect(s.runs).toBe(1);
    expect(s.counts.duplicates).toBe(0);

    const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    await Worker.runReplayHistory({ workflowBundle: bundle }, startUp, name);
    await Worker.runReplayHistory({ workflowBundle: bundle }, await handle.fetchHistory(), name);

    await stack.deliver('issues', samplePayloads.issueClosed(issue(n)));
    expect(await handle.result()).toBe('closed');
  });
});
