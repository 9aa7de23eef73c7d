export * from './activities';
export type { AgentWatchInput } from './agent-watch-workflow';
export * from './definitions';
export {
  type FailedDeliveries,
  REDELIVERY_SCHEDULE_ID,
  REDELIVERY_WORKFLOW_TYPE,
  type RedeliveryActivities,
  type RedeliveryInput,
  type RedeliveryResult,
} from './redelivery-workflow';
export * from './repo-work';
export type { RepositoryWorkflowInput } from './repository-workflow';
export * from './state';
export type { TaskOutcome, TaskWorkflowInput } from './task-workflow';
