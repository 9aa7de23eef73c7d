/**
 * The Temporal sink against the real dev server from the root globalSetup. No worker runs:
 * started workflows just sit there until the test terminates them.
 */
import { randomUUID } from 'node:crypto';
import type { IssueAssigned, IssueClosed } from '@code-factory/events';
import { repositoryWorkflowId, taskName } from '@code-factory/naming';
import { temporalAddress } from '@code-factory/testkit/vitest';
import { SearchAttributes } from '@code-factory/workflows';
import { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { SinkUnavailableError, TemporalEventSink } from '../src/temporal-sink';

const address = temporalAddress();

function uniqueRepo() {
  return { owner: 'acme', name: `w${randomUUID().slice(0, 8)}` };
}

/** A sink on the shared server, closed after the test. */
function sinkFor(taskQueue: string) {
  const sink = new TemporalEventSink({
    settings: { address, namespace: 'default' },
    taskQueue,
    taskNamePrefix: 'gh',
    timeoutMs: 5_000,
  });
  sinks.push(sink);
  return sink;
}

const base = (repository: { owner: string; name: string }) => ({
  deliveryId: randomUUID(),
  receivedAt: new Date().toISOString(),
  repository,
  installationId: 1,
});

/** An issue of a repository of its own: its task name and what every event of it carries. */
function freshIssue(issueNumber: number) {
  const repository = uniqueRepo();
  const sender = { login: 'octo-lead', id: 1001 };
  const fields = { ...base(repository), issueNumber, sender };
  return { repository, name: taskName('gh', repository, issueNumber), fields };
}

/** A sink whose Temporal is unreachable: nothing listens on port 1. */
function unreachableSink(timeoutMs: number) {
  return new TemporalEventSink({
    settings: { address: '127.0.0.1:1', namespace: 'default' },
    taskQueue: 'unused',
    taskNamePrefix: 'gh',
    timeoutMs,
  });
}

const sinks: TemporalEventSink[] = [];
afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.close()));
});

describe('TemporalEventSink (dev server)', () => {
  it('reports ready', async () => {
    const sink = sinkFor(`ingress-${randomUUID()}`);
    expect(await sink.isReady()).toBe(true);
  });

  it('signal-task to a workflow that does not exist is "no-workflow", and starts nothing', async () => {
    const sink = sinkFor(`ingress-${randomUUID()}`);
    const { name, fields } = freshIssue(5);
    const event: IssueClosed = { ...fields, kind: 'issue.closed' };
    expect(await sink.signalTask({ action: 'signal-task', taskName: name, event })).toEqual({
      status: 'no-workflow',
      workflowId: name,
    });
    const client = new Client({ connection: sink.connection });
    await expect(client.workflow.getHandle(name).describe()).rejects.toThrow();
  });

  it('start-task creates the task workflow under its task name, then signals it', async () => {
    const taskQueue = `ingress-${randomUUID()}`;
    const sink = sinkFor(taskQueue);
    const client = new Client({ connection: sink.connection });
    const { repository, name, fields } = freshIssue(42);
    const issue = { title: 'Fix it', url: `https://github.com/acme/${repository.name}/issues/42` };
    const event: IssueAssigned = { ...fields, kind: 'issue.assigned', issue };
    const handle = client.workflow.getHandle(name);
    try {
      const summary = `acme/${repository.name}#42: Fix it`;
      expect(
        await sink.startTask({ action: 'start-task', taskName: name, event, summary }),
      ).toEqual({ status: 'signalled', workflowId: name });
      const description = await handle.describe();
      expect(description.type).toBe('taskWorkflow');
      expect(description.taskQueue).toBe(taskQueue);
      expect(description.status.name).toBe('RUNNING');
      expect(await description.staticSummary()).toBe(summary);
      expect(description.typedSearchAttributes.get(SearchAttributes.repository)).toBe(
        `acme/${repository.name}`,
      );
      expect(description.typedSearchAttributes.get(SearchAttributes.issueNumber)).toBe(42);

      // A second assignment signals the same run instead of starting another.
      await sink.startTask({ action: 'start-task', taskName: name, event, summary });
      const closed: IssueClosed = { ...event, kind: 'issue.closed', sender: event.sender };
      expect(
        await sink.signalTask({ action: 'signal-task', taskName: name, event: closed }),
      ).toEqual({ status: 'signalled', workflowId: name });
      expect((await handle.describe()).runId).toBe(description.runId);

      // Once the workflow is over, signals find no task (a comment after close starts nothing).
      await handle.terminate('test done');
      expect(
        await sink.signalTask({ action: 'signal-task', taskName: name, event: closed }),
      ).toEqual({ status: 'no-workflow', workflowId: name });
    } finally {
      await handle.terminate('test cleanup').catch(() => undefined);
    }
  });

  it('route signals-with-start the repository workflow', async () => {
    const sink = sinkFor(`ingress-${randomUUID()}`);
    const client = new Client({ connection: sink.connection });
    const repository = uniqueRepo();
    const workflowId = repositoryWorkflowId(repository);
    const handle = client.workflow.getHandle(workflowId);
    try {
      const result = await sink.route({
        ...base(repository),
        kind: 'config.push',
        sha: 'a'.repeat(40),
      });
      expect(result).toEqual({ status: 'signalled', workflowId });
      expect((await handle.describe()).type).toBe('repositoryWorkflow');
    } finally {
      await handle.terminate('test cleanup').catch(() => undefined);
    }
  });

  it('fails fast with SinkUnavailableError when Temporal is unreachable', async () => {
    const sink = unreachableSink(500);
    sinks.push(sink);
    const started = Date.now();
    await expect(
      sink.route({ ...base(uniqueRepo()), kind: 'config.push', sha: 'a'.repeat(40) }),
    ).rejects.toBeInstanceOf(SinkUnavailableError);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await sink.isReady()).toBe(false);
  });

  it('closes only once the calls in flight have settled, so no client retry outlives the channel', async () => {
    const sink = unreachableSink(300);
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      const call = sink.route({ ...base(uniqueRepo()), kind: 'config.push', sha: 'b'.repeat(40) });
      // Closed while the client is still retrying UNAVAILABLE: close waits for the call.
      const closed = sink.close();
      await expect(call).rejects.toBeInstanceOf(SinkUnavailableError);
      await closed;
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });
});
