/**
 * Activities of the fleet controls (issue 14): asking a scope's slots workflow for a slot,
 * telling the slots workflow which holders ended, and listing stuck tasks for the
 * `stuck-tasks` schedule. They talk to Temporal only (visibility, describe, update), never to
 * Coder or GitHub.
 */
import {
  type AcquireSlotResult,
  acquireSlotUpdate,
  DEFAULT_SLOT_CHECK_INTERVAL_MS,
  ErrorTypes,
  type FleetActivities,
  SearchAttributes,
  SLOTS_WORKFLOW_TYPE,
  type SlotsWorkflowInput,
  STUCK_PHASES,
  type StuckPhase,
  type StuckTask,
  TASK_WORKFLOW_TYPE,
} from '@code-factory/workflows';
import { Context, log } from '@temporalio/activity';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { withFailureMapping } from './failures';

export interface FleetDeps {
  client: Client;
  /** Task queue of the task workflows; stuck tasks are looked for there only. */
  taskQueue: string;
  /** How often each slots workflow checks its holders (input of a newly started one). */
  slotCheckIntervalMs?: number;
  /** Workflow type counted as a task; tests use a stand-in. */
  taskWorkflowType?: string;
}

export function createFleetActivities(deps: FleetDeps): FleetActivities {
  const taskType = deps.taskWorkflowType ?? TASK_WORKFLOW_TYPE;
  const activities: FleetActivities = {
    async acquireSlot({ scope, taskId, limit }): Promise<AcquireSlotResult> {
      const input: SlotsWorkflowInput = {
        scope,
        checkIntervalMs: deps.slotCheckIntervalMs ?? DEFAULT_SLOT_CHECK_INTERVAL_MS,
      };
      // The first acquire of a scope starts its workflow; later ones find the running one.
      const start = new WithStartWorkflowOperation(SLOTS_WORKFLOW_TYPE, {
        workflowId: scope,
        taskQueue: Context.current().info.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Concurrency slots of ${scope}`,
      });
      try {
        return await deps.client.workflow.executeUpdateWithStart(acquireSlotUpdate, {
          args: [{ taskId, limit }],
          startWorkflowOperation: start,
        });
      } catch (err) {
        // The update's validator refused the input: retrying cannot fix it.
        if (err instanceof WorkflowUpdateFailedError) {
          throw ApplicationFailure.create({
            type: ErrorTypes.nonRetryable,
            message: `acquireSlot refused: ${err.cause?.message ?? err.message}`,
            nonRetryable: true,
          });
        }
        throw err;
      }
    },

    async findEndedWorkflows({ workflowIds }) {
      const ended: Array<{ workflowId: string; status: string }> = [];
      for (const workflowId of workflowIds) {
        try {
          // Without a run ID this is the latest run, so a task that continued as new still runs.
          const { status } = await deps.client.workflow.getHandle(workflowId).describe();
          if (status.name !== 'RUNNING') ended.push({ workflowId, status: status.name });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          ended.push({ workflowId, status: 'NOT_FOUND' });
        }
        Context.current().heartbeat();
      }
      return { ended };
    },

    async findStuckTasks({ thresholdsMs, limit }) {
      const now = Date.now();
      const gauge = Context.current().metricMeter.createGauge(
        'code_factory_stuck_tasks',
        'int',
        'tasks',
        'Running tasks in a phase longer than its stuck threshold (STUCK_AFTER_MS), per phase',
      );
      const counts = {} as Record<StuckPhase, number>;
      const tasks: StuckTask[] = [];
      for (const phase of STUCK_PHASES) {
        const before = new Date(now - thresholdsMs[phase]).toISOString();
        const query = stuckQuery(taskType, deps.taskQueue, phase, before);
        counts[phase] = (await deps.client.workflow.count(query)).count;
        gauge.set(counts[phase], { phase });
        if (tasks.length >= limit || counts[phase] === 0) continue;
        for await (const wf of deps.client.workflow.list({ query })) {
          const since = wf.typedSearchAttributes.get(SearchAttributes.phaseSince);
          if (since) tasks.push({ workflowId: wf.workflowId, phase, since: since.toISOString() });
          if (tasks.length >= limit) break;
        }
      }
      // Not stuck (they go on by themselves), but worth a number: a Coder outage at a glance.
      const coderDown = (await deps.client.workflow.count(coderDownQuery(taskType, deps.taskQueue)))
        .count;
      Context.current()
        .metricMeter.createGauge(
          'code_factory_coder_unavailable_tasks',
          'int',
          'tasks',
          'Running tasks waiting for Coder (phase waiting-for-coder), as of the last stuck-tasks scan',
        )
        .set(coderDown);
      log.info('stuck tasks', { ...counts, listed: tasks.length, waitingForCoder: coderDown });
      return { tasks, counts };
    },
  };
  return withFailureMapping(
    activities as unknown as Record<string, (...args: never[]) => Promise<unknown>>,
  ) as unknown as FleetActivities;
}

/**
 * The visibility query for one stuck kind; docs/operations.md ("Fleet controls") shows the
 * same filter for the Web UI.
 */
export function stuckQuery(
  workflowType: string,
  taskQueue: string,
  phase: string,
  beforeIso: string,
): string {
  return [
    `WorkflowType = '${workflowType}'`,
    `TaskQueue = '${taskQueue}'`,
    `ExecutionStatus = 'Running'`,
    `${SearchAttributes.phase.name} = '${phase}'`,
    `${SearchAttributes.phaseSince.name} < '${beforeIso}'`,
  ].join(' AND ');
}

/** Running tasks of this task queue that wait for Coder (`code_factory_coder_unavailable_tasks`). */
export function coderDownQuery(workflowType: string, taskQueue: string): string {
  return [
    `WorkflowType = '${workflowType}'`,
    `TaskQueue = '${taskQueue}'`,
    `ExecutionStatus = 'Running'`,
    `${SearchAttributes.phase.name} = 'waiting-for-coder'`,
  ].join(' AND ');
}
