/** Wires the real clients from the worker's configuration. */
import {
  type AgentBackend,
  type BackendChoice,
  type BackendKind,
  CoderAgentsBackend,
  CoderHttp,
  CoderTasksBackend,
  chooseBackend,
  describeChoice,
  detectCoder,
  EXPERIMENTAL_CHATS_PATH,
  type KeyEvent,
  RateGate,
} from '@code-factory/coder';
import { ConfigError, type WorkerConfig } from '@code-factory/config';
import { isExternalError } from '@code-factory/errors';
import { GitHubApp } from '@code-factory/github';
import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { type ActivityDeps, KEY_GRACE_MS, pruneOwnerKeys, startAgentWatch } from './activities';
import type { RepoWorkDeps } from './repo-config-activities';
import { storedRepoConfig } from './repo-config-store';

export interface WorkerDeps extends ActivityDeps, RepoWorkDeps {
  /** What the worker detected in Coder and chose (logged once and shown in the Web UI). */
  coder: BackendChoice;
  /** Lets go of Coder's chat streams at once; call it when the worker starts shutting down. */
  releaseStreams(): void;
}

/**
 * Learns what the Coder deployment offers and picks the backend (`CODER_BACKEND`, default
 * `auto`). A choice the deployment cannot serve, or a token it refuses, is a ConfigError that
 * names the fix; Coder being unreachable or failing (network, 5xx) is thrown as it is, for
 * the caller to try again.
 */
export async function detectBackend(config: WorkerConfig): Promise<BackendChoice> {
  const http = new CoderHttp({ url: config.CODER_URL, token: config.CODER_TOKEN });
  try {
    return chooseBackend(config.CODER_BACKEND, await detectCoder(http));
  } catch (err) {
    if (isExternalError(err) && err.kind !== 'retryable') {
      throw new ConfigError(`Coder at CODER_URL: ${err.message}`);
    }
    throw err;
  }
}

/** Starts this task queue's agent-watch workflow (where chats exist), saying what was detected. */
export async function announceCoder(deps: WorkerDeps): Promise<void> {
  if (deps.agentWatch) await startAgentWatch(deps.agentWatch, describeChoice(deps.coder));
}

/**
 * Keys minted, refused and revoked for chat owners, as Prometheus counters (exported with the
 * runtime's metrics when WORKER_METRICS_ADDRESS is set): `code_factory_coder_keys_minted`,
 * `code_factory_coder_keys_refused` (by HTTP status) and `code_factory_coder_keys_revoked`
 * (by reason).
 */
function countKeyEvent(event: KeyEvent): void {
  const meter = Runtime.instance().metricMeter;
  if (event.kind === 'minted') {
    meter
      .createCounter(
        'code_factory_coder_keys_minted',
        'keys',
        'Coder API keys minted for chat owners',
      )
      .add(1, { scoped: String(event.scoped) });
  } else if (event.kind === 'refused') {
    meter
      .createCounter(
        'code_factory_coder_keys_refused',
        'keys',
        'Coder API key mints refused (the owner is backed off)',
      )
      .add(1, { status: String(event.status ?? 'none') });
  } else {
    meter
      .createCounter('code_factory_coder_keys_revoked', 'keys', 'Coder API keys revoked')
      .add(1, { reason: event.reason });
  }
}

