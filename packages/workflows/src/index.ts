export * from './activities';
export * from './definitions';
export * from './state';
export type { RepositoryWorkflowInput } from './repository-workflow';
export type { TaskOutcome, TaskWorkflowInput } from './task-workflow';
