// Entry point for the worker's workflow bundle: every workflow type the worker runs.

export { agentWatchWorkflow } from './agent-watch-workflow';
export { webhookRedeliveryWorkflow } from './redelivery-workflow';
export { repositoryWorkflow } from './repository-workflow';
export { scheduledJobWorkflow } from './scheduled-job-workflow';
export { slotsWorkflow } from './slots-workflow';
export { stuckScanWorkflow } from './stuck-scan-workflow';
export { taskWorkflow } from './task-workflow';
