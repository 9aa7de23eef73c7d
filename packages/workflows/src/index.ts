export * from './activities';
export type { AgentWatchInput } from './agent-watch-workflow';
export * from './definitions';
export * from './fleet-definitions';
export * from './follow-activities';
export { checkAcquireSlot, checkReleaseSlot, checkStuckReminder } from './guards';
export {
  type FailedDeliveries,
  REDELIVERY_SCHEDULE_ID,
  REDELIVERY_WORKFLOW_TYPE,
  type RedeliveryActivities,
  type RedeliveryInput,
  type RedeliveryResult,
} from './redelivery-workflow';
export * from './repo-activities';
export { flakes } from './repo-shepherd';
export * from './repo-work';
export type { RepositoryWorkflowInput } from './repository-workflow';
export * from './slots';
export { releaseSlotOf, type SlotsWorkflowInput } from './slots-workflow';
export * from './state';
export type { StuckScanInput, StuckScanResult } from './stuck-scan-workflow';
export type { TaskOutcome, TaskWorkflowInput } from './task-workflow';
export { BASELINE, WORKFLOW_CHANGES, type WorkflowChange } from './versioning';
