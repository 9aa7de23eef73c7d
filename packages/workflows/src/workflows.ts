// Entry point for the worker's workflow bundle: every workflow type the worker runs.
export { repositoryWorkflow } from './repository-workflow';
export { taskWorkflow } from './task-workflow';
