/**
 * The agent's brief when it starts. Without a repo config it is the issue URL (what the
 * original service sent). With one, Coder Tasks get the config-aware template and a JSON
 * input carrying everything the template needs to size and prepare the sandbox. A task a
 * mention started has the mention line as its first instruction, cleaned like every text the
 * agent reads, with its provenance; an agent started again because its issue's merged pull
 * request broke CI (follow-through) has that failure first.
 */
import type { BackendKind } from '@code-factory/events';
import type { ResolvedRepoConfig } from '@code-factory/repo-config';
import { cleanText, provenanceLine } from './clean';
import { formatRegressionBrief, type Regression } from './follow-through';

/** The brief's first instruction: the line that mentioned the agent, who wrote it, where. */
export interface BriefInstruction {
  line: string;
  author: string;
  /** `author_association` of the author, when the delivery said. */
  association?: string;
  /** The issue (a mention in its body) or the comment. */
  url: string;
}

/** The instruction as the brief's first lines (ends with a blank line). */
export function formatInstruction(instruction: BriefInstruction): string {
  const cleaned = cleanText(instruction.line);
  return [
    'Your first instruction is the line that mentioned you:',
    '<instruction>',
    cleaned.text.trim(),
    '</instruction>',
    provenanceLine(
      {
        author: instruction.author,
        ...(instruction.association ? { association: instruction.association } : {}),
      },
      cleaned.removed,
    ),
    `- Written in: ${instruction.url}`,
    '',
    '',
  ].join('\n');
}

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

/** The repository's web URL from the issue's (works for GitHub Enterprise hosts too). */
export function repoUrlOf(issueUrl: string): string {
  return issueUrl.replace(/\/issues\/\d+\/?$/, '');
}

export function agentBrief(
  issue: { url: string; owner: string; repo: string },
  config: ResolvedRepoConfig | null,
  templates: BriefTemplates,
  backend: BackendKind = 'tasks',
  instruction?: BriefInstruction,
  regression?: Regression,
): AgentBrief {
  const first =
    (regression ? formatRegressionBrief(regression) : '') +
    (instruction ? formatInstruction(instruction) : '');
  if (backend === 'agents') {
    // A chat's first message is read by the agent itself, not by a template: plain words.
    const lines = [
      `Work on this GitHub issue until it is resolved: ${issue.url}`,
      `Repository: ${repoUrlOf(issue.url)} (${issue.owner}/${issue.repo}).`,
      'Fork the repository, push your work to a branch and open a pull request that closes the issue.',
    ];
    if (config?.sandbox.docker) lines.push('This repository needs Docker in your workspace.');
    return { input: first + lines.join('\n'), templateName: templates.standard };
  }
  if (!config) return { input: first + issue.url, templateName: templates.standard };
  const codex = config.harness.provider === 'codex';
  return {
    templateName: codex && templates.codex ? templates.codex : templates.configAware,
    input: JSON.stringify({
      repo_url: repoUrlOf(issue.url),
      repo_name: `${issue.owner}/${issue.repo}`,
      prompt: first + issue.url,
      harness_provider: config.harness.provider,
      sandbox_size: config.sandbox.size,
      docker: config.sandbox.docker,
      volumes: config.sandbox.volumes,
    }),
  };
}
