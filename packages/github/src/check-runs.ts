/**
 * Check runs: the App's verdict on a commit, shown beside it on GitHub. Used to report what
 * the service made of `.code-factory/config.toml` at a pushed commit.
 *
 * REST "Create a check run" (`POST /repos/{owner}/{repo}/check-runs`, GitHub App with
 * `checks: write`): `name` and `head_sha` required; with `status: completed` a `conclusion`
 * is required; `output` takes `title`, `summary` and up to 50 `annotations` per request,
 * each `{path, start_line, end_line, annotation_level: notice|warning|failure, message}`.
 */
import { z } from 'zod';
import { parseResponse, toExternalError } from './errors';
import type { GitHubInstallation, RepoRef } from './installation';

/** GitHub takes at most this many annotations per request. */
export const MAX_ANNOTATIONS = 50;
/** GitHub's limit on `output.summary` (and `text`): 65535 characters. */
const MAX_SUMMARY = 65_535;

export interface CheckAnnotation {
  path: string;
  line: number;
  level: 'notice' | 'warning' | 'failure';
  message: string;
}

export interface CheckRunInput extends RepoRef {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations?: CheckAnnotation[];
}

const checkRunSchema = z.object({ id: z.number(), html_url: z.string().nullish() });

export async function createCheckRun(
  gh: GitHubInstallation,
  input: CheckRunInput,
): Promise<{ id: number; url: string | null }> {
  const action = `check run "${input.name}" on ${input.owner}/${input.repo}@${input.headSha.slice(0, 7)}`;
  const summary =
    input.summary.length > MAX_SUMMARY
      ? `${input.summary.slice(0, MAX_SUMMARY - 1)}…`
      : input.summary;
  try {
    const res = await gh.octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: input.owner,
      repo: input.repo,
      name: input.name,
      head_sha: input.headSha,
      status: 'completed',
      conclusion: input.conclusion,
      completed_at: new Date().toISOString(),
      output: {
        title: input.title,
        summary,
        annotations: (input.annotations ?? []).slice(0, MAX_ANNOTATIONS).map((a) => ({
          path: a.path,
          start_line: a.line,
          end_line: a.line,
          annotation_level: a.level,
          message: a.message,
        })),
      },
    });
    const data = parseResponse(checkRunSchema, res.data, action);
    return { id: data.id, url: data.html_url ?? null };
  } catch (err) {
    throw toExternalError(err, action);
  }
}
