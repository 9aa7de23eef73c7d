/** Public surface of the worker, for end-to-end tests and local tooling. */
export {
  type ActivityDeps,
  createActivities,
  FollowBatcher,
  pruneOwnerKeys,
  releaseChatOwner,
  startAgentWatch,
  type WorkerActivities,
} from './activities';
export {
  announceCoder,
  depsFromConfig,
  detectBackend,
  manageOwnerKeys,
  type WorkerDeps,
} from './deps';
export { toFailure, withFailureMapping } from './failures';
export {
  coderDownQuery,
  createFleetActivities,
  type FleetDeps,
  stuckQuery,
} from './fleet-activities';
export {
  createRedeliveryActivities,
  MAX_REDELIVERIES,
  type RedeliveryDeps,
} from './redelivery-activities';
export { ensureRedeliverySchedule, type RedeliveryScheduleOptions } from './redelivery-schedule';
export { createRepoConfigActivities, type RepoWorkDeps } from './repo-config-activities';
export { storedRepoConfig } from './repo-config-store';
export {
  listSchedulesWithMemo,
  payloadKeyId,
  rewriteSchedulesUnderFirstKey,
  type ScheduleKeyReport,
} from './schedule-keys';
export { ensureIntervalSchedule, type IntervalSchedule, type ScheduleOutcome } from './schedules';
export { ensureStuckSchedule, type StuckScheduleOptions } from './stuck-schedule';
export { type CreateWorkerOptions, createWorker, workflowsPath } from './worker';
export {
  keepWorkerSchedules,
  SCHEDULED_WORKFLOW_TYPES,
  type WorkerSchedules,
  type WorkerSchedulesOptions,
} from './worker-schedules';
