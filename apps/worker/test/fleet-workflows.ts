/**
 * Workflow bundle of `fleet.test.ts`: the real workflows plus two small stand-ins for the
 * task workflow, which issue 10 is reshaping: one that takes a slot and holds it until told
 * to finish, and one that sits in a phase (search attributes) and records stuck reminders.
 */
import {
  type FleetActivities,
  releaseSlotOf,
  SearchAttributes,
  slotGrantedSignal,
  slotQueueSignal,
  stuckReminderSignal,
} from '@code-factory/workflows';
import {
  condition,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';

export * from '@code-factory/workflows/workflows';

export interface HolderState {
  granted: boolean;
  /** The smallest position heard (answer or `slotQueue`). */
  ahead: number | null;
  /** Every `slotQueue` position, in arrival order. */
  heard: number[];
}
export const holderQuery = defineQuery<HolderState>('holder');
export const finishSignal = defineSignal('finish');

const acts = proxyActivities<Pick<FleetActivities, 'acquireSlot'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '100 milliseconds', maximumInterval: '1 second' },
});

export async function slotHolderWorkflow(input: { scope: string; limit: number }): Promise<void> {
  const state: HolderState = { granted: false, ahead: null, heard: [] };
  const heardAhead = (ahead: number) => {
    if (!state.granted) state.ahead = Math.min(state.ahead ?? ahead, ahead);
  };
  let finish = false;
  setHandler(slotGrantedSignal, ({ scope }) => {
    if (scope === input.scope) state.granted = true;
  });
  setHandler(slotQueueSignal, ({ scope, ahead }) => {
    if (scope !== input.scope) return;
    state.heard.push(ahead);
    heardAhead(ahead);
  });
  setHandler(finishSignal, () => {
    finish = true;
  });
  setHandler(holderQuery, () => state);
  const taskId = workflowInfo().workflowId;
  const answer = await acts.acquireSlot({ scope: input.scope, taskId, limit: input.limit });
  if (answer.granted) state.granted = true;
  else heardAhead(answer.ahead);
  await condition(() => finish);
  await releaseSlotOf(input.scope, taskId);
}

export const remindersQuery = defineQuery<Array<{ phase: string; since: string }>>('reminders');

export async function phaseHolderWorkflow(input: { phase: string; since: string }): Promise<void> {
  const reminders: Array<{ phase: string; since: string }> = [];
  setHandler(stuckReminderSignal, (reminder) => {
    reminders.push(reminder);
  });
  setHandler(remindersQuery, () => reminders);
  upsertSearchAttributes([
    { key: SearchAttributes.phase, value: input.phase },
    { key: SearchAttributes.phaseSince, value: new Date(input.since) },
  ]);
  await condition(() => false);
}
