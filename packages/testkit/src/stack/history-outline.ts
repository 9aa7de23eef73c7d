/**
 * One line per event of a workflow's history (`id kind name`), with the activity type, signal
 * or timer that names it: what a test prints next to a failure that depends on timing, so a run
 * that failed once in CI says what the workflow did.
 */
import type { WorkflowHandle } from '@temporalio/client';

interface NamedAttributes {
  activityType?: { name?: string };
  signalName?: string;
  timerId?: string;
  taskQueue?: { name?: string };
}

export async function historyOutline(handle: WorkflowHandle): Promise<string> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events
    .map((e) => {
      const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes')) ?? '?';
      const a = (e as Record<string, NamedAttributes | undefined>)[kind] ?? {};
      const name = a.activityType?.name ?? a.signalName ?? a.timerId ?? a.taskQueue?.name ?? '';
      const seconds = Number(String(e.eventTime?.seconds ?? 0));
      const ms = seconds * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const at = seconds ? new Date(ms).toISOString().slice(11, 23) : '';
      return `${e.eventId} ${at} ${kind.replace('EventAttributes', '')} ${name}`;
    })
    .join('\n');
}
