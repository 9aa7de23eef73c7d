export * from './activities';
export * from './definitions';
export * from './state';
export type { TaskOutcome, TaskWorkflowInput } from './task-workflow';
