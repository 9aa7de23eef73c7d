/**
 * The agent's brief when it starts. Without a repo config it is the issue URL (what the
 * original service sent). With one, Coder Tasks get the config-aware template and a JSON
 * input carrying everything the template needs to size and prepare the sandbox.
 */
import type { ResolvedRepoConfig } from '@code-factory/repo-config';

export interface BriefTemplates {
  /** The default template (CODER_TEMPLATE_NAME). */
  standard: string;
  /** The config-aware template (CODER_CONFIG_TEMPLATE_NAME). */
  configAware: string;
  /** A template for the codex harness, if the deployment has one (CODER_TEMPLATE_NAME_CODEX). */
  codex?: string;
}

export interface AgentBrief {
  input: string;
  templateName: string;
}

export function agentBrief(
  issue: { url: string; owner: string; repo: string },
  config: ResolvedRepoConfig | null,
  templates: BriefTemplates,
): AgentBrief {
  if (!config) return { input: issue.url, templateName: templates.standard };
  const codex = config.harness.provider === 'codex';
  return {
    templateName: codex && templates.codex ? templates.codex : templates.configAware,
    input: JSON.stringify({
      repo_url: `https://github.com/${issue.owner}/${issue.repo}`,
      repo_name: `${issue.owner}/${issue.repo}`,
      prompt: issue.url,
      harness_provider: config.harness.provider,
      sandbox_size: config.sandbox.size,
      docker: config.sandbox.docker,
      volumes: config.sandbox.volumes,
    }),
  };
}
