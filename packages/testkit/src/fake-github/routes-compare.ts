/**
 * "Compare two commits" `GET /repos/{owner}/{repo}/compare/{base}...{head}`: `commits` oldest
 * first and paged, `files` (every changed file) on the first page only; 404 for a comparison the
 * fake was not given: https://docs.github.com/en/rest/commits/commits#compare-two-commits
 */
import type { Hono } from 'hono';
import type { FakeEnv } from '../http-fake';
import { apiBase, iso, notFound, ownerRepo, paginate } from './http';
import { type ComparisonSeed, type GitHubState, gitBlobSha, repoKey, userJson } from './state';

export function comparisonKey(owner: string, repo: string, base: string, head: string): string {
  return `${repoKey(owner, repo)}@${base}...${head}`;
}

function statusOf(seed: ComparisonSeed, ahead: number, behind: number): string {
  if (seed.status) return seed.status;
  if (ahead > 0 && behind > 0) return 'diverged';
  if (ahead > 0) return 'ahead';
  if (behind > 0) return 'behind';
  return 'identical';
}

export function registerCompareRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.get('/repos/:owner/:repo/compare/:basehead{.+}', (c) => {
    const [owner, repo] = ownerRepo(c);
    const basehead = c.req.param('basehead');
    const at = basehead.indexOf('...');
    if (at < 0) return notFound(c);
    const base = basehead.slice(0, at);
    const head = basehead.slice(at + 3);
    const seed = state.comparisons.get(comparisonKey(owner, repo, base, head));
    if (!seed) return notFound(c);
    const ahead = seed.aheadBy ?? seed.commits.length;
    const behind = seed.behindBy ?? 0;
    const page = Math.max(Number(c.req.query('page') ?? 1) || 1, 1);
    const commits = paginate(c, seed.commits).map((commit) => ({
      sha: commit.sha,
      url: `${apiBase(c)}/repos/${owner}/${repo}/commits/${commit.sha}`,
      html_url: `${state.htmlBase}/${owner}/${repo}/commit/${commit.sha}`,
      commit: {
        message: commit.message,
        author: {
          name: commit.author ?? 'octo-dev',
          email: 'dev@example.com',
          date: iso(Date.now()),
        },
      },
      author: commit.author ? userJson(commit.author, state.idOf(commit.author)) : null,
      parents: [],
    }));
    return c.json({
      url: `${apiBase(c)}/repos/${owner}/${repo}/compare/${basehead}`,
      html_url: `${state.htmlBase}/${owner}/${repo}/compare/${basehead}`,
      status: statusOf(seed, ahead, behind),
      ahead_by: ahead,
      behind_by: behind,
      total_commits: seed.commits.length,
      commits,
      files:
        page === 1
          ? seed.files.map((file) => {
              const additions = file.additions ?? 1;
              const deletions = file.deletions ?? 0;
              return {
                sha: gitBlobSha(`${head}:${file.filename}`),
                filename: file.filename,
                status: file.status,
                additions,
                deletions,
                changes: additions + deletions,
                ...(file.previousFilename ? { previous_filename: file.previousFilename } : {}),
              };
            })
          : [],
    });
  });
}
