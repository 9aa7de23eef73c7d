/** Wires the real clients from the worker's configuration. */
import {
  type AgentBackend,
  type BackendKind,
  CoderAgentsBackend,
  CoderTasksBackend,
} from '@code-factory/coder';
import type { WorkerConfig } from '@code-factory/config';
import { GitHubApp } from '@code-factory/github';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from './activities';
import { storedRepoConfig } from './repo-config-store';

export function depsFromConfig(config: WorkerConfig, client: Client): ActivityDeps {
  const backends: Partial<Record<BackendKind, AgentBackend>> = {
    tasks: new CoderTasksBackend({
      url: config.CODER_URL,
      token: config.CODER_TOKEN,
      organization: config.CODER_ORGANIZATION,
      templateName: config.CODER_TEMPLATE_NAME,
      presetName: config.CODER_TEMPLATE_PRESET,
    }),
    // Both are always available: a repository's config may pick either (SPEC 3).
    agents: new CoderAgentsBackend({
      url: config.CODER_URL,
      token: config.CODER_TOKEN,
      organization: config.CODER_ORGANIZATION,
    }),
  };
  return {
    github: new GitHubApp({
      appId: config.APP_ID,
      privateKey: config.PRIVATE_KEY,
      baseUrl: config.GITHUB_API_URL,
    }),
    backends,
    defaultBackend: config.CODER_BACKEND,
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
    storedRepoConfig: (repository) => storedRepoConfig(client, repository),
  };
}
