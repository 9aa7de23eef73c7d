import { STATUS_MARKER } from '@code-factory/messages';
import { eventSignal, retryUpdate, sendMessageUpdate } from '@code-factory/workflows';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODER_USER, events, type Harness, REPO, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function statusComments(issue: number) {
  return h.github
    .comments(REPO.owner, REPO.name, issue)
    .filter((c) => c.body.startsWith(STATUS_MARKER));
}

describe('task workflow: assign and close', () => {
  it('creates the task, reports status, and cleans up on close', async () => {
    const issue = 101;
    const id = await h.start(issue, events.assigned(issue));
    const ready = await h.waitFor(id, (s) => s.phase === 'ready');
    expect(ready.agent?.name).toBe(id);
    expect(ready.agent?.owner).toBe(CODER_USER);

    const created = h.coder.callsTo('POST', /^\/api\/v2\/tasks\/demo-dev$/);
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({
      name: id,
      input: `https://github.com/acme/widgets/issues/${issue}`,
    });
    const comments = statusComments(issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('working on this issue');

    await h.signal(id, events.closed(issue));
    const result = await h.client.workflow.getHandle(id).result();
    expect(result).toBe('closed');
    expect(
      h.coder.callsTo('DELETE', new RegExp(`/api/v2/tasks/demo-dev/${ready.agent?.id}$`)),
    ).toHaveLength(1);
    expect(h.coder.taskByName(id)).toBeUndefined();
    expect(statusComments(issue)[0]?.body).toContain('closed');
    expect(statusComments(issue)).toHaveLength(1);
  });

  it('acts once on a redelivered event', async () => {
    const issue = 102;
    const assigned = events.assigned(issue);
    const id = await h.start(issue, assigned);
    await h.signal(id, assigned);
    await h.signal(id, assigned);
    const state = await h.waitFor(id, (s) => s.phase === 'ready');
    expect(state.counts.duplicates).toBe(2);
    expect(
      h.coder
        .callsTo('POST', /^\/api\/v2\/tasks\//)
        .filter((c) => (c.body as { name?: string }).name === id),
    ).toHaveLength(1);
    await h.signal(id, events.closed(issue));
    await h.client.workflow.getHandle(id).result();
  });

  it('adopts a task that already exists under the name', async () => {
    const issue = 103;
    const first = await h.start(issue, events.assigned(issue));
    await h.waitFor(first, (s) => s.phase === 'ready');
    await h.client.workflow.getHandle(first).terminate('simulate a lost workflow');
    // A new run for the same task name finds the task in Coder instead of creating another.
    const assigned = events.assigned(issue);
    await h.client.workflow.signalWithStart('taskWorkflow', {
      workflowId: first,
      taskQueue: h.taskQueue,
      args: [{ taskName: first, repository: REPO, issueNumber: issue }],
      signal: eventSignal,
      signalArgs: [assigned],
    });
    await h.waitFor(first, (s) => s.phase === 'ready');
    const creates = h.coder
      .callsTo('POST', /^\/api\/v2\/tasks\//)
      .filter((c) => (c.body as { name?: string }).name === first);
    expect(creates).toHaveLength(1);
    await h.signal(first, events.closed(issue));
    await h.client.workflow.getHandle(first).result();
  });

  it('skips an assignment by someone without write permission', async () => {
    const issue = 104;
    const id = await h.start(issue, events.assigned(issue, { login: 'drive-by', id: 4242 }));
    expect(await h.client.workflow.getHandle(id).result()).toBe('no-task');
    expect(h.coder.tasks().find((t) => t.name === id)).toBeUndefined();
    expect(statusComments(issue)).toHaveLength(0);
  });

  it('explains a missing Coder account once, then closes cleanly', async () => {
    const issue = 105;
    h.github.setPermission(REPO.owner, REPO.name, 'unlinked', 'admin');
    const id = await h.start(issue, events.assigned(issue, { login: 'unlinked', id: 5555 }));
    const failed = await h.waitFor(id, (s) => s.phase === 'failed');
    expect(failed.lastError).toContain('no Coder account');
    // The failure is explained in the status comment... but only an issue with a status
    // comment gets one: the first one is created here.
    const comments = statusComments(issue);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('@unlinked has no Coder account');
    await h.signal(id, events.closed(issue));
    expect(await h.client.workflow.getHandle(id).result()).toBe('closed');
  });

  it('reports a task that fails to start, and retries on request', async () => {
    const issue = 106;
    const id = await h.start(issue, events.assigned(issue));
    await h.waitFor(id, (s) => s.agent !== null);
    const agentId = (await h.state(id)).agent?.id ?? '';
    h.coder.setTaskStatus(agentId, 'error');
    const failed = await h.waitFor(id, (s) => s.phase === 'failed');
    expect(failed.failedStep).toBe('start');
    expect(statusComments(issue)[0]?.body).toContain('could not start');

    // The operator fixes things in Coder and retries from the CLI or the Web UI.
    h.coder.setTaskStatus(agentId, 'active', 'idle');
    await h.client.workflow.getHandle(id).executeUpdate(retryUpdate);
    await h.waitFor(id, (s) => s.phase === 'ready');
    // Redone whole: the same task adopted (not a second one), and the issue says it runs.
    expect(statusComments(issue)[0]?.body).toContain('working on this issue');
    expect(h.coder.tasks().filter((t) => t.name === id)).toHaveLength(1);
    await h.signal(id, events.closed(issue));
    expect(await h.client.workflow.getHandle(id).result()).toBe('closed');
  });

  it('rejects a retry when nothing failed, and a malformed operator message', async () => {
    const issue = 107;
    const id = await h.start(issue, events.assigned(issue));
    await h.waitFor(id, (s) => s.phase === 'ready');
    const handle = h.client.workflow.getHandle(id);
    await expect(handle.executeUpdate(retryUpdate)).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await expect(
      handle.executeUpdate(sendMessageUpdate, { args: [{ text: '   ' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    // Garbage and foreign events are logged and ignored; the workflow keeps going.
    await handle.signal(eventSignal, { kind: 'nonsense' } as never);
    await handle.signal(eventSignal, {
      ...events.closed(issue),
      repository: { owner: 'evil', name: 'widgets' },
    });
    const state = await h.waitFor(id, (s) => s.counts.rejected === 2);
    expect(state.phase).toBe('ready');
    expect(state.closeRequested).toBe(false);
    await h.signal(id, events.closed(issue));
    expect(await handle.result()).toBe('closed');
  });

  it('keeps comments when the agent goes away, says so, and delivers them on retry', async () => {
    const issue = 109;
    const id = await h.start(issue, events.assigned(issue));
    const ready = await h.waitFor(id, (s) => s.phase === 'ready');
    const agentId = ready.agent?.id ?? '';
    h.coder.setTaskStatus(agentId, 'error');
    await h.signal(id, events.comment(issue, 'please keep me', 7001));
    const failed = await h.waitFor(id, (s) => s.phase === 'failed');
    expect(failed.failedStep).toBe('deliver');
    expect(failed.pending.map((p) => p.kind)).toEqual(['comment.posted']);
    expect(statusComments(issue)[0]?.body).toContain('stopped taking messages');
    expect(h.coder.inputs(agentId)).toEqual([]);

    h.coder.setTaskStatus(agentId, 'active', 'idle');
    await h.client.workflow.getHandle(id).executeUpdate(retryUpdate);
    await h.waitFor(id, (s) => s.counts.forwardedItems === 1);
    expect(h.coder.inputs(agentId).join('\n')).toContain('please keep me');
    await h.signal(id, events.closed(issue));
    expect(await h.client.workflow.getHandle(id).result()).toBe('closed');
  });

  it('closing during start-up cancels the wait and deletes the task', async () => {
    const issue = 108;
    const id = await h.start(issue, events.assigned(issue));
    const starting = await h.waitFor(id, (s) => s.agent !== null);
    h.coder.setTaskStatus(starting.agent?.id ?? '', 'initializing');
    await h.signal(id, events.closed(issue));
    expect(await h.client.workflow.getHandle(id).result()).toBe('closed');
    expect(h.coder.taskByName(id)).toBeUndefined();
  });
});
