/**
 * Texts of the work the repository's config asks for: the issues the App opens for a
 * scheduled job or a failed run, the comment of a later failure, and the check run on a
 * pushed config. The hidden markers let the worker find those issues again.
 */
import { type CiFailureJob, tailLines } from './forward';

/** Each log tail in an issue body is cut to this many characters (GitHub caps bodies at 65 536). */
const MAX_TAIL_CHARS = 8_000;

const ORIGIN_NOTE =
  'Requested by `.code-factory/config.toml` on the default branch, which counts as a request by someone with write access. No person assigned it, so the agent runs as the service’s own Coder user. Close this issue to stop the agent.';

export function scheduledJobMarker(jobKey: string): string {
  return `<!-- code-factory:scheduled-job ${jobKey} -->`;
}

export function firingMarker(firingId: string): string {
  return `<!-- code-factory:firing ${firingId} -->`;
}

export function scheduledIssueTitle(jobName: string, firedAt: string): string {
  return `${jobName}: ${firedAt.slice(0, 10)}`;
}

export function scheduledIssueBody(input: {
  jobKey: string;
  firingId: string;
  name: string;
  branch: string;
  schedule: string;
  prompt: string;
  firedAt: string;
}): string {
  return [
    scheduledJobMarker(input.jobKey),
    `Scheduled job **${input.name}** (\`${input.schedule}\`, UTC), fired ${input.firedAt}.`,
    '',
    `**Branch:** \`${input.branch}\`: start from it and open your pull request against it.`,
    '',
    '## Prompt',
    '',
    input.prompt,
    '',
    '---',
    `${ORIGIN_NOTE} The next firing of this job is skipped while this issue is open.`,
    firingMarker(input.firingId),
  ].join('\n');
}

export function failedRunMarker(workflowPath: string, branch: string): string {
  return `<!-- code-factory:failed-run ${workflowPath}@${branch} -->`;
}

export function runMarker(runId: number): string {
  return `<!-- code-factory:run ${runId} -->`;
}

export interface FailedRunSummary {
  run: { id: number; name: string; path: string; url: string; headSha: string };
  branch: string;
  jobs: CiFailureJob[];
}

function failureLines(summary: FailedRunSummary): string[] {
  const { run, jobs } = summary;
  const lines = [
    `- Workflow: ${run.name} (${run.path})`,
    `- Branch: ${summary.branch}`,
    `- Run: ${run.url}`,
    `- Commit: ${run.headSha}`,
    `- Failed jobs: ${jobs.length ? jobs.map((job) => job.name).join(', ') : '(none reported)'}`,
  ];
  for (const job of jobs) {
    let tail = tailLines(job.logTail);
    if (tail.length > MAX_TAIL_CHARS) tail = `…${tail.slice(-MAX_TAIL_CHARS)}`;
    lines.push('', `### ${job.name}`, job.url, '```', tail, '```');
  }
  return lines;
}

export function failedRunIssueTitle(summary: FailedRunSummary): string {
  return `CI failed: ${summary.run.name || summary.run.path} on ${summary.branch}`;
}

export function failedRunIssueBody(summary: FailedRunSummary, promptAdditions?: string): string {
  return [
    failedRunMarker(summary.run.path, summary.branch),
    `## CI failed on \`${summary.branch}\``,
    '',
    ...failureLines(summary),
    '',
    'Instruction: Find the cause of the failure from the logs above, fix it, and open a pull request.',
    ...(promptAdditions ? ['', '## From the repository', '', promptAdditions] : []),
    '',
    '---',
    `${ORIGIN_NOTE} Later failures of this workflow on this branch are added here as comments while it is open.`,
    runMarker(summary.run.id),
  ].join('\n');
}

export function failedRunComment(summary: FailedRunSummary): string {
  return [
    `## CI failed again on \`${summary.branch}\``,
    '',
    ...failureLines(summary),
    runMarker(summary.run.id),
  ].join('\n');
}

export interface ConfigCheckView {
  status: 'valid' | 'invalid' | 'absent';
  errors: string[];
  keptSha: string | null;
  backend: string | null;
  jobs: { name: string; schedule: string; branch: string; scheduleId: string }[];
  hooks: { workflows: string[]; branches: string[] }[];
  scheduleErrors: string[];
  paused?: boolean;
}

export function configCheckTitle(view: ConfigCheckView): string {
  const errors = view.errors.length + view.scheduleErrors.length;
  if (errors > 0) return `${errors} error${errors === 1 ? '' : 's'} in .code-factory/config.toml`;
  if (view.status === 'absent') return 'No .code-factory/config.toml: defaults apply';
  return `${view.jobs.length} scheduled job(s), ${view.hooks.length} failed-run hook(s)`;
}

export function configCheckSummary(view: ConfigCheckView): string {
  const lines: string[] = [];
  if (view.errors.length > 0) {
    lines.push('The config at this commit is invalid and was **not applied**.');
    lines.push(
      view.keptSha
        ? `The config of ${view.keptSha.slice(0, 7)} stays in force.`
        : 'No earlier valid config was seen: defaults stay in force.',
    );
    lines.push(
      '',
      ...view.errors.map((e) => `- \`${e.split(': ')[0]}\`: ${e.split(': ').slice(1).join(': ')}`),
    );
    return lines.join('\n');
  }
  if (view.status === 'absent') {
    lines.push('The repository has no config: defaults apply, and it has no scheduled jobs.');
    return lines.join('\n');
  }
  if (view.scheduleErrors.length > 0) {
    lines.push(
      'Temporal refused some schedules; those jobs keep their previous schedule (or none):',
      '',
      ...view.scheduleErrors.map((e) => `- ${e}`),
      '',
    );
  }
  lines.push(`- Backend: ${view.backend ?? 'the service default'}`);
  lines.push(
    `- Scheduled jobs: ${view.jobs.length}${view.paused ? ' (paused by an operator)' : ''}`,
  );
  for (const job of view.jobs) {
    lines.push(
      `  - ${job.name}: \`${job.schedule}\` (UTC) on \`${job.branch}\`, schedule \`${job.scheduleId}\``,
    );
  }
  lines.push(`- Failed-run hooks: ${view.hooks.length}`);
  for (const hook of view.hooks) {
    lines.push(`  - ${hook.workflows.join(', ')} on ${hook.branches.join(', ')}`);
  }
  return lines.join('\n');
}
