export { type AppIdentity, DEFAULT_GITHUB_API_URL, GitHubApp, type GitHubAppOptions } from './app';
export {
  type CheckAnnotation,
  type CheckRunInput,
  createCheckRun,
  MAX_ANNOTATIONS,
} from './check-runs';
export {
  CODEOWNERS_PATHS,
  type CodeOwnersFile,
  type CodeOwnersRule,
  ownersOf,
  ownersOfPaths,
  parseCodeOwners,
} from './codeowners';
export {
  type CheckState,
  type ChecksVerdict,
  type CommitCheck,
  checksVerdict,
  type RequiredCheck,
} from './commit-checks';
export {
  DELIVERY_RETENTION_MS,
  type DeliveryListing,
  planRedeliveries,
  type RedeliveryCandidate,
  type RedeliveryPlan,
  type RedeliveryRules,
  type WebhookDelivery,
} from './deliveries';
export { parseResponse, toExternalError } from './errors';
export {
  commitParents,
  type MergedPull,
  mergedPullRequestsClosing,
  type RunJob,
  reopenIssue,
  runJobs,
  runsAtCommit,
} from './follow-through';
export {
  type CollaboratorPermission,
  type FailedJob,
  GitHubInstallation,
  type LinkedIssue,
  type Permission,
  type PullRequestSummary,
  type ReactionContent,
  type ReactionSource,
  type RepoRef,
} from './installation';
export {
  branchExists,
  commentOnIssue,
  type OpenedIssue,
  openIssue,
  openIssuesMarked,
} from './issues';
export { LOG_TAIL_MAX_BYTES, logTail } from './log-tail';
export type {
  CommitTouch,
  Comparison,
  Mergeability,
  MergeableState,
  Refusable,
  ReviewThread,
  ReviewThreads,
} from './pull-requests';
export type { WorkflowRunSummary } from './workflow-runs';
