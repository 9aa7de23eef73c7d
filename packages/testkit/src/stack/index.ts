/**
 * `@code-factory/testkit/stack`: the product assembled for tests, `pnpm dev` and the bench.
 * A subpath of its own because it loads the apps (the fakes in the main entry do not), and
 * the apps' own tests use the main entry.
 */
export { type ChildHandle, spawnChild, spawnWorker, type WorkerProcess } from './child';
export {
  DEV_SERVER_SEARCH_ATTRIBUTES,
  type DevServer,
  freePort,
  startDevServer,
  temporalCliPath,
} from './dev-server';
export { holdCommentBehindAgentError } from './held-comment';
export { historyOutline } from './history-outline';
export { seedAgentPull, seedAgentReview } from './review';
export {
  AGENT_LOGIN,
  CODER_USER,
  LEAD,
  type Stack,
  type StackOptions,
  startStack,
  WEBHOOK_SECRET,
} from './stack';
export {
  quietRuntime,
  startInProcessWorker,
  workflowBundle,
  workflowBundlePath,
} from './worker';
