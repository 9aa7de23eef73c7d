export * from './activities';
export type { AgentWatchInput } from './agent-watch-workflow';
export * from './definitions';
export type { RepositoryWorkflowInput } from './repository-workflow';
export * from './state';
export type { TaskOutcome, TaskWorkflowInput } from './task-workflow';