export async function depsFromConfig(
  config: WorkerConfig,
  client: Client,
  options: { choice?: BackendChoice } = {},
): Promise<WorkerDeps> {
  const choice = options.choice ?? (await detectBackend(config));
  const release = new AbortController();
  // One gate for every client of this Coder: a 429 slows the Tasks and the Agents calls,
  // the service's and each owner's, down together.
  const gate = new RateGate();
  const backends: Partial<Record<BackendKind, AgentBackend>> = {};
  // Tasks stay available where Coder still serves them: issues started on Tasks keep their
  // task until they close, and a repository's config may pick Tasks.
  if (choice.capabilities.tasks || choice.kind === 'tasks') {
    backends.tasks = new CoderTasksBackend({
      url: config.CODER_URL,
      token: config.CODER_TOKEN,
      gate,
      organization: config.CODER_ORGANIZATION,
      templateName: config.CODER_TEMPLATE_NAME,
      presetName: config.CODER_TEMPLATE_PRESET,
    });
  }
  if (choice.chatsPath) {
    backends.agents = new CoderAgentsBackend({
      gate,
      // Releases before v2.37 cannot create a chat for another user: mint no keys for them.
      delegation: choice.chatsPath !== EXPERIMENTAL_CHATS_PATH,
      onKeyEvent: countKeyEvent,
      log: (message, attrs) => Runtime.instance().logger.warn(message, attrs),
      url: config.CODER_URL,
      token: config.CODER_TOKEN,
      organization: config.CODER_ORGANIZATION,
      chatsPath: choice.chatsPath,
      workspaceTemplate: config.CODER_AGENTS_TEMPLATE_NAME,
      presetName: config.CODER_TEMPLATE_PRESET,
    });
  }
  return {
    coder: choice,
    releaseStreams: () => release.abort(),
    github: new GitHubApp({
      appId: config.APP_ID,
      privateKey: config.PRIVATE_KEY,
      baseUrl: config.GITHUB_API_URL,
    }),
    backends,
    defaultBackend: choice.kind,
    timings: {
      pollMs: config.AGENT_POLL_INTERVAL_MS,
      startupTimeoutMs: config.AGENT_STARTUP_TIMEOUT_MS,
      errorGraceMs: config.AGENT_ERROR_GRACE_MS,
    },
    templates: {
      standard: config.CODER_TEMPLATE_NAME,
      configAware: config.CODER_CONFIG_TEMPLATE_NAME,
      codex: config.CODER_TEMPLATE_NAME_CODEX,
    },
    agentLogin: config.AGENT_GITHUB_USERNAME,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    storedRepoConfig: (repository) => storedRepoConfig(client, repository),
    statusCommentIntervalMs: config.STATUS_COMMENT_INTERVAL_MS,
    historyLimit: config.TASK_HISTORY_LIMIT,
    budgetRetryIntervalMs: config.BUDGET_RETRY_INTERVAL_MS,
    coderProbeMs: config.CODER_PROBE_INTERVAL_MS,
    shepherdTimeScale: config.SHEPHERD_TIME_SCALE,
    ...(config.MAX_ACTIVE_AGENTS_PER_INSTALLATION !== undefined
      ? { maxActiveAgentsPerInstallation: config.MAX_ACTIVE_AGENTS_PER_INSTALLATION }
      : {}),
    ...(choice.chatsPath
      ? {
          agentWatch: {
            client,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            pollMs: config.AGENT_POLL_INTERVAL_MS,
            reconnectMs: config.CODER_STREAM_RECONNECT_MS,
            heartbeatTimeoutMs: config.AGENT_WATCH_HEARTBEAT_TIMEOUT_MS,
            released: release.signal,
          },
        }
      : {}),
  };
}

/**
 * The keys this worker minted for chat owners: every `intervalMs` those of owners the watch no
 * longer follows are revoked, and `stop()` (the worker shuts down) revokes them all, so a
 * restart leaves no key behind in Coder.
 */
export function manageOwnerKeys(
  deps: WorkerDeps,
  options: { intervalMs?: number; log?: (message: string, attrs: object) => void } = {},
): { stop(): Promise<number> } {
  const agents = deps.backends.agents as CoderAgentsBackend | undefined;
  const watch = deps.agentWatch;
  if (!agents) return { stop: async () => 0 };
  const timer = watch
    ? setInterval(() => {
        pruneOwnerKeys(watch, agents).catch((err: unknown) =>
          options.log?.('could not prune owner keys', { error: String(err) }),
        );
      }, options.intervalMs ?? KEY_GRACE_MS)
    : null;
  timer?.unref();
  return {
    stop: async () => {
      if (timer) clearInterval(timer);
      return agents.keys.revokeAll();
    },
  };
}
