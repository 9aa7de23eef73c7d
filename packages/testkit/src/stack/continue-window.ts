/**
 * A comment that arrives while a task run past its history bound waits to continue as new.
 * The continue-as-new waits for a 1 ms timer in a workflow task of its own, which the dev
 * server takes a while to fire; comments go one at a time until a run's last event is that
 * timer, and the next comment is sent in the window. The window can be missed (the timer
 * fired first), so the next run is tried, up to `attempts` runs.
 *
 * Answers the run that took the comment before continuing (patch `continue-yields-at-bound`:
 * its timer cancelled and a `deliverToAgent` marker after it), or `undefined` when no run did
 * (older workflow code: the comment waits for the next run). The stack's worker needs a small
 * TASK_HISTORY_LIMIT (100) for this to take seconds. Used by the e2e test and the recording
 * of the replay fixture.
 */
import { stateQuery } from '@code-factory/workflows';
import type { WorkflowHandle } from '@temporalio/client';
import { until } from '../until';
import { samplePayloads } from '../webhooks';
import type { Stack } from './stack';

type HistoryEvent = NonNullable<
  Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']
>[number];

export interface ContinueWindowResult {
  /** The run that sent the window's comment before it continued as new. */
  runId: string | undefined;
  /** Comments sent, bodies `bound 0` … `bound <sent - 1>`. */
  sent: number;
}

export async function commentInContinueWindow(
  stack: Stack,
  issueNumber: number,
  options: { attempts?: number; commentIdBase?: number } = {},
): Promise<ContinueWindowResult> {
  const name = stack.taskName(issueNumber);
  const handle = stack.client.workflow.getHandle(name);
  const state = () => handle.query(stateQuery);
  const currentRun = async () => (await handle.describe()).runId;
  const history = async (runId: string) =>
    (await stack.client.workflow.getHandle(name, runId).fetchHistory()).events ?? [];
  let sent = 0;
  const comment = async () => {
    const i = sent++;
    await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({
        owner: stack.repo.owner,
        repo: stack.repo.name,
        issueNumber,
        body: `bound ${i}`,
        commentId: (options.commentIdBase ?? issueNumber * 1_000) + i,
      }),
    );
    await until(async () => {
      const s = await state();
      return s.counts.forwardedItems >= sent && s.pending.length === 0;
    }, `${sent} comments forwarded`);
  };
  for (let attempt = 0; attempt < (options.attempts ?? 8); attempt++) {
    const runId = await currentRun();
    let waiting = false;
    while (!waiting && (await currentRun()) === runId) {
      await comment();
      waiting = isOneMs((await history(runId)).at(-1)?.timerStartedEventAttributes);
    }
    if (!waiting) continue;
    await comment();
    await until(async () => (await currentRun()) !== runId, 'the continue-as-new');
    const events = await history(runId);
    const timer = events.findIndex((e) => isOneMs(e.timerStartedEventAttributes));
    const after = events.slice(timer + 1);
    if (
      timer >= 0 &&
      after.some((e) => e.timerCanceledEventAttributes) &&
      after.some((e) => localActivityType(e) === 'deliverToAgent')
    ) {
      return { runId, sent };
    }
  }
  return { runId: undefined, sent };
}

/** A timer of 1 ms (the continue-as-new's); its Duration is a protobuf one. */
function isOneMs(timer: HistoryEvent['timerStartedEventAttributes']): boolean {
  const d = timer?.startToFireTimeout;
  return !!d && Number(d.seconds ?? 0) === 0 && d.nanos === 1_000_000;
}

/** The activity type a local activity's marker records, if the event is one. */
function localActivityType(e: HistoryEvent): string | undefined {
  const marker = e.markerRecordedEventAttributes;
  const data = marker?.details?.data?.payloads?.[0]?.data;
  if (marker?.markerName !== 'core_local_activity' || !data) return undefined;
  return String(JSON.parse(new TextDecoder().decode(data)).activity_type);
}
