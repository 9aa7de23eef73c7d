/**
 * One workflow per concurrency scope (`slots-installation-<id>`, `slots-repo-<owner>/<repo>`)
 * that counts the active agents of that scope: tasks ask for a slot with the `acquireSlot`
 * update (through the `acquireSlot` activity, which starts this workflow on first use), give it
 * back with the `releaseSlot` signal, and hear about grants and queue moves by signal
 * (`slotGranted`, `slotQueue`). The rules live in `SlotTable` (`slots.ts`).
 *
 * Slots never leak: a task that ends without releasing (terminated, crashed, reset away) is
 * found by describing the holders, every `checkIntervalMs` while anyone holds a slot and at
 * once when a new task has to wait; a grant that cannot be signalled (the task is gone) is
 * released too.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ErrorTypes } from './activities';
import {
  acquireSlotUpdate,
  DEFAULT_SLOT_CHECK_INTERVAL_MS,
  type FleetActivities,
  releaseSlotSignal,
  slotGrantedSignal,
  slotQueueSignal,
  slotsQuery,
} from './fleet-definitions';
import { checkAcquireSlot, checkReleaseSlot } from './guards';
import { type SlotNotice, type SlotsCarried, SlotTable } from './slots';

export interface SlotsWorkflowInput {
  /** The workflow's own ID; named in the signals to tasks. */
  scope: string;
  /** How often holders are checked while any exist; default 5 minutes. */
  checkIntervalMs?: number;
  /** Continue-as-new past this many history events (or when the server suggests it). */
  maxHistoryEvents?: number;
  /** Holders and queue carried over from the previous run. */
  carried?: SlotsCarried;
}

const DEFAULT_MAX_HISTORY_EVENTS = 5_000;

/** Retries of the fleet workflows' activities: Temporal calls, transient unless refused. */
export const FLEET_ACTIVITY_RETRY = {
  initialInterval: '1 second',
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [ErrorTypes.nonRetryable, ErrorTypes.userFixable],
};

const acts = proxyActivities<Pick<FleetActivities, 'findEndedWorkflows'>>({
  startToCloseTimeout: '1 minute',
  retry: FLEET_ACTIVITY_RETRY,
});

export async function slotsWorkflow(input: SlotsWorkflowInput): Promise<void> {
  const { scope } = input;
  const checkIntervalMs = input.checkIntervalMs ?? DEFAULT_SLOT_CHECK_INTERVAL_MS;
  const table = new SlotTable(input.carried);
  const now = () => new Date(Date.now()).toISOString();
  // A new waiter asks for a check at once: a leaked slot must not hold it for a whole interval.
  let checkWanted = false;

  setHandler(
    acquireSlotUpdate,
    (raw) => {
      const checked = checkAcquireSlot(raw);
      // The validator refused it already; this only narrows the type.
      if (!checked.ok) throw ApplicationFailure.nonRetryable(checked.reason, 'InvalidInput');
      const result = table.acquire(checked.value.taskId, checked.value.limit, now());
      if (!result.granted) checkWanted = true;
      return result;
    },
    {
      validator: (raw) => {
        const checked = checkAcquireSlot(raw);
        if (!checked.ok) throw ApplicationFailure.nonRetryable(checked.reason, 'InvalidInput');
      },
    },
  );
  setHandler(releaseSlotSignal, (raw) => {
    const checked = checkReleaseSlot(raw);
    if (!checked.ok) {
      log.warn('releaseSlot ignored: malformed input', { reason: checked.reason });
      return;
    }
    table.release(checked.value.taskId, now());
  });
  setHandler(slotsQuery, () => table.snapshot(scope));

  const tell = async (notice: SlotNotice): Promise<void> => {
    const task = getExternalWorkflowHandle(notice.taskId);
    try {
      if (notice.kind === 'granted') await task.signal(slotGrantedSignal, { scope });
      else await task.signal(slotQueueSignal, { scope, ahead: notice.ahead });
    } catch (err) {
      // The task is gone (closed or never existed): its slot or place goes to the next one.
      log.info('slot task not reachable; released', {
        taskId: notice.taskId,
        error: err instanceof Error ? err.message : String(err),
      });
      table.release(notice.taskId, now());
    }
  };

  let nextCheck = Date.now() + checkIntervalMs;
  const checkHolders = async (): Promise<void> => {
    checkWanted = false;
    nextCheck = Date.now() + checkIntervalMs;
    const holders = table.holderIds();
    if (holders.length === 0) return;
    const { ended } = await acts.findEndedWorkflows({ workflowIds: holders });
    for (const { workflowId, status } of ended) {
      if (table.release(workflowId, now())) {
        log.info('slot of an ended task released', { taskId: workflowId, status });
      }
    }
  };

  const maxHistory = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  for (;;) {
    if (table.hasNotices()) {
      for (const notice of table.takeNotices()) await tell(notice);
      continue;
    }
    if (checkWanted || (table.holderIds().length > 0 && Date.now() >= nextCheck)) {
      await checkHolders();
      continue;
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= maxHistory) {
      await condition(allHandlersFinished);
      // A handler that ran while waiting may have left something to tell first.
      if (!table.hasNotices() && !checkWanted) {
        await continueAsNew<typeof slotsWorkflow>({ ...input, carried: table.carry() });
      }
      continue;
    }
    const wake = () => table.hasNotices() || checkWanted;
    if (table.holderIds().length > 0) {
      await condition(wake, Math.max(1, nextCheck - Date.now()));
    } else {
      // An acquire granted in its answer wakes nothing else, so wait for a holder too.
      await condition(() => wake() || table.holderIds().length > 0);
      // The periodic check counts from the first holder.
      nextCheck = Date.now() + checkIntervalMs;
    }
  }
}

/**
 * For the task workflow: give the slot of `scope` back (when the task closes or fails for
 * good). Never throws: a scope whose workflow is not running has nothing of this task's.
 */
export async function releaseSlotOf(scope: string, taskId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(scope).signal(releaseSlotSignal, { taskId });
  } catch (err) {
    log.info('no slots workflow to release from', {
      scope,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
