/**
 * One firing of a repository's scheduled job (started by its Temporal Schedule,
 * `scheduled-<owner>-<repo>-<job>`): open an issue for the job as the App and hand it to the
 * agent, unless the previous firing's issue is still open (then the firing is skipped, and
 * the schedule's note and the log say so). From there the issue lives like any assigned one.
 */
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import {
  REPO_ACTIVITY_OPTIONS,
  type RepoWorkActivities,
  type ScheduledJobInput,
  type ScheduledJobResult,
} from './repo-work';

const acts = proxyActivities<RepoWorkActivities>(REPO_ACTIVITY_OPTIONS);

export async function scheduledJobWorkflow(input: ScheduledJobInput): Promise<ScheduledJobResult> {
  const info = workflowInfo();
  const ref = { installationId: input.installationId, repository: input.repository };
  const opened = await acts.openScheduledIssue.executeWithOptions(
    { startToCloseTimeout: '1 minute', summary: `open the issue of job ${input.job.name}` },
    [
      {
        ...input,
        // The run, not the workflow ID: Temporal names a firing by its time in whole seconds,
        // so two firings within one second share the ID (a retried attempt keeps the run).
        firingId: `${info.workflowId}/${info.firstExecutionRunId}`,
        firedAt: info.startTime.toISOString(),
      },
    ],
  );
  if (opened.outcome === 'skipped') {
    log.info('scheduled job skipped: the previous firing’s issue is still open', {
      job: input.job.name,
      openIssue: opened.openIssue,
    });
    return { outcome: 'skipped', openIssue: opened.openIssue };
  }
  await acts.handIssueToAgent.executeWithOptions(
    { startToCloseTimeout: '1 minute', summary: `hand #${opened.issue.number} to the agent` },
    [
      {
        ...ref,
        taskNamePrefix: input.taskNamePrefix,
        issue: opened.issue,
        sender: opened.sender,
        deliveryId: `scheduled-${info.workflowId}`,
      },
    ],
  );
  log.info('scheduled job opened an issue for the agent', {
    job: input.job.name,
    issueNumber: opened.issue.number,
  });
  return { outcome: 'opened', issueNumber: opened.issue.number, url: opened.issue.url };
}
