export {
  type CoderRelease,
  createFakeCoder,
  type FakeCoder,
  type FakeCoderApp,
  type FakeCoderOptions,
  startFakeCoder,
} from './fake-coder';
export {
  CODER_RELEASES,
  DEFAULT_RELEASE as DEFAULT_CODER_RELEASE,
} from './fake-coder/release';
export type { CoderTimings } from './fake-coder/state';
export {
  type CommitSeed,
  createFakeGitHub,
  type FakeGitHub,
  type FakeGitHubApp,
  githubFaults,
  type PullRequestSeed,
  startFakeGitHub,
  type WorkflowJobSeed,
  type WorkflowRunSeed,
} from './fake-github';
export { type FaultSpec, type RecordedCall, type RunningServer, serveApp } from './http-fake';
export { newAppKey, testAppKey } from './keys';
export { outOfOrder } from './order';
export { until } from './until';
export {
  samplePayloads,
  signWebhook,
  type WebhookPayload,
  type WebhookRequest,
  webhookRequest,
} from './webhooks';
export { defaultBranchPayloads } from './webhooks-default-branch';
