export {
  type CodecRelay,
  type CodecRelayOptions,
  startCodecRelay,
} from './codec-relay';
export {
  DEMO,
  DEV_TIMINGS,
  type DevFakes,
  type DevFakesOptions,
  seedDemoWorld,
  startDevFakes,
} from './dev-fakes';
export {
  type ChatDiff,
  type ChatDiffInput,
  type ChatTimings,
  type CoderChatJson,
  type CoderChatStatus,
  type CoderOrganization,
  type CoderRelease,
  type CoderTaskJson,
  type CoderTaskState,
  type CoderTaskStatus,
  type CoderTemplate,
  type CoderTemplateSeed,
  type CoderTimings,
  type CoderUser,
  type CoderUserSeed,
  createFakeCoder,
  DEFAULT_CHAT_TIMINGS,
  DEFAULT_CODER_TIMINGS,
  DEFAULT_CODER_TOKEN,
  DEFAULT_ORG,
  DEFAULT_TEMPLATE,
  type FakeCoder,
  type FakeCoderApp,
  type FakeCoderOptions,
  type FakeCoderTimings,
  type FakeWorkspace,
  RELEASES,
  startFakeCoder,
} from './fake-coder';
export {
  createFakeGitHub,
  type FakeGitHub,
  type FakeGitHubApp,
  type FakeGitHubOptions,
  type GitHubPermission,
  type GitHubUserJson,
  githubFaults,
  type IssueCommentJson,
  type IssuedToken,
  type PullRequestSeed,
  type ReactionContent,
  type RecordedReaction,
  startFakeGitHub,
  type WorkflowJobSeed,
  type WorkflowRunSeed,
} from './fake-github';
export type {
  FakeIssue,
  RecordedCheckRun,
  RepoWorkControls,
} from './fake-github/routes-repo-work';
export type {
  RecordedDelivery,
  SentWebhook,
  WebhookTarget,
} from './fake-github-deliveries';
export {
  type FakeControls,
  type FaultSpec,
  HttpFake,
  listen,
  type RecordedCall,
  type RunningServer,
  serveApp,
} from './http-fake';
export { newAppKey, type TestAppKey, testAppKey } from './keys';
export { until } from './until';
export {
  githubUser,
  type RepoParams,
  samplePayloads,
  signWebhook,
  type WebhookPayload,
  type WebhookRequest,
  webhookRequest,
} from './webhooks';
