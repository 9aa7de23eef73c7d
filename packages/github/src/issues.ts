/**
 * Issues the App opens for work the repository's config asks for (scheduled jobs, failed-run
 * hooks), found again by a hidden marker in their body, and the branch check of a job.
 *
 * REST: "Create an issue" (`POST /repos/{owner}/{repo}/issues`, title, body, labels; the
 * labels are created when missing if the caller may push), "List repository issues" (`GET
 * /repos/{owner}/{repo}/issues?state=open&labels=a,b`, pull requests included and marked by a
 * `pull_request` key), "Get a branch" (`GET /repos/{owner}/{repo}/branches/{branch}`, 404 when
 * there is none).
 */
import { ExternalError } from '@code-factory/errors';
import { z } from 'zod';
import { parseResponse, toExternalError } from './errors';
import type { GitHubInstallation, RepoRef } from './installation';

export interface OpenedIssue {
  number: number;
  url: string;
  title: string;
  body: string;
  /** Who opened it (for the App: `<slug>[bot]` and its user id). */
  author: { login: string; id: number };
}

const issueSchema = z.object({
  number: z.number(),
  html_url: z.string(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string(),
  user: z.object({ login: z.string(), id: z.number() }).nullable(),
  pull_request: z.unknown().optional(),
});

const commentSchema = z.object({ id: z.number(), html_url: z.string(), created_at: z.string() });

function toIssue(issue: z.output<typeof issueSchema>): OpenedIssue {
  return {
    number: issue.number,
    url: issue.html_url,
    title: issue.title,
    body: issue.body ?? '',
    author: issue.user ? { login: issue.user.login, id: issue.user.id } : { login: 'ghost', id: 1 },
  };
}

async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toExternalError(err, action);
  }
}

export async function openIssue(
  gh: GitHubInstallation,
  input: RepoRef & { title: string; body: string; labels: string[] },
): Promise<OpenedIssue> {
  const action = `new issue in ${input.owner}/${input.repo}`;
  return call(action, async () => {
    const res = await gh.octokit.request('POST /repos/{owner}/{repo}/issues', {
      owner: input.owner,
      repo: input.repo,
      title: input.title,
      body: input.body,
      labels: input.labels,
    });
    return toIssue(parseResponse(issueSchema, res.data, action));
  });
}

/** Open issues (not pull requests) with `label` whose body contains `marker`, oldest first. */
export async function openIssuesMarked(
  gh: GitHubInstallation,
  input: RepoRef & { label: string; marker: string },
): Promise<OpenedIssue[]> {
  const action = `open issues labelled ${input.label} in ${input.owner}/${input.repo}`;
  return call(action, async () => {
    const found: OpenedIssue[] = [];
    const pages = gh.octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', {
      owner: input.owner,
      repo: input.repo,
      state: 'open',
      labels: input.label,
      sort: 'created',
      direction: 'asc',
      per_page: 100,
    });
    for await (const page of pages) {
      for (const issue of parseResponse(z.array(issueSchema), page.data, action)) {
        if (issue.pull_request !== undefined || issue.state !== 'open') continue;
        if ((issue.body ?? '').includes(input.marker)) found.push(toIssue(issue));
      }
    }
    return found;
  });
}

export async function commentOnIssue(
  gh: GitHubInstallation,
  input: RepoRef & { issueNumber: number; body: string },
): Promise<{ id: number; url: string; createdAt: string }> {
  const action = `comment on ${input.owner}/${input.repo}#${input.issueNumber}`;
  return call(action, async () => {
    const res = await gh.octokit.request(
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { owner: input.owner, repo: input.repo, issue_number: input.issueNumber, body: input.body },
    );
    const data = parseResponse(commentSchema, res.data, action);
    return { id: data.id, url: data.html_url, createdAt: data.created_at };
  });
}

export async function branchExists(
  gh: GitHubInstallation,
  input: RepoRef & { branch: string },
): Promise<boolean> {
  const action = `branch ${input.branch} of ${input.owner}/${input.repo}`;
  try {
    await call(action, () =>
      gh.octokit.request('GET /repos/{owner}/{repo}/branches/{branch}', {
        owner: input.owner,
        repo: input.repo,
        branch: input.branch,
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ExternalError && err.kind === 'not_found') return false;
    throw err;
  }
}
